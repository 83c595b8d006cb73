"""XLSX export: one sheet per table, numbers stored as numbers, from the one :class:`Table`.

Layout of a sheet: title, a header row (``Spanner – group``) and a sub-header row; every
table column holding estimates gets ``Estimation | IC bas | IC haut`` (and ``Sig.`` when a
cell has a mark ▲ ▼ or the flag †); a row per table row under its section heading; then the
notes (reading guide, « nd » / « † » / disclosure rule when needed, source). Proportions are
stored as fractions with a percentage number format (Excel shows ``49,3 %`` in a French
locale), counts as integers. Hidden cells hold their marker (``s``, ``nd``) and nothing else:
no value, no comment, no hidden column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ._table import Table

if TYPE_CHECKING:
    from ._banner import BannerTable

__all__ = ["write_xlsx"]

_PCT = "0.0%"
_MEAN = "0.0"
_INT = "#,##0"
_BLUE = "1F4E79"
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor=_BLUE)
_Q_FONT = Font(bold=True, color=_BLUE)
_Q_FILL = PatternFill("solid", fgColor="F3F6F9")
_GREY = Font(color="6B6B6B", size=9)
_MARK = Font(bold=True, color="E07B00")
_THIN = Border(bottom=Side(style="thin", color="D9D9D9"))
_SUB = ("Estimation", "IC bas", "IC haut", "Sig.")


def _sheet_title(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:31] or "Tableau"
    title, k = base, 2
    while title.lower() in used:
        suffix = f" ({k})"
        title = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(title.lower())
    return title


def write_xlsx(
    tables: Mapping[str, BannerTable | Table] | list[BannerTable | Table], path: str | Path
) -> Path:
    """Write tables to ``path``: one sheet per table (sheet names ≤ 31 characters).

    Banner tables are written as their :class:`Table` (``part_table`` with every breakdown),
    so every sheet comes from the one table object: hidden cells hold their marker only.
    """
    from ._html import part_table

    path = Path(path)
    if not isinstance(tables, Mapping):
        tables = {(t.title or f"Tableau {i + 1}"): t for i, t in enumerate(tables)}
    if not tables:
        raise ValueError("write_xlsx: no table to write; pass at least one table.")
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for name, table in tables.items():
        ws = wb.create_sheet(_sheet_title(str(name), used))
        if not isinstance(table, Table):
            title = table.title or "Résultats pondérés"
            table = part_table(table, table.breakdowns, title, 1, True)
        _fill_table_sheet(ws, table)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _fill_table_sheet(ws, table) -> None:
    """One :class:`~arefie_studies.tables.Table` on a sheet (see :meth:`Table.to_xlsx`)."""
    ws.cell(row=1, column=1, value=table.title or "Tableau").font = Font(bold=True, size=12)
    n_cols = len(table.columns)
    # per table column: how many sheet columns (value, IC bas, IC haut, mark)
    has_ci = [False] * n_cols
    has_mark = [False] * n_cols
    for row in table.rows:
        j = 0
        for c in row.cells:
            if c.kind in ("proportion", "mean") and c.span == 1:
                has_ci[j] |= c.ci_low is not None or c.ci_high is not None
                has_mark[j] |= bool(c.mark or c.flag)
            j += c.span
    width = [1 + 2 * has_ci[j] + has_mark[j] for j in range(n_cols)]
    start = [2 + sum(width[:j]) for j in range(n_cols)]
    r_head = 3
    ws.cell(row=r_head, column=1, value=table.stub)
    for j, head in enumerate(table.columns):
        ws.cell(row=r_head, column=start[j], value=head.replace("|", " – "))
        subs = ["Estimation"] + (["IC bas", "IC haut"] if has_ci[j] else []) + (
            ["Sig."] if has_mark[j] else [])
        if width[j] > 1:
            for k, sub in enumerate(subs):
                ws.cell(row=r_head + 1, column=start[j] + k, value=sub)
    last = 1 + sum(width)
    for row in ws.iter_rows(min_row=r_head, max_row=r_head + 1, min_col=1, max_col=last):
        for c in row:
            c.font = _HEAD_FONT
            c.fill = _HEAD_FILL
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    r = r_head + 2
    section = None
    for row in table.rows:
        if row.section and row.section != section:
            ws.cell(row=r, column=1, value=row.section).font = _Q_FONT
            for c in range(1, last + 1):
                ws.cell(row=r, column=c).fill = _Q_FILL
            section = row.section
            r += 1
        ws.cell(row=r, column=1, value=row.label)
        j = 0
        for cell in row.cells:
            col = start[j]
            _write_cell(ws, r, col, cell)
            if cell.kind in ("proportion", "mean") and cell.span == 1:
                fmt = _MEAN if cell.kind == "mean" else _PCT
                if has_ci[j]:
                    for k, v in enumerate((cell.ci_low, cell.ci_high)):
                        if v is not None and np.isfinite(v):
                            x = ws.cell(row=r, column=col + 1 + k, value=float(v))
                            x.number_format = fmt
                if has_mark[j] and (cell.mark or cell.flag):
                    text = cell.mark + ("†" if cell.flag else "")
                    ws.cell(row=r, column=col + width[j] - 1, value=text).font = _MARK
            j += cell.span
        for c in range(1, last + 1):
            ws.cell(row=r, column=c).border = _THIN
        r += 1
    r += 1
    for line in table.notes_text():
        ws.cell(row=r, column=1, value=line).font = _GREY
        r += 1
    ws.column_dimensions["A"].width = 42
    for c in range(2, last + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.freeze_panes = ws.cell(row=r_head + 2, column=2)


def _write_cell(ws, r: int, col: int, cell) -> None:
    if cell.kind in ("hidden", "nd"):  # the marker only: a hidden cell holds nothing else
        ws.cell(row=r, column=col, value=cell.text).alignment = Alignment(horizontal="center")
    elif cell.kind == "empty":
        ws.cell(row=r, column=col, value="–")
    elif cell.kind == "count":
        x = ws.cell(row=r, column=col, value=int(cell.n) if cell.n is not None else 0)
        x.number_format = _INT
    elif cell.kind == "number":
        if cell.estimate is not None and np.isfinite(cell.estimate):
            x = ws.cell(row=r, column=col, value=float(cell.estimate))
            x.number_format = _INT
    elif cell.kind == "text":
        ws.cell(row=r, column=col, value=cell.text)
    elif cell.estimate is not None and np.isfinite(cell.estimate):
        x = ws.cell(row=r, column=col, value=float(cell.estimate))
        x.number_format = _MEAN if cell.kind == "mean" else _PCT
