"""The study contract: one shape for every study (the four of today and any fifth).

::

    inputs + params ──► <slug>.compute(inputs, params) ──► Results   (pure, cached once)
    Results + params ──► <slug>.report(results, params) ──► Report   (blocks, no computation)
    notebook:  run = studies.run("<slug>", params);  run.report.show()

A study module ``arefie_studies.studies.<slug>`` provides:

- ``compute(inputs: StudyInputs, params: Mapping) -> Results``: every number the study publishes,
  for every territory its variants show (regional, départements, Missions Locales), computed once
  from the declared inputs and references (:class:`arefie_studies.project.StudyInputs`). No
  display and no file access beyond ``inputs``. ``params`` are the config's compute parameters
  plus ``disclosure_threshold``; the results already say which cells are hidden.
- ``report(results: Results, params: Mapping) -> Report``: the report of one variant (``params``
  holds the variant's ``ml`` / ``departement``...) as a list of blocks built only by reading
  ``results``: sentences, tables, charts, key figures and downloads all read the same object, so a
  figure is never computed twice nor typed by hand.

:func:`run` ties them together with the one results cache
(:class:`arefie_studies.project.ResultsCache`, keyed on every input and reference file, the
compute parameters and the library's source tree), so the 42 Mission Locale reports of an
edition read one computation and a change of any of these re-computes it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from arefie_studies.project import (
    DEFAULT_THRESHOLD,
    ResultsCache,
    StudyConfig,
    StudyInputs,
    compute_parameters,
    find_root,
    load_study_inputs,
    results_key,
    study_config,
)

__all__ = [
    "Annex",
    "Block",
    "Figure",
    "Heading",
    "KeyFigure",
    "KeyFigures",
    "Paragraph",
    "Report",
    "Results",
    "Study",
    "StudyRun",
    "Table",
    "run",
    "study_module",
]


# ----------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Results:
    """Base of every study's results: what was computed, from what, with which settings.

    A study subclasses it (a frozen dataclass) and adds its tables of estimates as tidy
    DataFrames. ``synthetic`` is True when any input is synthetic: every page the results feed
    says so. ``threshold`` is the disclosure threshold the hidden cells were decided with.
    """

    slug: str
    params: Mapping[str, Any]
    threshold: int
    synthetic: bool

    @classmethod
    def base_fields(cls, inputs: StudyInputs, params: Mapping[str, Any]) -> dict[str, Any]:
        """The base fields for a subclass constructor: ``Sub(**Results.base_fields(i, p), ...)``."""
        return {"slug": inputs.config.slug, "params": dict(params),
                "threshold": int(params.get("disclosure_threshold", inputs.config.disclosure_threshold)),
                "synthetic": inputs.synthetic}


# ------------------------------------------------------------------------------------ blocks
@dataclass(frozen=True)
class Heading:
    """A report heading (``level`` 1–3) with an ASCII ``anchor`` for the contents page."""

    text: str
    level: int = 1
    anchor: str = ""

    def show(self) -> None:
        from IPython.display import HTML, display

        from arefie_studies.tables import heading_html

        display(HTML(heading_html(self.text, self.level, self.anchor)))


@dataclass(frozen=True)
class Paragraph:
    """French Markdown read from the results (a finding, a "Lecture :" line, a list)."""

    markdown: str

    def show(self) -> None:
        from IPython.display import Markdown, display

        display(Markdown(self.markdown))


DOWNLOAD_PREFIX = "tableau-"


@dataclass(frozen=True)
class Table:
    """A table decided by :mod:`arefie_studies.tables` (suppression applied, hidden cells carry
    nothing). ``html`` is what the report shows; ``table`` the decided
    :class:`arefie_studies.tables.Table` it comes from (its XLSX/CSV writers make the downloads),
    or else ``frame``, the same values with hidden cells as their marker, and ``notes``;
    ``name`` names the download files (``tableau-<name>.xlsx`` / ``.csv``)."""

    html: str
    frame: Any = None
    name: str = ""
    table: Any = None
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, table: Any, name: str) -> Table:
        """A block from a :class:`arefie_studies.tables.Table`: HTML, downloads and notes from
        the same decided cells."""
        return cls(html=table.to_html(), frame=table.to_frame(), name=name, table=table,
                   notes=tuple(table.notes_text()))

    def write_downloads(self, folder: Path) -> list[Path]:
        """``tableau-<name>.xlsx`` and ``.csv`` in ``folder`` (hidden exactly as shown, notes
        under the values); nothing when the block has no name or no data."""
        if not self.name or (self.table is None and self.frame is None):
            return []
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        xlsx, csv = folder / f"{DOWNLOAD_PREFIX}{self.name}.xlsx", folder / f"{DOWNLOAD_PREFIX}{self.name}.csv"
        if self.table is not None:
            self.table.to_xlsx(xlsx)
            self.table.to_csv(csv)
        else:
            from arefie_studies.tables import frame_downloads

            frame_downloads(self.frame, xlsx, csv, notes=self.notes, title=self.name)
        return [xlsx, csv]

    def show(self, downloads: Path | None = None) -> None:
        """Display the table (its ``name`` travels in the output's metadata, for the download
        links) and, when ``downloads`` is a folder, write its download files there."""
        from IPython.display import display

        meta = {"arefie": {"kind": "table", "name": self.name}} if self.name else {}
        display({"text/html": self.html}, raw=True, metadata=meta)
        if downloads is not None:
            self.write_downloads(downloads)


@dataclass(frozen=True)
class Figure:
    """A chart drawn from the results by ``draw()`` (a matplotlib Figure), numbered by the report
    with its ``caption``; ``alt`` is the text alternative (never a hidden value)."""

    draw: Callable[[], Any]
    caption: str
    alt: str = ""

    def show(self) -> None:
        from arefie_studies.charts import show

        show(self.draw(), self.caption)


@dataclass(frozen=True)
class KeyFigure:
    """One key figure: ``value`` already formatted the French way (``49,3 %``), ``detail`` its
    interval or comparison, ``label`` what it measures."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class KeyFigures:
    """The box of key figures opening a report; :meth:`show` also gives its figures as output
    metadata, which ``meta.json`` keeps for the portal (:func:`pipeline.render.collect_key_figures`)."""

    items: tuple[KeyFigure, ...]
    title: str = "Chiffres clés"

    def show(self) -> None:
        from html import escape

        from IPython.display import HTML, display

        cells = "".join(
            f'<div class="key-figure"><div class="kf-value">{escape(k.value)}</div>'
            f'<div class="kf-label">{escape(k.label)}</div>'
            + (f'<div class="kf-detail">{escape(k.detail)}</div>' if k.detail else "") + "</div>"
            for k in self.items)
        # the same strings as metadata: the portal's territory pages quote them (never recomputed)
        figures = [{"label": k.label, "value": k.value, "detail": k.detail} for k in self.items]
        display(HTML(f'<section class="key-figures" aria-label="{escape(self.title)}">'
                     f'<h2 class="kf-title">{escape(self.title)}</h2>{cells}</section>'),
                metadata={"arefie": {"key_figures": figures}})


@dataclass(frozen=True)
class Annex:
    """A text of the methods annex (section: sample, weighting, variance, disclosure, notes)."""

    section: str
    markdown: str

    def show(self) -> None:
        from arefie_studies.charts import show_annex

        show_annex(self.section, self.markdown)

    @classmethod
    def sections(cls, texts: Mapping[str, str]) -> list[Annex]:
        """One block per non-empty text of ``texts`` (section -> markdown), in the annex's
        order (sample, weighting, variance, disclosure, notes): a study's methods, stated once."""
        from arefie_studies.charts import ANNEX_SECTIONS

        unknown = set(texts) - set(ANNEX_SECTIONS)
        if unknown:
            raise ValueError(f"Annex.sections: unknown section(s) {sorted(unknown)}; "
                             f"choose among {', '.join(ANNEX_SECTIONS)}.")
        return [cls(k, texts[k]) for k in ANNEX_SECTIONS if texts.get(k)]


Block = Heading | Paragraph | Table | Figure | KeyFigures | Annex


@dataclass
class Report:
    """A variant's report: blocks in reading order (annex blocks land in the methods annex).
    ``downloads``: the folder where :meth:`show` writes every table's XLSX/CSV files (the
    pipeline's output folder; None when a researcher shows the report in JupyterLab)."""

    blocks: list[Block] = field(default_factory=list)
    downloads: Path | None = None

    def add(self, *blocks: Block) -> Report:
        self.blocks.extend(blocks)
        return self

    def __iter__(self) -> Iterator[Block]:
        return iter(self.blocks)

    def __len__(self) -> int:
        return len(self.blocks)

    def chapter(self, anchor: str) -> Report:
        """The blocks of one chapter: from the level-1 heading whose anchor is ``anchor`` to the
        next level-1 heading (a notebook shows a report one chapter per cell). Annex blocks
        before the first heading belong to the chapter ``""`` (the preamble)."""
        chapters: dict[str, list[Block]] = {"": []}
        current = ""
        for b in self.blocks:
            if isinstance(b, Heading) and b.level == 1:
                current = b.anchor
                chapters.setdefault(current, [])
            chapters[current].append(b)
        if anchor not in chapters:
            known = ", ".join(repr(k) for k in chapters)
            raise KeyError(f"report: no chapter {anchor!r}; chapters: {known}.")
        return Report(chapters[anchor], self.downloads)

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def text(self) -> str:
        """Every heading, paragraph, caption and key figure as plain text (for checks)."""
        parts: list[str] = []
        for b in self.blocks:
            if isinstance(b, Heading):
                parts.append(b.text)
            elif isinstance(b, Paragraph | Annex):
                parts.append(b.markdown)
            elif isinstance(b, Figure):
                parts.append(b.caption)
            elif isinstance(b, KeyFigures):
                parts.extend(f"{k.label} {k.value} {k.detail}" for k in b.items)
        return "\n".join(parts)

    def show(self) -> None:
        """Display every block in the executing notebook (what the pipeline renders); tables
        also write their downloads when :attr:`downloads` is set."""
        for b in self.blocks:
            if isinstance(b, Table):
                b.show(self.downloads)
            else:
                b.show()


# ------------------------------------------------------------------------------------- study
class Study(Protocol):
    """What a study module provides (see the module docstring)."""

    def compute(self, inputs: StudyInputs, params: Mapping[str, Any]) -> Results: ...

    def report(self, results: Results, params: Mapping[str, Any]) -> Report: ...


@dataclass(frozen=True)
class StudyRun:
    """A study's results and the report of one variant."""

    config: StudyConfig
    params: Mapping[str, Any]
    results: Results
    report: Report


def study_module(slug: str, config: StudyConfig | None = None) -> ModuleType:
    """The study module named by the config (default ``arefie_studies.studies.<slug>``)."""
    return importlib.import_module(config.module if config is not None else f"arefie_studies.studies.{slug}")


def run(study: str, params: Mapping[str, Any] | None = None, *, root: str | Path | None = None,
        cache: bool = True, validate: bool = False, output_dir: str | Path | None = None) -> StudyRun:
    """Compute (or read from the cache) a study's results and build one variant's report.

    ``params``: the notebook's parameters (defaults: the config's ``parameters``;
    ``disclosure_threshold`` defaults to the config's). ``cache=False`` always recomputes (and
    stores nothing). ``validate=True`` checks every input against its codebook first.
    """
    root = Path(root) if root is not None else find_root()
    config = study_config(study, root)
    full = {**config.parameters, **dict(params or {})}
    full.setdefault("disclosure_threshold", config.disclosure_threshold or DEFAULT_THRESHOLD)
    module = study_module(study, config)
    cparams = compute_parameters(config, full)

    def compute() -> Results:
        return module.compute(load_study_inputs(config, root, validate=validate), cparams)

    if cache:
        results = ResultsCache.for_project(root).get_or_compute(
            config.slug, results_key(config, full, root), compute)
    else:
        results = compute()
    report = module.report(results, full)
    if output_dir is not None and str(output_dir) not in ("", "."):
        report.downloads = Path(output_dir)
    return StudyRun(config=config, params=full, results=results, report=report)
