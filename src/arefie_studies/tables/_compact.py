"""Printable HTML pieces shared by the study reports: value cells with the disclosure markers,
the table frame, compact one-row-per-indicator tables, plain text tables and headings.

Every value cell carries ``data-n`` (its unweighted count, when positive) and hidden cells
``class="suppressed" data-suppressed="1"`` with no count at all: the publish-time leak scan
(:mod:`arefie_studies.pipeline.leakscan`) reads those markers, and a hidden cell must not show
its small count even in the HTML source. Text for partners is French; study-specific wording
(notes, titles) is passed in by the studies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace
from html import escape

import numpy as np
import pandas as pd

from ._banner import TOTAL, BannerTable
from ._format import fmt_int
from ._suppress import SUPPRESSED_MARK
from ._table import Cell, Row, Table, cell_html, table_classes, table_html

__all__ = [
    "COMPACT_NOTES",
    "NO",
    "YES",
    "ascii_anchor",
    "compact_html",
    "compact_table",
    "heading_html",
    "hidden_cell_html",
    "indicator_table_html",
    "plain_table",
    "plain_table_html",
    "table_classes",
    "table_html",
    "value_cell_html",
    "yes_rows",
]

YES, NO = "Oui", "Non"

#: Notes under a compact banner (what the brackets, n and the marks mean).
COMPACT_NOTES = (
    "Entre crochets : intervalle de confiance à 95 %. n : effectif de répondants (non pondéré).",
    "▲ / ▼ : valeur significativement supérieure / inférieure à celle du reste de la population "
    "(test de Wald tenant compte du plan de sondage, seuil 5 %).",
)


# ----------------------------------------------------------------------------- headings
def ascii_anchor(text: str) -> str:
    """A plain ASCII id for ``text``: accents dropped, runs of other characters to ``-``,
    lower case (``"Évolution depuis 2020" -> "evolution-depuis-2020"``). Markdown headings get
    percent-encoded ids that the report's table of contents does not match; these do."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()


def heading_html(text: str, level: int = 1, anchor: str = "") -> str:
    """``<hN id="anchor">text</hN>``; ``anchor`` defaults to :func:`ascii_anchor` of ``text``."""
    if not isinstance(level, int) or not 1 <= level <= 6:
        raise ValueError(f"heading_html: level must be an integer 1-6, got {level!r}.")
    anchor = anchor or ascii_anchor(text)
    return f'<h{level} id="{escape(anchor)}">{escape(text)}</h{level}>'


# ----------------------------------------------------------------------------- cells
def hidden_cell_html(text: str = SUPPRESSED_MARK, span: int = 1) -> str:
    """A suppressed cell: the mark (or ``text``), ``data-suppressed="1"``, no count."""
    return cell_html(Cell.hidden(span=span, marker=text))


def value_cell_html(
    estimate: float,
    ci_low: float,
    ci_high: float,
    *,
    n: float | None,
    hidden: bool = False,
    mark: str = "",
    kind: str = "proportion",
    digits: int = 1,
) -> str:
    """One estimate with its CI under it (``49,3 % ▲ [45,1 ; 53,4]``), French formats.

    ``kind``: 'proportion' (shown in %) or 'mean'. ``n``: the unweighted count written as
    ``data-n`` (left out when 0 or missing: an empty cell identifies nobody). ``hidden``:
    :func:`hidden_cell_html` instead. Rendered by :func:`cell_html` (the :class:`Table` cell).
    """
    if hidden:
        return hidden_cell_html()
    mark = mark if isinstance(mark, str) else ""
    return cell_html(_value_cell(estimate, ci_low, ci_high, n, mark, kind), digits)


def _value_cell(estimate, ci_low, ci_high, n, mark: str, kind: str) -> Cell:
    return Cell(kind=kind, estimate=_num(estimate), ci_low=_num(ci_low), ci_high=_num(ci_high),
                n=_nonempty_n(n), mark=mark or "")


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _nonempty_n(n: object) -> int | None:
    if n is None or pd.isna(n):
        return None
    return int(n) if int(n) > 0 else None


# ----------------------------------------------------------------------------- banner views
def yes_rows(table: BannerTable, level: str = YES, other: str = NO) -> BannerTable:
    """The banner with, for yes/no questions (levels within {``level``, ``other``}), only the
    ``level`` row; the other row is its complement. Suppression was decided on the full table
    (a hidden "Oui" cell stays hidden, and so would its complement), so nothing is revealed."""
    cells = table.cells
    binary = cells.groupby("question")["level"].transform(lambda s: set(s) <= {level, other})
    keep = ~binary | (cells["level"] == level)
    return replace(table, cells=cells[keep].reset_index(drop=True))


def compact_html(
    table: BannerTable,
    *,
    title: str,
    groups: Sequence[str] | None = None,
    stub: str = "",
    notes: Sequence[str] = (),
    total_label: str = "Ensemble",
) -> str:
    """A banner as one row per question (single-level questions, e.g. after :func:`yes_rows`)
    or one row per level under a question heading, one column per group.

    ``groups``: the groups kept, in order (default: all, as they appear); the whole-population
    column comes first, headed ``total_label``. A last row gives the respondents per column
    (first question): the whole-population base is the question's published total (hidden
    with the mark when the banner hid it); hidden group bases show the mark. Cells carry
    ``data-n`` (the unweighted count of the cell) and ``data-suppressed`` when hidden. Notes:
    ``notes``, then :data:`COMPACT_NOTES`, the disclosure rule (when a cell is hidden) and the
    table's source. Rendered through :class:`Table`.
    """
    return compact_table(table, title=title, groups=groups, stub=stub, notes=notes,
                         total_label=total_label).to_html()


def compact_table(
    table: BannerTable,
    *,
    title: str,
    groups: Sequence[str] | None = None,
    stub: str = "",
    notes: Sequence[str] = (),
    total_label: str = "Ensemble",
) -> Table:
    """The :class:`Table` behind :func:`compact_html`."""
    cells = table.cells
    all_groups = list(dict.fromkeys(cells.loc[cells["breakdown"] != "", "group"]))
    keep = list(groups) if groups is not None else all_groups
    pairs = cells.loc[cells["breakdown"] != "", ["breakdown", "group"]].drop_duplicates()
    cols = [("", "Ensemble")] + [(b, g) for b, g in pairs.itertuples(index=False) if g in keep]
    cols = [cols[0], *sorted(cols[1:], key=lambda c: keep.index(c[1]))]
    by_cell = cells.set_index(["question", "level", "breakdown", "group"])
    rows: list[Row] = []
    for question, qc in cells.groupby("question", sort=False):
        levels = list(dict.fromkeys(qc["level"]))
        label = str(qc["question_label"].iloc[0])
        kind = qc["kind"].iloc[0]
        multi = len(levels) > 1
        for level in levels:
            row_cells = []
            for b, g in cols:
                key = (question, level, b, g)
                if key not in by_cell.index:
                    row_cells.append(Cell(kind="empty"))
                    continue
                c = by_cell.loc[key]
                if bool(c["suppressed"]):
                    row_cells.append(Cell.hidden())
                else:
                    row_cells.append(_value_cell(c["estimate"], c["ci_low"], c["ci_high"],
                                                 c["n"], str(c["mark"] or ""), kind))
            rows.append(Row(label=str(level if multi else label), cells=tuple(row_cells),
                            section=label if multi else ""))
    first = cells["question"].iloc[0] if len(cells) else None
    if first is not None:
        tot = table.totals.set_index(["question", "breakdown", "group"])
        n_cells = []
        for b, g in cols:
            key = (first, "", TOTAL) if b == "" else (first, b, g)
            if key not in tot.index:
                n_cells.append(Cell(kind="empty"))
            elif bool(tot.loc[key, "suppressed"]):
                n_cells.append(Cell.hidden())
            else:
                n_cells.append(Cell(kind="text", text=fmt_int(tot.loc[key, "n"])))
        rows.append(Row(label="n", cells=tuple(n_cells), css="effectifs"))
    heads = (total_label, *[g for _, g in cols[1:]])
    note_lines = (*notes, *COMPACT_NOTES)
    return Table(title=title, columns=heads, rows=tuple(rows), notes=note_lines,
                 source=table.source, threshold=table.threshold, stub=stub)


# ----------------------------------------------------------------------------- indicator tables
def indicator_table_html(
    cells: pd.DataFrame,
    *,
    title: str,
    columns: Sequence[tuple[str, str]],
    threshold: int,
    notes: Sequence[str] = (),
    source: str = "",
    digits: int = 1,
    stub_header: str = "",
    extra_columns: Mapping[str, str] | None = None,
    stub_width: str = "34mm",
    unit: str = "répondants",
    presentation: bool = False,
) -> str:
    """Printable table of estimates with their 95 % CI, one row per indicator.

    ``cells``: one row per indicator × column with ``row`` (indicator label), ``section``
    (optional group heading; rows are identified by section and label), ``column`` (key of
    ``columns``), ``estimate``, ``ci_low``, ``ci_high``, ``n`` (unweighted base), ``hidden``
    (bool; its values are not shown) and optionally ``mark`` and ``kind`` ('proportion' |
    'mean', default proportion). ``columns``: (key, header) pairs in display order (a header
    ``"A|B"`` puts B under a spanning header A). ``extra_columns`` maps a column of ``cells``
    holding preformatted text (e.g. a p-value) to its header; read from the row's first cell,
    left blank when a cell of the row is hidden. A cell with ``1 <= n < threshold`` is hidden too.
    Notes: ``notes``, the disclosure rule for ``threshold`` (when a cell is hidden),
    ``source``. ``unit``: what ``n`` counts (e.g. ``"Missions Locales"``: the same threshold
    applies to organisations). ``presentation=True``: the NCHS rule on proportions (needs
    ``se`` and ``df``). Same as ``Table.from_estimates(...).to_html()``.
    """
    return Table.from_estimates(
        cells, title=title, columns=columns, threshold=threshold, notes=notes, source=source,
        digits=digits, stub=stub_header, extra_columns=extra_columns, stub_width=stub_width,
        unit=unit, presentation=presentation,
    ).to_html()


def plain_table_html(
    frame: pd.DataFrame,
    *,
    title: str,
    notes: Sequence[str] = (),
    align_right: Sequence[str] = (),
    wrap: Sequence[str] = (),
    counts: str | None = None,
    threshold: int = 0,
    unit: str = "répondants",
) -> str:
    """A report table from a frame of already formatted French text: columns in
    ``align_right`` are right-aligned, those in ``wrap`` may break over several lines (others
    never do).

    ``counts``: a column of integer unweighted counts of ``unit`` (not shown) written as
    ``data-n`` on the row's cells; a row under ``threshold`` (and above 0) keeps its first
    cell (the label, without any count) and shows the suppression mark elsewhere.
    """
    return plain_table(frame, title=title, notes=notes, align_right=align_right, wrap=wrap,
                       counts=counts, threshold=threshold, unit=unit).to_html()


def plain_table(
    frame: pd.DataFrame,
    *,
    title: str,
    notes: Sequence[str] = (),
    align_right: Sequence[str] = (),
    wrap: Sequence[str] = (),
    counts: str | None = None,
    threshold: int = 0,
    unit: str = "répondants",
) -> Table:
    """The :class:`Table` behind :func:`plain_table_html`."""
    if counts is not None and counts not in frame.columns:
        raise ValueError(
            f"plain_table_html: counts column {counts!r} not in the frame; available: "
            f"{list(frame.columns)}."
        )
    right, wrapped = set(align_right), set(wrap)
    shown = [c for c in frame.columns if c != counts]
    values = frame[shown].itertuples(index=False)
    ns = frame[counts].to_numpy() if counts is not None else [None] * len(frame)
    rows = []
    for rec, n in zip(values, ns, strict=True):
        n = int(n) if n is not None else None
        hidden = n is not None and 0 < n < threshold
        row_cells = []
        for i, (col, v) in enumerate(zip(shown, rec, strict=True)):
            if hidden and i > 0:
                row_cells.append(Cell.hidden())
                continue
            style = "text-align:right" if col in right else "text-align:left"
            if col in wrapped:
                style += ";white-space:normal"
            row_cells.append(Cell(kind="text", text=str(v), style=style,
                                  n=None if hidden else _nonempty_n(n)))
        rows.append(Row(label=str(rec[0]) if len(rec) else "", cells=tuple(row_cells)))
    return Table(title=title, columns=tuple(str(c) for c in shown), rows=tuple(rows),
                 notes=tuple(notes), threshold=threshold if counts is not None else None,
                 unit=unit, stub=None, rule_notes=counts is not None)
