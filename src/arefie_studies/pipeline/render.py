"""Render an executed notebook into the partner report: self-contained HTML and A4 PDF.

Nothing is executed here: the input is a notebook already run by papermill. The HTML comes from
nbconvert's ``HTMLExporter`` with the ``arefie`` template (no code, no prompts; title page,
contents, numbered figures and tables, methods annex, provenance block); the PDF is printed
from that same HTML by WeasyPrint (no LaTeX).

Before export the outputs are normalised: error outputs stop the rendering (a report with a
missing piece must not be published), stderr streams and bare object reprs
(``<Figure size ...>``) are dropped, images become numbered ``<figure>`` blocks with the image
embedded as a data URI (SVG preferred when present, else PNG at its physical size).
Bare ``text/plain`` results are console echoes and are dropped too; ``print`` output is kept
as plain text, HTML and Markdown outputs as they are.
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import html as _html
import importlib.metadata as _md
import platform
import re
import struct
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat

from arefie_studies import french
from arefie_studies.pipeline.report_marks import (
    DIRTY_NOTICE,
    SYNTHETIC_NOTICE,
    SYNTHETIC_SOURCE,
    mark_synthetic_sources,
)
from arefie_studies.pipeline.report_parameters import PARAMETER_LABELS, parameter_rows, text_fr

__all__ = [
    "DIRTY_NOTICE",
    "PARAMETER_LABELS",
    "SYNTHETIC_NOTICE",
    "SYNTHETIC_SOURCE",
    "RenderError",
    "collect_annex",
    "collect_key_figures",
    "keep_figure_notes",
    "mark_synthetic_sources",
    "parameter_rows",
    "prepare_notebook",
    "render_html",
    "render_report",
    "software_versions",
    "typeset",
]

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "arefie"
PRODUCER = (
    "AREFIE – Observatoire régional de l’emploi et de l’insertion des jeunes, Hauts-de-France"
)

_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_SOFTWARE = (
    "arefie-studies", "numpy", "pandas", "scipy", "statsmodels", "matplotlib",
    "seaborn", "nbconvert", "papermill", "weasyprint",
)  # fmt: skip
_STUDY_NAMES = {
    "sante_jeunes": "Étude santé jeunes",
    "cej": "Déploiement du Contrat d’engagement jeune",
    "parcours_residentiel": "Parcours résidentiel des jeunes",
    "barometre": "Baromètre des Missions Locales",
}
_ANNEX_SECTIONS = ("sample", "weighting", "variance", "disclosure", "notes")
_HEADING_RE = re.compile(r"<h([12])\b([^>]*)>(.*?)</h\1>", re.S)
_ID_RE = re.compile(r"\bid=\"([^\"]+)\"")
_TAG_RE = re.compile(r"<[^>]+>")
_NOTE_START = r'\s*<p>(?:<(?:em|strong|i)>)?\s*(?:Notes?|Lecture|Champ|Sources?)[\s\u00a0\u202f]*:'
_TABLE_NOTE_RE = re.compile(
    r'(</table>(?:(?!<table|<div class="output).)*?</div>\s*)<div class="output md">(?=' + _NOTE_START + ")",
    re.S)
_KEPT_TABLE_RE = re.compile(r'<div class="arefie-table[^"]*\bfits-page\b[^"]*"')
_FIGURE_NOTES_RE = re.compile(
    r'(<div class="output"><figure class="report-figure">(?:(?!</figure>).)*</figure></div>)'
    r'(\s*<div class="output md">\s*<p>(?:<(?:em|strong|i)>)?\s*'
    r'(?:Notes?|Lecture|Champ|Sources?)[\s\u00a0\u202f]*:(?:(?!</div>).)*</div>)?', re.S)


class RenderError(ValueError):
    """The notebook cannot be turned into a partner report (error output, bad argument...)."""


# --------------------------------------------------------------------------- metadata helpers
def _date_fr(value: Any) -> str:
    """``2026-11-28`` / date / datetime -> ``28 novembre 2026``; other strings unchanged."""
    if value is None or value == "":
        value = _dt.date.today()
    if isinstance(value, str):
        try:
            value = _dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, _dt.datetime):
        value = value.date()
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {_MONTHS_FR[value.month - 1]} {value.year}"


def _study_name(value: Any) -> str:
    """A study slug (``sante_jeunes``) becomes its French name; free text is kept."""
    text = text_fr(value).strip()
    key = text.lower().replace("-", "_")
    if key in _STUDY_NAMES:
        return _STUDY_NAMES[key]
    if text and " " not in text and ("_" in text or "-" in text):
        text = text.replace("_", " ").replace("-", " ")
        return text[:1].upper() + text[1:]
    return text


def _pairs(value: Any, *, what: str) -> list[tuple[str, str]]:
    """Normalise a mapping or a list of mappings/pairs into ``[(name, text), ...]``."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [(str(k), text_fr(v)) for k, v in value.items()]
    out: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, Mapping):
            name = item.get("path") or item.get("name") or item.get("file")
            digest = item.get("sha256") or item.get("hash") or item.get("value")
            if name is None:
                raise RenderError(
                    f"metadata[{what!r}] entries must name a file: got keys {sorted(item)}; "
                    "use {'path': ..., 'sha256': ...}."
                )
            out.append((str(name), text_fr(digest)))
        else:
            name, val = item
            out.append((str(name), text_fr(val)))
    return out


def software_versions(extra: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """Versions of Python and the packages that produced the report (for the methods annex)."""
    out = [("Python", platform.python_version())]
    for name in _SOFTWARE:
        try:
            out.append((name, _md.version(name)))
        except _md.PackageNotFoundError:
            continue
    if extra:
        known = {n for n, _ in out}
        out = [(n, str(extra.get(n, v))) for n, v in out]
        out += [(str(n), str(v)) for n, v in extra.items() if n not in known]
    return out


def _portal_links(md: Mapping[str, Any], title: str) -> list[tuple[str, str]]:
    """"Retour au portail" links, for a report published by the pipeline (it knows its study
    slug and parameters); none for a report rendered on its own."""
    slug = md.get("slug")
    if not slug:
        return []
    from arefie_studies.pipeline.portal import portal_links

    params = md.get("parameters")
    return portal_links(str(slug), params if isinstance(params, Mapping) else {}, title)


def _disclosure_default(md: Mapping[str, Any]) -> str:
    threshold = md.get("disclosure_threshold")
    if threshold in (None, ""):
        return ""
    return (
        f"Aucune case d’un tableau publié ne repose sur moins de {int(threshold)} répondants : "
        "ces cases sont masquées (« s »), ainsi que les cases complémentaires qui permettraient "
        "de les retrouver par différence avec les totaux (secret statistique). Aucune donnée "
        "individuelle ni aucun identifiant ne figure dans ce rapport."
    )


def _resources(
    title: str, subtitle: str, variant: str, metadata: Mapping[str, Any] | None
) -> dict[str, Any]:
    md = dict(metadata or {})
    software = md.get("software")
    if isinstance(software, Mapping) or software is None:
        software_list = software_versions(software)
    else:
        software_list = _pairs(software, what="software")
    now = _dt.datetime.now()
    code_version = text_fr(md.get("code_version", "inconnue"))
    return {
        "title": title,
        "subtitle": subtitle,
        "variant": variant,
        "producer": md.get("producer", PRODUCER),
        "study": _study_name(md.get("study", "")),
        "wave": text_fr(md.get("wave", "")),
        "partners": text_fr(md.get("partners", "")),
        "date_fr": _date_fr(md.get("date")),
        "generated_fr": f"{_date_fr(now.date())} à {now:%H:%M}",
        "code_version": code_version,
        "dirty": "-dirty" in code_version,
        "dirty_notice": DIRTY_NOTICE,
        "synthetic": bool(md.get("synthetic", False)),
        "portal_links": _portal_links(md, title),
        "synthetic_notice": SYNTHETIC_NOTICE,
        "parameters": parameter_rows(md.get("parameters")),
        "inputs": _pairs(md.get("inputs") or md.get("input_hashes"), what="inputs"),
        "software": software_list,
        "sample": md.get("sample", ""),
        "weighting": md.get("weighting", ""),
        "variance": md.get("variance", ""),
        "disclosure": md.get("disclosure", "") or _disclosure_default(md),
        "notes": md.get("notes", ""),
    }


# --------------------------------------------------------------------------- output normalising
def _png_width_mm(data: bytes) -> float | None:
    """Physical width of a PNG from its IHDR and pHYs chunks (matplotlib writes the dpi)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width_px = struct.unpack(">I", data[16:20])[0]
    pos = 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if ctype == b"pHYs":
            ppu_x, _ppu_y, unit = struct.unpack(">IIB", data[pos + 8 : pos + 17])
            if unit == 1 and ppu_x > 0:  # pixels per metre
                return width_px / ppu_x * 1000.0
            return None
        if ctype == b"IDAT":
            return None
        pos += 12 + length
    return None


def _caption(output: Mapping[str, Any], cell: Mapping[str, Any]) -> str:
    for meta in (output.get("metadata", {}), cell.get("metadata", {})):
        info = meta.get("arefie", {}) if isinstance(meta, Mapping) else {}
        if isinstance(info, Mapping) and info.get("caption"):
            return str(info["caption"])
    return ""


def _figure_html(output: Mapping[str, Any], cell: Mapping[str, Any]) -> str | None:
    data = output.get("data", {})
    caption = _caption(output, cell)
    alt = _html.escape(caption or "Figure", quote=True)
    if "image/svg+xml" in data:
        svg = data["image/svg+xml"]
        svg = svg if isinstance(svg, str) else "".join(svg)
        src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        style = "width:100%"
    elif "image/png" in data:
        b64 = "".join(data["image/png"].split())
        width = _png_width_mm(base64.b64decode(b64[:4096] + "=" * (-len(b64[:4096]) % 4)))
        src = "data:image/png;base64," + b64
        style = f"width:{min(width, 174.0):.1f}mm" if width else "width:100%"
    elif "image/jpeg" in data:
        src = "data:image/jpeg;base64," + "".join(data["image/jpeg"].split())
        style = "width:100%"
    else:
        return None
    cap_cls = ' class="with-text"' if caption else ""
    return (
        f'<figure class="report-figure"><figcaption{cap_cls}>{_html.escape(caption)}</figcaption>'
        f'<img src="{src}" alt="{alt}" style="{style}"></figure>'
    )


def _is_repr_only(output: Mapping[str, Any]) -> bool:
    """A bare ``text/plain`` result (``<Axes: ...>``, ``len(df)``...): console output, not
    report content. Text meant for the reader is Markdown (``display(Markdown(...))``) or
    an explicit ``print``."""
    data = output.get("data", {})
    return not (set(data) - {"text/plain"})


def _arefie_info(output: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``arefie`` metadata of a notebook output (empty when absent or malformed)."""
    info = output.get("metadata", {}).get("arefie", {})
    return info if isinstance(info, Mapping) else {}


def _code_outputs(nb: nbformat.NotebookNode):
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield from cell.get("outputs", [])


def _annex_of(output: Mapping[str, Any]) -> str | None:
    section = _arefie_info(output).get("annex")
    return str(section) if section else None


def collect_key_figures(nb: nbformat.NotebookNode) -> list[dict[str, str]]:
    """The key figures the notebook showed (:class:`studies.contract.KeyFigures`), in order:
    ``{"label", "value", "detail"}`` as printed in the report (hidden values stay hidden)."""
    return [{key: str(k.get(key, "")) for key in ("label", "value", "detail")}
            for output in _code_outputs(nb)
            for k in _arefie_info(output).get("key_figures") or [] if isinstance(k, Mapping)]


def collect_annex(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Markdown the notebook sent to the methods annex (``charts.show_annex``), by section."""
    out: dict[str, list[str]] = {}
    for output in _code_outputs(nb):
        section = _annex_of(output)
        if section:
            text = output.get("data", {}).get("text/markdown", "")
            out.setdefault(section, []).append(text if isinstance(text, str) else "".join(text))
    return {k: "\n\n".join(v) for k, v in out.items()}


DOWNLOAD_PREFIX = "tableau-"


def _download_links(name: str) -> str:
    """The links under a table to its download files (written by the notebook's report)."""
    base = _html.escape(f"{DOWNLOAD_PREFIX}{name}")
    return (f'<p class="downloads">Télécharger ce tableau\u202f: <a href="{base}.xlsx">XLSX</a> · '
            f'<a href="{base}.csv">CSV</a></p>')


def prepare_notebook(
    nb: nbformat.NotebookNode, *, source: str = "notebook", downloads: frozenset[str] = frozenset()
) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` whose outputs are fit for a partner (see module docstring).
    A table whose name is in ``downloads`` gets the links to its XLSX/CSV files.

    Raises :class:`RenderError` naming the cell when an output holds an error.
    """
    nb = copy.deepcopy(nb)
    cells = []
    for index, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove-cell" in tags or "remove_cell" in tags:
            continue
        if cell.cell_type == "raw":
            continue
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        cell.source = ""  # code never reaches the report, not even in the HTML source
        if "remove-output" in tags or "remove_output" in tags:
            cell.outputs = []
        outputs = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                raise RenderError(
                    f"{source}: cell {index} holds an error output "
                    f"({output.get('ename', '?')}: {output.get('evalue', '')}); "
                    "a report cannot be published from a failed notebook. "
                    "Fix the notebook and execute it again."
                )
            if kind == "stream":
                if output.get("name") == "stdout" and output.get("text", "").strip():
                    outputs.append(output)
                continue  # stderr: warnings and logs never reach a partner
            if kind in ("display_data", "execute_result"):
                if _annex_of(output):
                    continue  # shown in the methods annex, not in the body
                fig = _figure_html(output, cell)
                if fig is not None:
                    output["data"] = {"text/html": fig}
                    outputs.append(output)
                elif not _is_repr_only(output):
                    kept = {
                        k: v
                        for k, v in output["data"].items()
                        if k in ("text/html", "text/markdown", "text/plain")
                    }
                    if kept:  # scripts, widgets and unknown types never reach a partner
                        name = _arefie_info(output).get("name", "")
                        if name in downloads and "text/html" in kept:
                            html = kept["text/html"]
                            kept["text/html"] = ("".join(html) if isinstance(html, list) else html) \
                                + _download_links(name)
                        output["data"] = kept
                        outputs.append(output)
        cell.outputs = outputs
        if outputs:
            cells.append(cell)
    nb.cells = cells
    return nb


# --------------------------------------------------------------------------- document assembly
def _toc(html: str) -> str:
    body_start = html.find('<main class="report-body">')
    items = []
    for m in _HEADING_RE.finditer(html, max(body_start, 0)):
        level, attrs, inner = m.group(1), m.group(2), m.group(3)
        anchor = _ID_RE.search(attrs)
        if anchor is None:
            continue
        anchor = anchor.group(1)
        label = _TAG_RE.sub("", inner).strip()
        if not label:
            continue
        items.append(f'<li class="toc-{level}"><a href="#{anchor}">{label}</a></li>')
    return "<ol>" + "".join(items) + "</ol>"


_EXPORTERS = threading.local()  # one per thread: the template is loaded once per worker


def _exporter():
    """The ``arefie`` HTML exporter, built once per thread (its Jinja environment and template
    are then reused: ~40 ms per report saved)."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = _EXPORTERS.html = HTMLExporter(
            template_name=TEMPLATE_NAME,
            extra_template_basedirs=[str(TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            anchor_link_text="",
            embed_images=True,
        )
    return exporter


def render_html(
    notebook: Path | nbformat.NotebookNode,
    *,
    title: str,
    subtitle: str = "",
    variant: str = "",
    metadata: Mapping[str, Any] | None = None,
    downloads: frozenset[str] = frozenset(),
) -> str:
    """The report as one self-contained HTML string (images embedded, no script, no code);
    tables named in ``downloads`` link to their XLSX/CSV files beside the report."""
    if isinstance(notebook, (str, Path)):
        path = Path(notebook)
        if not path.is_file():
            raise RenderError(f"notebook: file not found: {path}")
        nb = nbformat.read(path, as_version=4)
        source = str(path)
    else:
        nb, source = notebook, "notebook"
    if not title or not str(title).strip():
        raise RenderError("title: a report needs a non-empty title (shown on the title page).")
    annex = collect_annex(nb)
    nb = prepare_notebook(nb, source=source, downloads=downloads)
    exporter = _exporter()
    res = _resources(str(title), subtitle, variant, metadata)
    _merge_annex(res, annex, metadata or {})
    resources = {"arefie": res}
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    html = html.replace("<!--ARefIE-TOC-->", _toc(html), 1)
    html = keep_figure_notes(html)
    if res["synthetic"]:
        html = mark_synthetic_sources(html)
    return typeset(html)


def keep_figure_notes(html: str) -> str:
    """Wrap each figure, with the note printed right under it if any (a Markdown output
    starting with « Champ : », « Lecture : », « Note : » or « Source : »), in
    ``<div class="figure-block" id="figure-bloc-<k>">``, which the stylesheet keeps on one page: a
    note never lands on the page after its figure; the id lets :mod:`.figure_fit` find it.
    Such a note right after a table gets the class ``table-note``: no page break before it; a
    table kept whole (``fits-page``) gets the id ``tableau-bloc-<k>``."""
    count = iter(range(1, 1_000_000))

    def wrap(m: re.Match) -> str:
        return (f'<div class="figure-block" id="figure-bloc-{next(count)}">{m.group(1)}'
                f'{m.group(2) or ""}</div>')

    html = _FIGURE_NOTES_RE.sub(wrap, html)
    tables = iter(range(1, 1_000_000))
    html = _KEPT_TABLE_RE.sub(lambda m: f'{m.group(0)} id="tableau-bloc-{next(tables)}"', html)
    # a note printed after a table (not in its own notes): no page break between them
    return _TABLE_NOTE_RE.sub(r'\1<div class="output md table-note">', html)


def typeset(html: str) -> str:
    """French spacing in every text node of the page (see :func:`french.typographie_html`)."""
    return french.typographie_html(html)


def _merge_annex(res: dict[str, Any], annex: Mapping[str, str], md: Mapping[str, Any]) -> None:
    """Put the notebook's annex texts after the config's, without repeating a paragraph.

    The secrecy paragraph used to appear twice: the pipeline's default text (built from the
    config's ``disclosure_threshold``) AND the study's own ``disclosure`` text, which says the
    same thing with the study's wording. The study's text now replaces the default; any
    paragraph given twice (config and notebook, or a notebook showing its annex twice) is
    kept once.
    """
    if annex.get("disclosure") and not md.get("disclosure"):
        res["disclosure"] = ""  # the study's wording replaces the generic default
    for section, text in annex.items():
        key = section if section in _ANNEX_SECTIONS else "notes"
        res[key] = f"{res[key]}\n\n{text}".strip() if res.get(key) else text
    for key in _ANNEX_SECTIONS:
        if res.get(key):
            res[key] = _dedupe_paragraphs(str(res[key]))


def _dedupe_paragraphs(text: str) -> str:
    seen: set[str] = set()
    out = []
    for para in re.split(r"\n\s*\n", text):
        norm = " ".join(para.split())
        if norm and norm in seen:
            continue
        seen.add(norm)
        out.append(para)
    return "\n\n".join(out)


def render_report(
    notebook: Path,
    out_dir: Path,
    *,
    title: str,
    subtitle: str = "",
    variant: str = "",
    metadata: dict | None = None,
) -> dict[str, Path]:
    """Write ``report.html`` (self-contained) and ``report.pdf`` (A4) for an executed notebook.

    Executes nothing. ``metadata`` may hold: ``study``, ``wave``, ``date``, ``partners``,
    ``parameters`` (mapping), ``inputs`` (mapping path -> sha256, or list of
    ``{"path", "sha256"}``), ``code_version``, ``software`` (mapping name -> version, merged
    with the detected versions), and Markdown texts ``sample``, ``weighting``, ``variance``,
    ``disclosure``, ``notes`` for the methods annex.

    Returns ``{"html": out_dir / "report.html", "pdf": out_dir / "report.pdf"}`` plus the
    tables' download files the notebook wrote into ``out_dir`` (``"xlsx:<name>"``,
    ``"csv:<name>"``), which the report links to.
    """
    import logging


    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {p.stem[len(DOWNLOAD_PREFIX):]: p for p in sorted(out_dir.glob(f"{DOWNLOAD_PREFIX}*.xlsx"))
              if p.with_suffix(".csv").is_file()}
    html = render_html(
        Path(notebook), title=title, subtitle=subtitle, variant=variant, metadata=metadata,
        downloads=frozenset(tables),
    )
    html_path = out_dir / "report.html"
    pdf_path = out_dir / "report.pdf"
    # WeasyPrint reports unsupported CSS through logging; keep it out of the run's stderr.
    wlog = logging.getLogger("weasyprint")
    previous = wlog.level
    wlog.setLevel(logging.ERROR)
    try:
        html = _write_fitted_pdf(html, str(out_dir), pdf_path)
    finally:
        wlog.setLevel(previous)
    html_path.write_text(html, encoding="utf-8")
    files = {"html": html_path, "pdf": pdf_path}
    for name, xlsx in tables.items():
        files[f"xlsx:{name}"], files[f"csv:{name}"] = xlsx, xlsx.with_suffix(".csv")
    return files


#: Layouts tried at most to fit back figures a page break pushed away (:mod:`.figure_fit`).
FIT_PASSES = 3


def _write_fitted_pdf(html: str, base_url: str, pdf_path: Path) -> str:
    """Write the PDF of ``html``; while a page is left under half full by a figure pushed to the
    next page (or a fragment is left alone on a page after a figure), shrink that figure
    (:func:`.figure_fit.shrink_pushed_figures`) and lay out again (at most :data:`FIT_PASSES`
    times). Returns the HTML the PDF was written from."""
    import weasyprint

    from arefie_studies.pipeline.figure_fit import shrink_pushed_figures
    from arefie_studies.pipeline.layout_check import check_pdf

    for attempt in range(FIT_PASSES + 1):
        document = weasyprint.HTML(string=html, base_url=base_url).render()
        write_tagged_pdf(document, pdf_path)
        if attempt == FIT_PASSES:
            break
        gaps = [d for d in check_pdf(pdf_path) if d.rule in ("half-empty", "stub")]
        fitted = shrink_pushed_figures(html, gaps, document.pages) if gaps else html
        if fitted == html:
            break
        html = fitted
    return html


def write_tagged_pdf(document: Any, pdf_path: Path) -> str:
    """Write an accessible PDF: PDF/UA-1 (tagged structure, language and title taken from
    ``<html lang="fr">`` and ``<title>``); WeasyPrint versions without that variant fall back to
    ``pdf_tags=True``. Returns the variant used (``"pdf/ua-1"`` or ``"tags"``)."""
    try:
        document.write_pdf(pdf_path, pdf_variant="pdf/ua-1")
        return "pdf/ua-1"
    except (TypeError, ValueError, KeyError):
        document.write_pdf(pdf_path, pdf_tags=True)
        return "tags"
