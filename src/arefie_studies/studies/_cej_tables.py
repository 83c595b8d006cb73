"""Printable HTML tables of the CEJ report (numbered by the report template, disclosure-marked).

Every value cell that rests on youths carries ``data-n`` (its unweighted base) and, when hidden,
``data-suppressed="1"``, so the pipeline's leak scan can check the disclosure rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np
import pandas as pd

from arefie_studies.tables import (
    SUPPRESSED_MARK,
    disclosure_rule_text,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_pct,
)

__all__ = ["Cell", "html_table", "int_cell", "num_cell", "pct_cell", "text_cell"]


class Cell(dict):
    """One table cell: ``text`` (HTML-escaped on output), optional ``ci`` line, ``n``, ``hidden``."""


def text_cell(text: str) -> Cell:
    return Cell(text=str(text))


def int_cell(n: float, threshold: int, *, hide_small: bool = True) -> Cell:
    """A count; hidden when 1 <= n < threshold (``hide_small``)."""
    n = 0 if not np.isfinite(n) else int(n)
    hidden = hide_small and 0 < n < threshold
    return Cell(text=fmt_int(n), n=n if n else None, hidden=hidden)


def pct_cell(est: float, lo: float | None, hi: float | None, n: int, threshold: int,
             digits: int = 1, hidden: bool | None = None) -> Cell:
    """A share with its CI line; hidden when its base n < threshold (or ``hidden``)."""
    hid = (n < threshold) if hidden is None else hidden
    ci = fmt_ci(lo, hi, digits) if lo is not None and hi is not None else ""
    return Cell(text=fmt_pct(est, digits), ci=ci, n=int(n), hidden=bool(hid))


def num_cell(est: float, lo: float | None, hi: float | None, n: int, threshold: int,
             digits: int = 1, unit: str = "", hidden: bool | None = None) -> Cell:
    """A mean (or any number) with its CI line; hidden when its base n < threshold."""
    hid = (n < threshold) if hidden is None else hidden
    ci = fmt_ci(lo, hi, digits, scale=1.0) if lo is not None and hi is not None else ""
    txt = fmt_num(est, digits) + (f"\u202f{unit}" if unit else "")
    return Cell(text=txt, ci=ci, n=int(n), hidden=bool(hid))


def _td(cell) -> str:
    if not isinstance(cell, dict):
        cell = text_cell("–" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else cell)
    n = cell.get("n")
    attrs = f' data-n="{int(n)}"' if n is not None else ""
    if cell.get("hidden"):
        return f'<td class="suppressed"{attrs} data-suppressed="1">{SUPPRESSED_MARK}</td>'
    ci = cell.get("ci")
    ci_html = f'<span class="ci">{escape(ci)}</span>' if ci else ""
    return f"<td{attrs}>{escape(cell['text'])}{ci_html}</td>"


def html_table(rows: pd.DataFrame | Sequence[tuple[str, Sequence]], columns: Sequence[str], *,
               title: str, stub: str = "", notes: Sequence[str] = (), threshold: int | None = None,
               sections: Sequence[str | None] | None = None, wide: bool = False) -> str:
    """A numbered report table: ``rows`` are (row label, cells) pairs; ``columns`` the headers.

    ``sections`` (one per row, or None) insert a heading row whenever the value changes. The
    disclosure rule is added to the notes when ``threshold`` is given.
    """
    if isinstance(rows, pd.DataFrame):
        rows = [(str(i), list(r)) for i, r in rows.iterrows()]
    head = f'<th class="stub">{escape(stub)}</th>' + "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    current = None
    for i, (label, cells) in enumerate(rows):
        sec = sections[i] if sections is not None else None
        if sec and sec != current:
            body.append(f'<tr class="question"><th colspan="{len(columns) + 1}">{escape(sec)}</th></tr>')
            current = sec
        body.append(f'<tr><th scope="row">{escape(str(label))}</th>{"".join(_td(c) for c in cells)}</tr>')
    note_lines = list(notes)
    if threshold is not None:
        note_lines.append(disclosure_rule_text(threshold))
    notes_html = "".join(f"<p>{escape(t)}</p>" for t in note_lines if t)
    classes = "arefie-table" + (" wide" if wide or len(columns) > 6 else "") + (
        " fits-page" if len(body) <= 30 else "")
    return (f'<div class="{classes}"><div class="table-title">{escape(title)}</div>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f'<div class="table-notes">{notes_html}</div></div>')
