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

from ._banner import BannerTable
from ._format import NNBSP, fmt_ci, fmt_int, fmt_num, fmt_pct
from ._suppress import SUPPRESSED_MARK, disclosure_rule_text

__all__ = [
    "COMPACT_NOTES",
    "NO",
    "YES",
    "ascii_anchor",
    "compact_html",
    "heading_html",
    "hidden_cell_html",
    "indicator_table_html",
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


# ----------------------------------------------------------------------------- cells, frame
def hidden_cell_html(text: str = SUPPRESSED_MARK, span: int = 1) -> str:
    """A suppressed cell: the mark (or ``text``), ``data-suppressed="1"``, no count."""
    colspan = f' colspan="{span}"' if span > 1 else ""
    return f'<td class="suppressed"{colspan} data-suppressed="1">{escape(text)}</td>'


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
    :func:`hidden_cell_html` instead.
    """
    if hidden:
        return hidden_cell_html()
    if kind == "mean":
        value, ci = fmt_num(estimate, digits), fmt_ci(ci_low, ci_high, digits, scale=1.0)
    else:
        value, ci = fmt_pct(estimate, digits), fmt_ci(ci_low, ci_high, digits)
    mark = mark if isinstance(mark, str) else ""
    mark_html = f'{NNBSP}<span class="mark">{escape(mark)}</span>' if mark else ""
    n_int = int(n) if n is not None and not pd.isna(n) else 0
    data_n = f' data-n="{n_int}"' if n_int > 0 else ""
    return f'<td{data_n}>{value}{mark_html}<span class="ci">{ci}</span></td>'


def table_classes(n_cols: int, n_rows: int) -> str:
    """CSS classes of a report table: ``wide`` over 6 value columns (landscape-friendly),
    ``fits-page`` up to 30 body rows (kept on one page)."""
    cls = "arefie-table wide" if n_cols > 6 else "arefie-table"
    return cls + (" fits-page" if n_rows <= 30 else "")


def table_html(
    title: str,
    thead: str,
    rows: Sequence[str],
    notes: Sequence[str] = (),
    *,
    classes: str = "arefie-table",
    threshold: int | None = None,
) -> str:
    """The frame of a report table: titled ``<div>``, ``thead`` (inner HTML of ``<thead>``),
    body ``rows`` (``<tr>`` HTML) and the notes under it (empty notes skipped).
    ``threshold`` is written as ``data-threshold`` (tables holding counts)."""
    thr = f' data-threshold="{threshold}"' if threshold is not None else ""
    notes_html = "".join(f"<p>{escape(t)}</p>" for t in notes if t)
    return (
        f'<div class="{classes}"{thr}><div class="table-title">{escape(title)}</div><table>'
        f"<thead>{thead}</thead><tbody>{''.join(rows)}</tbody></table>"
        f'<div class="table-notes">{notes_html}</div></div>'
    )


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
    (first question); hidden bases show the suppression mark. Cells carry ``data-n`` (the
    unweighted count of the cell) and ``data-suppressed`` when hidden. Notes: ``notes``, then
    :data:`COMPACT_NOTES`, the disclosure rule and the table's source.
    """
    cells = table.cells
    all_groups = list(dict.fromkeys(cells.loc[cells["breakdown"] != "", "group"]))
    keep = list(groups) if groups is not None else all_groups
    pairs = cells.loc[cells["breakdown"] != "", ["breakdown", "group"]].drop_duplicates()
    cols = [("", "Ensemble")] + [(b, g) for b, g in pairs.itertuples(index=False) if g in keep]
    cols = [cols[0], *sorted(cols[1:], key=lambda c: keep.index(c[1]))]
    by_cell = cells.set_index(["question", "level", "breakdown", "group"])
    head = [f'<th class="stub">{escape(stub)}</th>', f"<th>{escape(total_label)}</th>"]
    head += [f"<th>{escape(g)}</th>" for _, g in cols[1:]]
    rows = []
    n_total = len(cols) + 1
    for question, qc in cells.groupby("question", sort=False):
        levels = list(dict.fromkeys(qc["level"]))
        label = str(qc["question_label"].iloc[0])
        kind = qc["kind"].iloc[0]
        multi = len(levels) > 1
        if multi:
            rows.append(f'<tr class="question"><th colspan="{n_total}">{escape(label)}</th></tr>')
        for level in levels:
            tds = []
            for b, g in cols:
                key = (question, level, b, g)
                if key not in by_cell.index:
                    tds.append("<td>–</td>")
                    continue
                c = by_cell.loc[key]
                tds.append(value_cell_html(
                    c["estimate"], c["ci_low"], c["ci_high"], n=c["n"],
                    hidden=bool(c["suppressed"]), mark=str(c["mark"] or ""), kind=kind,
                ))  # fmt: skip
            name = level if multi else label
            rows.append(f'<tr><th scope="row">{escape(str(name))}</th>{"".join(tds)}</tr>')
    first = cells["question"].iloc[0] if len(cells) else None
    tot = table.totals
    n_tds = []
    for b, g in cols:
        sel = tot[(tot["question"] == first) & (tot["breakdown"] == b) & (tot["group"] == g)]
        if b == "":  # all respondents with a group (the whole-population base)
            n = int(tot.loc[(tot["question"] == first) & (tot["breakdown"] != ""), "n"].sum())
            n_tds.append(f"<td>{fmt_int(n)}</td>")
        elif sel.empty or bool(sel["suppressed"].iloc[0]):
            n_tds.append(f'<td class="suppressed">{SUPPRESSED_MARK}</td>')
        else:
            n_tds.append(f"<td>{fmt_int(sel['n'].iloc[0])}</td>")
    if first is not None:
        rows.append(f'<tr class="effectifs"><th scope="row">n</th>{"".join(n_tds)}</tr>')
    note_lines = [*notes, *COMPACT_NOTES, table.rule_text(), table.source]
    return table_html(title, f"<tr>{''.join(head)}</tr>", rows, note_lines,
                      classes=table_classes(len(cols), len(rows)), threshold=table.threshold)


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
) -> str:
    """Printable table of estimates with their 95 % CI, one row per indicator.

    ``cells``: one row per indicator × column with ``row`` (indicator label), ``section``
    (optional group heading; rows are identified by section and label), ``column`` (key of
    ``columns``), ``estimate``, ``ci_low``, ``ci_high``, ``n`` (unweighted base), ``hidden``
    (bool; its values are not shown) and optionally ``mark`` and ``kind`` ('proportion' |
    'mean', default proportion). ``columns``: (key, header) pairs in display order (a header
    ``"A|B"`` puts B under a spanning header A). ``extra_columns`` maps a column of ``cells``
    holding preformatted text (e.g. a p-value) to its header; read from the row's first cell.
    Notes: ``notes``, the disclosure rule for ``threshold``, ``source``.
    """
    cells = cells.copy()
    if "kind" not in cells.columns:
        cells["kind"] = "proportion"
    if "section" not in cells.columns:
        cells["section"] = ""
    cells["row_key"] = cells["section"].astype(str) + "\x1f" + cells["row"].astype(str)
    extra = dict(extra_columns or {})
    keys = [k for k, _ in columns]
    heads = [h for _, h in columns]
    spans: list[tuple[str, int]] = []
    for h in heads:
        top = h.split("|", 1)[0] if "|" in h else ""
        if spans and spans[-1][0] == top and top:
            spans[-1] = (top, spans[-1][1] + 1)
        else:
            spans.append((top, 1))
    two_rows = any(top for top, _ in spans)
    rs = 2 if two_rows else 1
    head1 = [f'<th rowspan="{rs}" class="stub">{escape(stub_header)}</th>']
    pos = 0
    for top, k in spans:
        if top:
            head1.append(f'<th colspan="{k}">{escape(top)}</th>')
        else:
            head1.append(f'<th rowspan="{rs}">{escape(heads[pos])}</th>')
        pos += k
    head1 += [f'<th rowspan="{rs}">{escape(h)}</th>' for h in extra.values()]
    head2 = [f"<th>{escape(h.split('|', 1)[1])}</th>" for h in heads if "|" in h]
    body: list[str] = []
    n_cols = len(keys) + len(extra) + 1
    current = None
    index = cells.set_index(["row_key", "column"])
    for rkey in dict.fromkeys(cells["row_key"]):
        rcells = cells[cells["row_key"] == rkey]
        row = rcells["row"].iloc[0]
        section = str(rcells["section"].iloc[0] or "")
        if section and section != current:
            body.append(f'<tr class="question"><th colspan="{n_cols}">{escape(section)}</th></tr>')
            current = section
        tds = []
        for key in keys:
            if (rkey, key) not in index.index:
                tds.append("<td>–</td>")
                continue
            c = index.loc[(rkey, key)]
            n = c["n"] if np.isfinite(c["n"]) else 0
            tds.append(value_cell_html(
                c["estimate"], c["ci_low"], c["ci_high"], n=n, hidden=bool(c["hidden"]),
                mark=c.get("mark", ""), kind=c["kind"], digits=digits,
            ))  # fmt: skip
        for col in extra:
            tds.append(f'<td class="test">{escape(str(rcells[col].iloc[0]))}</td>')
        body.append(f'<tr><th scope="row" style="min-width:{stub_width}">{escape(str(row))}</th>'
                    f'{"".join(tds)}</tr>')
    classes = "arefie-table wide" if len(keys) + len(extra) > 6 else "arefie-table"
    if len(body) <= 30:
        classes += " fits-page"
    thead = f"<tr>{''.join(head1)}</tr>" + (f"<tr>{''.join(head2)}</tr>" if head2 else "")
    note_lines = [*notes, disclosure_rule_text(threshold), source]
    return table_html(title, thead, body, note_lines, classes=classes, threshold=threshold)


def plain_table_html(
    frame: pd.DataFrame,
    *,
    title: str,
    notes: Sequence[str] = (),
    align_right: Sequence[str] = (),
    wrap: Sequence[str] = (),
    counts: str | None = None,
    threshold: int = 0,
) -> str:
    """A report table from a frame of already formatted French text: columns in
    ``align_right`` are right-aligned, those in ``wrap`` may break over several lines (others
    never do).

    ``counts``: a column of integer unweighted counts (not shown) written as ``data-n`` on the
    row's cells; a row under ``threshold`` (and above 0) keeps its first cell (the label) and
    shows the suppression mark elsewhere, without its count.
    """
    if counts is not None and counts not in frame.columns:
        raise ValueError(
            f"plain_table_html: counts column {counts!r} not in the frame; available: "
            f"{list(frame.columns)}."
        )
    right, wrapped = set(align_right), set(wrap)
    shown = [c for c in frame.columns if c != counts]
    head = "".join(f"<th>{escape(str(c))}</th>" for c in shown)
    values = frame[shown].itertuples(index=False)
    ns = frame[counts].to_numpy() if counts is not None else [None] * len(frame)
    rows = []
    for rec, n in zip(values, ns, strict=True):
        n = int(n) if n is not None else None
        hidden = n is not None and 0 < n < threshold
        attr = f' data-n="{n}"' if n else ""
        tds = []
        for i, (col, v) in enumerate(zip(shown, rec, strict=True)):
            if hidden and i > 0:
                tds.append(hidden_cell_html())
                continue
            style = "text-align:right" if col in right else "text-align:left"
            if col in wrapped:
                style += ";white-space:normal"
            tds.append(f'<td style="{style}"{attr}>{escape(str(v))}</td>')
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return table_html(title, f"<tr>{head}</tr>", rows, notes,
                      classes=table_classes(len(shown), len(rows)),
                      threshold=threshold if counts is not None else None)
