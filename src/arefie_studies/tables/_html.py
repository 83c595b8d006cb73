"""Static HTML for banner tables (prints well: no script, classes styled by the report CSS).

The markup is plain ``<table>`` with a two-row ``<thead>`` (breakdown spanners, then groups),
which browsers and WeasyPrint repeat on every page; rows are never split. A small embedded
stylesheet keeps the table readable outside the report template too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._format import NNBSP, fmt_p
from ._table import Cell, Row, Table

if TYPE_CHECKING:
    from ._banner import BannerTable

__all__ = ["banner_html", "part_table"]

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
.arefie-table td .mark,.arefie-table td .flag{color:#E07B00;font-weight:bold}
.arefie-table td.suppressed{color:#6B6B6B;text-align:center}
.arefie-table .table-notes{font-size:.8em;color:#6B6B6B;margin-top:.4em}
.arefie-table .table-notes p{margin:.1em 0}
</style>
"""


def _value_cell(kind: str, row: pd.Series) -> Cell:
    if row["suppressed"]:
        return Cell.hidden()
    n = row["n"]
    n = int(n) if n is not None and not pd.isna(n) and int(n) > 0 else None
    mark = row["mark"] if isinstance(row["mark"], str) else ""
    return Cell(kind="mean" if kind == "mean" else "proportion", estimate=_num(row["estimate"]),
                ci_low=_num(row["ci_low"]), ci_high=_num(row["ci_high"]), n=n, mark=mark)


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def part_table(
    table: BannerTable, breakdowns: list[str], title: str, digits: int, with_notes: bool
) -> Table:
    """One part of a banner (the whole-population column and ``breakdowns``) as a
    :class:`Table`: a block per question (levels, then the ``n`` and ``N`` rows and the test
    of independence under each breakdown)."""
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
    heads = [g for _, g in columns]
    for b in breakdowns:
        sub = part[part["breakdown"] == b]
        groups = list(dict.fromkeys(sub["group"]))
        columns += [(b, g) for g in groups]
        label = str(sub["breakdown_label"].iloc[0]) if len(sub) else b
        spans.append((b, label, len(groups)))
        heads += [f"{label}|{g}" for g in groups]
    rows: list[Row] = []
    totals = table.totals.set_index(["question", "breakdown", "group"])
    tests = table.tests.set_index(["question", "breakdown"]) if len(table.tests) else None
    for question, qcells in part.groupby("question", sort=False):
        kind = qcells["kind"].iloc[0]
        qlabel = str(qcells["question_label"].iloc[0])
        if kind == "mean":
            qlabel += " (moyenne)"
        by_cell = qcells.set_index(["level", "breakdown", "group"])
        levels = [""] if kind == "mean" else list(dict.fromkeys(qcells["level"]))
        for level in levels:
            row_cells = []
            for b, g in columns:
                key = (level, b, g)
                if key in by_cell.index:
                    row_cells.append(_value_cell(kind, by_cell.loc[key]))
                else:
                    row_cells.append(Cell(kind="empty"))
            stub = "Moyenne" if kind == "mean" else str(level)
            rows.append(Row(label=stub, cells=tuple(row_cells), section=qlabel))
        n_cells, N_cells = [], []
        for b, g in columns:
            key = (question, b, g)
            if key in totals.index and not totals.loc[key, "suppressed"]:
                n_cells.append(Cell(kind="count", n=int(totals.loc[key, "n"])))
                N_cells.append(Cell(kind="number", estimate=float(totals.loc[key, "N"])))
            elif key in totals.index:
                n_cells.append(Cell.hidden())
                N_cells.append(Cell.hidden())
            else:
                n_cells.append(Cell(kind="empty"))
                N_cells.append(Cell(kind="empty"))
        rows.append(Row(label="n", cells=tuple(n_cells), section=qlabel, css="effectifs"))
        rows.append(Row(label="N", cells=tuple(N_cells), section=qlabel, css="effectifs"))
        if tests is not None and breakdowns:
            t_cells = [Cell(kind="text") for b, _ in columns if b == ""]
            any_test = False
            for b, _, k in spans:
                p = np.nan
                if (question, b) in tests.index:
                    p = float(tests.loc[(question, b), "p_value"])
                any_test |= bool(np.isfinite(p))
                text = "–" if not np.isfinite(p) else f"p{NNBSP}={NNBSP}{fmt_p(p)}"
                if np.isfinite(p) and p < 0.001:
                    text = f"p{NNBSP}{fmt_p(p)}"
                t_cells.append(Cell(kind="text", text=text, span=k, css="test"))
            if any_test:
                rows.append(Row(label="Test d’indépendance", cells=tuple(t_cells),
                                section=qlabel, css="effectifs test"))
    if with_notes:
        notes, extra = table.reading_notes(), table.notes
    else:
        notes, extra = (), ()
    return Table(title=title, columns=tuple(heads), rows=tuple(rows), notes=tuple(notes),
                 extra_notes=tuple(extra), source=table.source, threshold=table.threshold,
                 stub="", digits=digits, blocks=True, wide=len(heads) > 6)


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
        parts = [part_table(table, breakdowns, title, digits, True).to_html()]
    else:
        labels = table.cells.drop_duplicates("breakdown").set_index("breakdown")["breakdown_label"]
        parts = [
            part_table(
                table,
                [b],
                f"{title}, selon {_lower_first(str(labels[b]))}",
                digits,
                i == len(breakdowns) - 1,
            ).to_html()
            for i, b in enumerate(breakdowns)
        ]
    return _FALLBACK_CSS + "".join(parts)
