"""Static HTML for banner tables (prints well: no script, classes styled by the report CSS).

The markup is plain ``<table>`` with a two-row ``<thead>`` (breakdown spanners, then groups),
which browsers and WeasyPrint repeat on every page; rows are never split. A small embedded
stylesheet keeps the table readable outside the report template too.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._format import NNBSP, fmt_ci, fmt_int, fmt_num, fmt_p, fmt_pct
from ._suppress import SUPPRESSED_MARK

if TYPE_CHECKING:
    from ._banner import BannerTable

__all__ = ["banner_html"]

_FALLBACK_CSS = """
<style>
.arefie-table{font-family:"DejaVu Sans",Arial,sans-serif;margin:1em 0 1.4em;color:#222}
.arefie-table .table-title{font-weight:bold;margin-bottom:.4em}
.arefie-table table{border-collapse:collapse;font-size:9pt}
.arefie-table thead th{background:#1F4E79;color:#fff;border:1px solid #fff;padding:.25em .5em;text-align:center}
.arefie-table tbody th{text-align:left;font-weight:normal;padding:.2em .5em}
.arefie-table tbody td{text-align:right;padding:.2em .5em;white-space:nowrap}
.arefie-table tbody tr{border-bottom:1px solid #E6EAEE}
.arefie-table tr.question th{font-weight:bold;background:#F3F6F9;color:#1F4E79}
.arefie-table tr.effectifs th,.arefie-table tr.effectifs td{color:#6B6B6B;font-size:.85em}
.arefie-table td .ci{display:block;color:#6B6B6B;font-size:.8em}
.arefie-table td .mark{color:#E07B00;font-weight:bold}
.arefie-table td.suppressed{color:#6B6B6B;text-align:center}
.arefie-table .table-notes{font-size:.8em;color:#6B6B6B;margin-top:.4em}
.arefie-table .table-notes p{margin:.1em 0}
</style>
"""


def _value_html(kind: str, row: pd.Series, digits: int) -> str:
    if row["suppressed"]:
        return f'<td class="suppressed" data-suppressed="1">{SUPPRESSED_MARK}</td>'
    if kind == "mean":
        est = fmt_num(row["estimate"], digits)
        ci = fmt_ci(row["ci_low"], row["ci_high"], digits, scale=1.0)
    else:
        est = fmt_pct(row["estimate"], digits)
        ci = fmt_ci(row["ci_low"], row["ci_high"], digits)
    mark = f'{NNBSP}<span class="mark">{row["mark"]}</span>' if row["mark"] else ""
    # data-n: the unweighted count, read by the publish-time leak scan (empty cells carry none:
    # a cell without respondent identifies nobody and is published as 0 %).
    n = row["n"]
    data_n = f' data-n="{int(n)}"' if n is not None and not pd.isna(n) and int(n) > 0 else ""
    return f'<td{data_n}>{est}{mark}<span class="ci">{ci}</span></td>'


def _part_html(
    table: BannerTable, breakdowns: list[str], title: str, digits: int, with_notes: bool
) -> str:
    cells = table.cells
    part = cells[(cells["breakdown"] == "") | cells["breakdown"].isin(breakdowns)]
    # column order: Ensemble, then each breakdown's groups in order of appearance
    columns: list[tuple[str, str]] = [
        ("", g) for g in dict.fromkeys(part.loc[part["breakdown"] == "", "group"])
    ]
    if not columns:
        from ._banner import TOTAL

        columns = [("", TOTAL)]
    spans: list[tuple[str, str, int]] = []
    for b in breakdowns:
        sub = part[part["breakdown"] == b]
        groups = list(dict.fromkeys(sub["group"]))
        columns += [(b, g) for g in groups]
        spans.append((b, str(sub["breakdown_label"].iloc[0]) if len(sub) else b, len(groups)))
    n_cols = len(columns)
    head1 = ['<th rowspan="2" class="stub"></th>']
    head1 += [f'<th rowspan="2">{escape(g)}</th>' for b, g in columns if b == ""]
    head1 += [f'<th colspan="{k}">{escape(label)}</th>' for _, label, k in spans]
    head2 = [f"<th>{escape(g)}</th>" for b, g in columns if b != ""]
    rows: list[str] = []
    totals = table.totals.set_index(["question", "breakdown", "group"])
    tests = table.tests.set_index(["question", "breakdown"]) if len(table.tests) else None
    for question, qcells in part.groupby("question", sort=False):
        kind = qcells["kind"].iloc[0]
        qlabel = str(qcells["question_label"].iloc[0])
        if kind == "mean":
            qlabel += " (moyenne)"
        rows.append('<tbody class="qblock">')
        rows.append(f'<tr class="question"><th colspan="{n_cols + 1}">{escape(qlabel)}</th></tr>')
        by_cell = qcells.set_index(["level", "breakdown", "group"])
        levels = [""] if kind == "mean" else list(dict.fromkeys(qcells["level"]))
        for level in levels:
            tds = []
            for b, g in columns:
                key = (level, b, g)
                if key in by_cell.index:
                    tds.append(_value_html(kind, by_cell.loc[key], digits))
                else:
                    tds.append("<td>–</td>")
            stub = "Moyenne" if kind == "mean" else escape(level)
            rows.append(f'<tr><th scope="row">{stub}</th>{"".join(tds)}</tr>')
        n_tds, N_tds = [], []
        for b, g in columns:
            key = (question, b, g)
            if key in totals.index and not totals.loc[key, "suppressed"]:
                n_tds.append(f"<td>{fmt_int(totals.loc[key, 'n'])}</td>")
                N_tds.append(f"<td>{fmt_int(totals.loc[key, 'N'])}</td>")
            elif key in totals.index:
                n_tds.append(f'<td class="suppressed" data-suppressed="1">{SUPPRESSED_MARK}</td>')
                N_tds.append(f'<td class="suppressed" data-suppressed="1">{SUPPRESSED_MARK}</td>')
            else:
                n_tds.append("<td>–</td>")
                N_tds.append("<td>–</td>")
        rows.append(f'<tr class="effectifs"><th scope="row">n</th>{"".join(n_tds)}</tr>')
        rows.append(f'<tr class="effectifs"><th scope="row">N</th>{"".join(N_tds)}</tr>')
        if tests is not None and breakdowns:
            t_tds = ["<td></td>" for b, _ in columns if b == ""]
            any_test = False
            for b, _, k in spans:
                p = np.nan
                if (question, b) in tests.index:
                    p = float(tests.loc[(question, b), "p_value"])
                any_test |= bool(np.isfinite(p))
                text = "–" if not np.isfinite(p) else f"p{NNBSP}={NNBSP}{fmt_p(p)}"
                if np.isfinite(p) and p < 0.001:
                    text = f"p{NNBSP}{fmt_p(p)}"
                t_tds.append(f'<td colspan="{k}" class="test">{text}</td>')
            if any_test:
                rows.append(
                    '<tr class="effectifs test"><th scope="row">Test d’indépendance</th>'
                    f"{''.join(t_tds)}</tr>"
                )
        rows.append("</tbody>")
    classes = ["arefie-table"]
    if n_cols > 6:
        classes.append("wide")
    if len(rows) <= 34:
        classes.append("fits-page")
    note_lines = table.notes_text() if with_notes else [table.rule_text(), table.source]
    notes = (
        '<div class="table-notes">'
        + "".join(f"<p>{escape(t)}</p>" for t in note_lines if t)
        + "</div>"
    )
    title_html = f'<div class="table-title">{escape(title)}</div>' if title else ""
    return (
        f'<div class="{" ".join(classes)}" data-threshold="{table.threshold}">{title_html}'
        f"<table><thead><tr>{''.join(head1)}</tr>"
        + (f"<tr>{''.join(head2)}</tr>" if head2 else "")
        + f"</thead>{''.join(rows)}</table>{notes}</div>"
    )


def _lower_first(text: str) -> str:
    """'Sexe' -> 'sexe' but 'QPV' stays 'QPV'."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def banner_html(
    table: BannerTable, *, split: bool | None = None, max_columns: int = 8, digits: int = 1
) -> str:
    """HTML of a banner table, split into one part per breakdown when too wide."""
    breakdowns = table.breakdowns
    n_groups = table.cells.loc[table.cells["breakdown"] != "", ["breakdown", "group"]]
    width = 1 + len(n_groups.drop_duplicates())
    if split is None:
        split = width > max_columns and len(breakdowns) > 1
    title = table.title or "Résultats pondérés"
    if not split:
        parts = [_part_html(table, breakdowns, title, digits, True)]
    else:
        labels = table.cells.drop_duplicates("breakdown").set_index("breakdown")["breakdown_label"]
        parts = [
            _part_html(
                table,
                [b],
                f"{title}, selon {_lower_first(str(labels[b]))}",
                digits,
                i == len(breakdowns) - 1,
            )
            for i, b in enumerate(breakdowns)
        ]
    return _FALLBACK_CSS + "".join(parts)
