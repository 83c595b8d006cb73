"""The partners' portal: ``reports/index.html`` (search and filters) and one page per territory.

Everything is static HTML with a small inline script (no server, no external file): the index
lists every published report with its study, territory, edition (the config's ``wave``), the
size of its HTML and PDF files and, second, the date it was produced; a search box and four
labelled filters (study, territory type, territory, edition) hide the rows that do not match and
announce the count in a live region. Without JavaScript every row stays visible.

``reports/territoires/<id>.html`` exists for the region, each département and each Mission Locale
of ``data/reference/missions_locales.csv``: the territory's reports (and, for a Mission Locale or
a département, those of the territories that contain it) and its reference indicators
(``missions_locales.csv``, ``profil_ml_2024.csv``), numbers formatted the French way.

Reports produced from synthetic data are flagged on their row and on the territory pages, and the
page carries a banner while any synthetic report is listed.  Internal folders (``_logs``,
``_failed``, ``.tmp-*``) are never listed: only what :func:`publish.collect_published` returns is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from arefie_studies import french
from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.pipeline.territories import REGION, Territory, load_territories, territory_id

__all__ = [
    "PORTAL_DIR",
    "REGION",
    "Territory",
    "build_portal",
    "load_territories",
    "portal_links",
    "territory_id",
]

PORTAL_DIR = "territoires"  # territory pages: reports/territoires/<id>.html
_STUDY_NAMES = {
    "sante_jeunes": "Étude santé jeunes",
    "cej": "Contrat d’engagement jeune",
    "parcours_residentiel": "Parcours résidentiel des jeunes",
    "barometre": "Baromètre des Missions Locales",
}
_KIND_LABELS = {"region": "Région", "departement": "Département", "ml": "Mission Locale"}


def _escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------- links
def portal_links(slug: str, parameters: Mapping[str, Any] | None,
                 study: str = "") -> list[tuple[str, str]]:
    """Links from a report (``reports/<slug>/<variant>/report.html``) back to the portal:
    its territory page and the list of the study's reports (``study``: its title)."""
    tid = territory_id(parameters)
    study = study or _STUDY_NAMES.get(slug, slug)
    return [
        ("../../index.html", "Retour au portail des rapports"),
        (f"../../{PORTAL_DIR}/{tid}.html", "Tous les rapports de ce territoire"),
        (f"../../index.html?etude={slug}", f"Tous les rapports : {study}".replace(" :", "\u202f:")),
    ]


# --------------------------------------------------------------------------- report entries
@dataclass
class _Entry:
    slug: str
    variant: str
    meta: dict[str, Any]
    territory: str
    files: dict[str, tuple[str, int | None]]  # kind -> (href from reports/, size)

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic"))

    @property
    def dirty(self) -> bool:
        return "-dirty" in str(self.meta.get("code_version", ""))

    @property
    def study(self) -> str:
        return str(self.meta.get("title") or _STUDY_NAMES.get(self.slug, self.slug))

    @property
    def label(self) -> str:
        meta, name = self.meta, self.variant
        label = meta.get("label") or ("Rapport régional" if name == "regional" else name)
        sub = meta.get("subtitle") or ""
        return sub if label in sub else (f"{label} — {sub}" if sub else label)

    @property
    def edition(self) -> str:
        """The survey wave (config ``wave``); else the data extraction date, in French."""
        params = self.meta.get("parameters") or {}
        wave = self.meta.get("wave")
        if wave in (None, ""):
            wave = params.get("wave", "")
        if wave in (None, "") and params.get("extraction_date"):
            try:
                d = datetime.fromisoformat(str(params["extraction_date"])).date()
            except ValueError:
                return f"données au {params['extraction_date']}"
            return f"données au {'1er' if d.day == 1 else d.day} {french.mois(d.month)} {d.year}"
        return str(wave or "")


def _size(nbytes: int | None) -> str:
    """``1 234 567`` → ``1,2 Mo``; ``850 000`` → ``830 ko`` (1 ko = 1 024 octets)."""
    fmt_num = french.fmt_num
    if nbytes is None:
        return "taille inconnue"
    if nbytes < 1024 * 1024:
        return f"{fmt_num(max(nbytes / 1024, 1), 0)}{french.NNBSP}ko"
    return f"{fmt_num(nbytes / 1024 / 1024, 1)}{french.NNBSP}Mo"


def _fr_datetime(iso: Any) -> str:
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(str(iso)).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return str(iso)


def _variant_order(name: str) -> tuple[int, str]:
    return (0 if name == "regional" else 1, name)


def _entries(layout: ReportsLayout, published: Mapping[str, Mapping[str, dict]]) -> list[_Entry]:
    out = []
    for slug in published:
        for name in sorted(published[slug], key=_variant_order):
            meta = dict(published[slug][name])
            files = {}
            for kind in ("html", "pdf"):
                fname = (meta.get("files") or {}).get(kind)
                if not fname:
                    continue
                path = layout.variant_dir(slug, name) / fname
                size = path.stat().st_size if path.is_file() else None
                files[kind] = (f"{slug}/{name}/{fname}", size)
            out.append(_Entry(slug, name, meta, territory_id(meta.get("parameters")), files))
    return out


# --------------------------------------------------------------------------- HTML
_ASSETS = Path(__file__).parent / "templates" / "portal"
_CSS = (_ASSETS / "portal.css").read_text(encoding="utf-8")


_JS = (_ASSETS / "portal.js").read_text(encoding="utf-8")



def _page(title: str, body: list[str], *, css: str = _CSS, script: str = "") -> str:
    return french.typographie_html("\n".join([
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_escape(title)}</title>",
        f"<style>{css}</style>\n</head>\n<body>",
        *body,
        f"<script>{script}</script>" if script else "",
        "</body>\n</html>\n",
    ]))


def _banner(entries: list[_Entry]) -> str:
    n = sum(e.synthetic for e in entries)
    if not n:
        return ""
    return ('<div class="banner" role="note">Données de synthèse — '
            f"{french.accord(n, 'rapport', feminin=False)} de cette page "
            f"{'repose' if n == 1 else 'reposent'} sur des chiffres fictifs, à ne pas citer."
            "</div>")


def _tags(e: _Entry) -> str:
    out = ""
    if e.synthetic:
        out += '<span class="tag">Données de synthèse</span>'
    if e.dirty:
        out += '<span class="tag">Version de travail du code</span>'
    return out


def _file_cells(e: _Entry, prefix: str) -> str:
    cells = []
    for kind, text in (("html", "HTML"), ("pdf", "PDF")):
        if kind in e.files:
            href, size = e.files[kind]
            what = f"{text}, {e.study}, {e.label}"
            cells.append(f'<td class="num"><a href="{_escape(prefix + href)}" '
                         f'aria-label="{_escape(what)} ({_escape(_size(size))})">{text}</a> '
                         f'<span class="secondary">({_escape(_size(size))})</span></td>')
        else:
            cells.append("<td>—</td>")
    return "".join(cells)


def _territory_data(tid: str, territories: Mapping[str, Territory]) -> str:
    """Space-separated ids: the territory and those containing it (a filter on a département
    also finds its Mission Locales' reports)."""
    ids = [tid]
    t = territories.get(tid)
    while t is not None and t.parent:
        ids.append(t.parent)
        t = territories.get(t.parent)
    return " ".join(ids)


def _territory_name(tid: str, territories: Mapping[str, Territory]) -> str:
    t = territories.get(tid)
    if t is not None:
        return t.name
    return tid.split("-", 1)[-1]


def _kind(tid: str) -> str:
    return "ml" if tid.startswith("ml-") else "departement" if tid.startswith("dep-") else "region"


def _row(e: _Entry, territories: Mapping[str, Territory], prefix: str) -> str:
    kind = _kind(e.territory)
    tname = _territory_name(e.territory, territories)
    page = f"{prefix}{PORTAL_DIR}/{e.territory}.html"
    territory = (f'<a href="{_escape(page)}">{_escape(tname)}</a>'
                 if e.territory in territories else _escape(tname))
    return (f'<tr data-etude="{_escape(e.slug)}" data-type="{kind}" '
            f'data-territoire="{_escape(_territory_data(e.territory, territories))}" '
            f'data-edition="{_escape(e.edition)}">'
            f"<td>{_escape(e.study)}</td><td>{_escape(e.label)}{_tags(e)}</td>"
            f"<td>{territory}</td><td>{_escape(e.edition) or '—'}</td>{_file_cells(e, prefix)}"
            f'<td class="secondary">{_fr_datetime(e.meta.get("date"))}</td></tr>')


_HEAD = ("<thead><tr><th scope=\"col\">Étude</th><th scope=\"col\">Rapport</th>"
         "<th scope=\"col\">Territoire</th><th scope=\"col\">Édition</th><th scope=\"col\">HTML</th>"
         "<th scope=\"col\">PDF</th><th scope=\"col\">Produit le</th></tr></thead>")


def _select(name: str, label: str, options: list[tuple[str, str]], all_label: str) -> str:
    opts = "".join(f'<option value="{_escape(v)}">{_escape(t)}</option>' for v, t in options)
    return (f'<div><label for="f-{name}">{_escape(label)}</label>'
            f'<select id="f-{name}" name="{name}"><option value="">{_escape(all_label)}</option>'
            f"{opts}</select></div>")


def _index_html(entries: list[_Entry], territories: Mapping[str, Territory]) -> str:
    now = datetime.now().strftime("%d/%m/%Y à %H:%M")
    body = ["<header>", _banner(entries), "<h1>Rapports des études de l’observatoire AREFIE</h1>",
            f'<p class="secondary">Portail mis à jour le {now}.</p></header>', "<main>"]
    if not entries:
        body += ["<p>Aucun rapport publié pour le moment.</p>", "</main>"]
        return _page("Rapports des études AREFIE", body)
    studies = sorted({(e.slug, e.study) for e in entries}, key=lambda x: x[1])
    used = {tid for e in entries for tid in _territory_data(e.territory, territories).split()}
    terr_opts = [(tid, t.name if t.kind != "ml" else f"{t.name} ({territories[t.parent].name})"
                  if t.parent in territories else t.name)
                 for tid, t in territories.items() if tid in used]
    terr_opts += [(tid, _territory_name(tid, territories)) for tid in sorted(used - set(territories))]
    editions = sorted({e.edition for e in entries if e.edition}, reverse=True)
    kinds = [(k, _KIND_LABELS[k]) for k in ("region", "departement", "ml")
             if any(_kind(e.territory) == k for e in entries)]
    body += [
        '<section aria-labelledby="titre-recherche"><h2 id="titre-recherche">Rechercher un rapport</h2>',
        '<form id="filtres" class="filters" role="search" aria-label="Filtrer les rapports">',
        '<div><label for="f-q">Recherche (titre, territoire…)</label>'
        '<input id="f-q" name="q" type="search" autocomplete="off"></div>',
        _select("etude", "Étude", studies, "Toutes les études"),
        _select("type", "Type de territoire", kinds, "Tous les types"),
        _select("territoire", "Territoire", terr_opts, "Tous les territoires"),
        _select("edition", "Édition", [(w, w) for w in editions], "Toutes les éditions"),
        '<div><button type="reset">Effacer les filtres</button></div>',
        "</form>",
        f'<p id="compte" role="status" aria-live="polite">{len(entries)} rapports.</p></section>',
        '<section aria-labelledby="titre-rapports"><h2 id="titre-rapports">Rapports</h2>',
        f'<table id="rapports"><caption class="secondary">Chaque rapport en HTML (lecture à '
        f"l’écran) et en PDF (impression). L’édition est la vague d’enquête ou l’année des "
        f"données ; la date de production est secondaire.</caption>{_HEAD}<tbody>",
        *[_row(e, territories, "") for e in entries],
        "</tbody></table></section>",
        _territory_list(territories, ""),
        "</main>",
    ]
    return _page("Rapports des études AREFIE", body, script=_JS)


def _territory_list(territories: Mapping[str, Territory], prefix: str) -> str:
    parts = ['<section aria-labelledby="titre-territoires"><h2 id="titre-territoires">'
             "Pages des territoires</h2>",
             f'<p><a href="{prefix}{PORTAL_DIR}/region.html">{_escape(REGION)} (région)</a></p>']
    for dep in (t for t in territories.values() if t.kind == "departement"):
        mls = [t for t in territories.values() if t.parent == dep.id]
        parts.append(f'<h3><a href="{prefix}{PORTAL_DIR}/{dep.id}.html">{_escape(dep.name)}</a>'
                     "</h3>")
        if mls:
            parts.append('<ul class="territories">' + "".join(
                f'<li><a href="{prefix}{PORTAL_DIR}/{t.id}.html">{_escape(t.name)}</a></li>'
                for t in mls) + "</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _key_figures(e: _Entry, prefix: str) -> str:
    """A report's key figures as its box prints them (``meta.json`` ``key_figures``: the strings
    of the report, never recomputed), under the study's name with a link to the report."""
    html = e.files.get("html")
    head = _escape(e.study) + (f" ({_escape(e.edition)})" if e.edition else "")
    link = f'<a href="{prefix}{html[0]}">{head}</a>' if html else head
    items = "".join(
        f"<dt>{_escape(k.get('label', ''))}</dt><dd><strong>{_escape(k.get('value', ''))}</strong>"
        + (f' <span class="secondary">{_escape(k["detail"])}</span>' if k.get("detail") else "")
        + "</dd>" for k in e.meta["key_figures"])
    return f'<h3>{link} {_tags(e)}</h3><dl class="indicators">{items}</dl>'


def _territory_html(t: Territory, entries: list[_Entry], territories: Mapping[str, Territory]
                    ) -> str:
    prefix = "../"
    own = [e for e in entries if e.territory == t.id]
    chain = _territory_data(t.id, territories).split()[1:]
    wider = [e for e in entries if e.territory in chain]
    children = [c for c in territories.values() if c.parent == t.id]
    crumbs = ['<li><a href="../index.html">Portail des rapports</a></li>']
    for pid in reversed(chain):
        crumbs.append(f'<li><a href="{pid}.html">{_escape(territories[pid].name)}</a></li>')
    crumbs.append(f'<li aria-current="page">{_escape(t.name)}</li>')
    kind = _KIND_LABELS[t.kind]
    heading = t.name if t.kind != "region" else f"{t.name} (région)"
    body = ["<header>", _banner(own + wider),
            f'<nav class="breadcrumb" aria-label="Fil d’Ariane"><ol>{"".join(crumbs)}</ol></nav>',
            "</header>",
            f'<main><h1>{_escape(heading)}</h1><p class="secondary">{kind}</p>']
    if t.indicators:
        body.append('<section aria-labelledby="titre-indicateurs"><h2 id="titre-indicateurs">'
                    "Indicateurs de référence</h2><dl class=\"indicators\">"
                    + "".join(f"<dt>{_escape(k)}</dt><dd>{_escape(v)}</dd>" for k, v in t.indicators)
                    + "</dl><p class=\"secondary\">Source" + french.NNBSP + ": AREFIE, fichiers de "
                    "référence des Missions Locales 2024 (jeunes accompagnés et leur profil).</p>"
                    "</section>")
    figures = [e for e in own if e.meta.get("key_figures")]
    if figures:
        body.append('<section aria-labelledby="titre-chiffres"><h2 id="titre-chiffres">'
                    "Chiffres clés des études</h2>" + "".join(_key_figures(e, prefix) for e in figures)
                    + "</section>")
    title = f"Rapports {french.de(t.name)}" if t.kind != "ml" else "Rapports de cette Mission Locale"
    body.append(f'<section aria-labelledby="titre-propres"><h2 id="titre-propres">{_escape(title)}</h2>')
    if own:
        body.append(f"<table>{_HEAD}<tbody>" + "".join(_row(e, territories, prefix) for e in own)
                    + "</tbody></table>")
    else:
        body.append("<p>Aucun rapport publié pour ce territoire.</p>")
    body.append("</section>")
    if wider:
        body.append('<section aria-labelledby="titre-larges"><h2 id="titre-larges">'
                    "Rapports des territoires qui l’englobent</h2>"
                    f"<table>{_HEAD}<tbody>" + "".join(_row(e, territories, prefix) for e in wider)
                    + "</tbody></table></section>")
    if children:
        body.append('<section aria-labelledby="titre-sous"><h2 id="titre-sous">'
                    f"{'Départements' if t.kind == 'region' else 'Missions Locales'}</h2>"
                    '<ul class="territories">' + "".join(
                        f'<li><a href="{c.id}.html">{_escape(c.name)}</a></li>' for c in children)
                    + "</ul></section>")
    body.append("</main>")
    return _page(f"{t.name} — rapports AREFIE", body)


def _write(path: Path, text: str) -> None:
    """Atomic write; a full or read-only disk raises the pipeline's clean ``PublishError``."""
    from arefie_studies.pipeline.publish import write_atomic

    write_atomic(path, text)


_PAGE_RE = re.compile(r"^(region|dep-[0-9A-Za-z]+|ml-[0-9A-Za-z]+)\.html$")


def build_portal(layout: ReportsLayout, published: Mapping[str, Mapping[str, dict]],
                 root: Path | None = None) -> Path:
    """Write ``reports/index.html`` and ``reports/territoires/*.html`` for ``published``
    (``{slug: {variant: meta}}``); ``root`` is the project root holding ``data/reference``
    (default: the parent of the reports folder). Returns the index path."""
    root = Path(root) if root is not None else layout.reports.parent
    territories = load_territories(root)
    entries = _entries(layout, published)
    for e in entries:  # a territory without reference data still gets its page
        if e.territory not in territories:
            kind = _kind(e.territory)
            code = e.territory.split("-", 1)[-1]
            name = (e.meta.get("subtitle") or code).split(":")[-1].strip()
            territories[e.territory] = Territory(e.territory, kind, code, name,
                                                 parent="region" if kind != "region" else "")
    _write(layout.index, _index_html(entries, territories))
    pages = layout.reports / PORTAL_DIR
    written = set()
    for t in territories.values():
        _write(pages / f"{t.id}.html", _territory_html(t, entries, territories))
        written.add(f"{t.id}.html")
    for old in pages.glob("*.html"):  # pages of territories that no longer exist
        if old.name not in written and _PAGE_RE.match(old.name):
            old.unlink(missing_ok=True)
    return layout.index
