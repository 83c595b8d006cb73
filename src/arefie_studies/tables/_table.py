"""One disclosure-aware table object: every published table goes through :class:`Table`.

A :class:`Table` holds decided cells only: a cell is either shown (its value(s) with its
unweighted base ``n``) or hidden — for disclosure (``"hidden"``, mark « s ») or because the
presentation rule judged the estimate too imprecise (``"nd"``). A hidden cell is built without
any value (:class:`Cell` refuses one), so no renderer can leak what the object does not hold:
not in HTML attributes, not in XLSX, CSV or the DataFrame view.

Renderers: :meth:`Table.to_html` (the report markup: French numbers, CI under the value,
``data-n`` on shown cells for the publish-time leak scan, ``data-suppressed="1"`` and nothing
else on hidden ones), :meth:`Table.to_xlsx`, :meth:`Table.to_csv`, :meth:`Table.to_frame`.
Constructors: :meth:`Table.from_estimates` (tidy estimator output) and :meth:`Table.from_counts`
(a count table, protected by :func:`protect_table` with its margins). The notes under a table
get, only when needed, the disclosure rule (a hidden cell), the « nd » note and the « † » note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from ._format import MISSING, NNBSP, fmt_ci, fmt_int, fmt_num, fmt_pct
from ._presentation import FLAG_MARK, NOT_SHOWN_MARK, presentation_rule
from ._suppress import SUPPRESSED_MARK, disclosure_rule_text, protect_table

__all__ = [
    "FLAG_NOTE",
    "NOT_SHOWN_NOTE",
    "Cell",
    "Row",
    "Table",
    "TableError",
    "cell_html",
    "table_classes",
    "table_html",
]

#: Note under a table with an estimate not shown by the presentation rule.
NOT_SHOWN_NOTE = (
    f"«{NNBSP}{NOT_SHOWN_MARK}{NNBSP}»{NNBSP}: estimation non diffusée, trop imprécise "
    "(règle de présentation des proportions, voir l’annexe méthodologique)."
)
#: Note under a table with a flagged estimate.
FLAG_NOTE = (
    f"{FLAG_MARK}{NNBSP}: estimation fragile, à interpréter avec prudence (peu de degrés de "
    "liberté ou complément imprécis, voir l’annexe méthodologique)."
)

_KINDS = ("proportion", "mean", "count", "number", "text", "hidden", "nd", "empty")


def write_csv(frame: pd.DataFrame, path: str | Path, *, notes: Sequence[str] = ()) -> Path:
    """``frame`` as CSV (UTF-8 with BOM; its header on the first line, so a spreadsheet reads
    the columns) and the notes after an empty line: a download carries what the report prints
    under the table."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        frame.to_csv(fh)
        if notes:
            writer = csv.writer(fh)
            writer.writerow([])
            for note in notes:
                writer.writerow([note])
    return path


def frame_downloads(frame: pd.DataFrame, xlsx: str | Path, csv: str | Path, *,
                    notes: Sequence[str] = (), title: str = "") -> tuple[Path, Path]:
    """XLSX and CSV downloads of an already decided table given as a frame (hidden cells hold
    their marker): the header row, the values, then the notes under them (the title names the
    sheet)."""
    from openpyxl import Workbook

    xlsx = Path(xlsx)
    xlsx.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = (title or "Tableau")[:31]
    flat = frame.reset_index()
    ws.append([str(c) for c in flat.columns])
    for row in flat.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in row])
    if notes:
        ws.append([])
        for note in notes:
            ws.append([note])
    wb.save(xlsx)
    return xlsx, write_csv(frame, csv, notes=notes)


class TableError(ValueError):
    """Bad input to a table (unknown cell kind, a hidden cell given a value, missing column)."""


@dataclass(frozen=True)
class Cell:
    """One decided cell.

    ``kind``: ``"proportion"`` (shown in %), ``"mean"``, ``"count"`` (``n`` shown as an
    integer), ``"number"`` (``estimate`` shown as an integer, e.g. a weighted total; no
    ``data-n``), ``"text"`` (preformatted ``text``), ``"hidden"`` (disclosure, « s »), ``"nd"``
    (presentation rule) or ``"empty"`` (–). ``n``: the unweighted base (respondents, or
    organisations), written as ``data-n`` when shown and positive. ``mark``: significance mark
    (▲ ▼); ``flag``: the presentation-rule flag (†). ``span``/``css``/``style``: layout only.
    A hidden or « nd » cell holds no value, no base, no text but its marker.
    """

    kind: str = "text"
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    text: str = ""
    mark: str = ""
    flag: bool = False
    unit: str = ""
    span: int = 1
    css: str = ""
    style: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise TableError(f"Cell: unknown kind {self.kind!r}; expected one of {_KINDS}.")
        if self.kind in ("hidden", "nd", "empty"):
            held = [k for k in ("estimate", "ci_low", "ci_high", "n")
                    if getattr(self, k) is not None]
            if held or self.mark or self.flag:
                raise TableError(
                    f"Cell: a {self.kind!r} cell must hold no value, got {held or 'a mark'}; "
                    "build it with Cell.hidden() / Cell.not_shown() (nothing else is kept)."
                )

    @classmethod
    def hidden(cls, span: int = 1, marker: str = SUPPRESSED_MARK) -> Cell:
        """A disclosure-hidden cell: its marker only."""
        return cls(kind="hidden", text=marker, span=span)

    @classmethod
    def not_shown(cls, span: int = 1) -> Cell:
        """An estimate the presentation rule does not publish (« nd »)."""
        return cls(kind="nd", text=NOT_SHOWN_MARK, span=span)

    @property
    def is_hidden(self) -> bool:
        return self.kind in ("hidden", "nd")

    def value(self) -> object:
        """The published value (``to_frame``): a number, a text, or the marker."""
        if self.kind in ("proportion", "mean", "number"):
            return np.nan if self.estimate is None else float(self.estimate)
        if self.kind == "count":
            return np.nan if self.n is None else int(self.n)
        if self.kind == "empty":
            return np.nan
        return self.text


@dataclass(frozen=True)
class Row:
    """A body row: stub ``label``, its cells, an optional ``section`` heading (a heading row is
    inserted when it changes) and a CSS class (``"effectifs"`` for base rows)."""

    label: str
    cells: tuple[Cell, ...]
    section: str = ""
    css: str = ""
    stub_style: str = ""


def _nonempty_n(n: object) -> int | None:
    if n is None or (isinstance(n, float) and not np.isfinite(n)) or pd.isna(n):
        return None
    return int(n) if int(n) > 0 else None


def cell_html(cell: Cell, digits: int = 1) -> str:
    """The ``<td>`` of one cell (the one place cell markup is written)."""
    span = f' colspan="{cell.span}"' if cell.span > 1 else ""
    if cell.kind == "hidden":
        return f'<td class="suppressed"{span} data-suppressed="1">{escape(cell.text)}</td>'
    if cell.kind == "nd":
        return f'<td class="suppressed not-shown"{span} data-not-shown="1">{escape(cell.text)}</td>'
    if cell.kind == "empty":
        return f"<td{span}>{MISSING}</td>"
    css = f' class="{cell.css}"' if cell.css else ""
    style = f' style="{cell.style}"' if cell.style else ""
    n = _nonempty_n(cell.n)
    data_n = f' data-n="{n}"' if n is not None else ""
    if cell.kind == "text":
        return f"<td{css}{span}{style}{data_n}>{escape(cell.text)}</td>"
    if cell.kind == "count":
        return f"<td{css}{span}{style}{data_n}>{fmt_int(cell.n)}</td>"
    if cell.kind == "number":
        return f"<td{css}{span}{style}>{fmt_int(cell.estimate)}</td>"
    if cell.kind == "mean":
        value = fmt_num(cell.estimate, digits) + (f"{NNBSP}{cell.unit}" if cell.unit else "")
        ci = fmt_ci(cell.ci_low, cell.ci_high, digits, scale=1.0)
    else:
        value, ci = fmt_pct(cell.estimate, digits), fmt_ci(cell.ci_low, cell.ci_high, digits)
    marks = f'{NNBSP}<span class="mark">{escape(cell.mark)}</span>' if cell.mark else ""
    if cell.flag:
        marks += f'{NNBSP}<span class="flag">{FLAG_MARK}</span>'
    ci_html = f'<span class="ci">{ci}</span>' if ci != MISSING else ""
    if cell.ci_low is None and cell.ci_high is None:
        ci_html = ""
    return f"<td{css}{span}{style}{data_n}>{value}{marks}{ci_html}</td>"


#: A table is kept whole on one page (class ``fits-page``) when its body is at most this many
#: lines high (a row is one line, 1.7 with a confidence-interval line under its values): about
#: half a page. A longer table breaks between rows, its header repeated, its notes kept with
#: its last rows; a kept-whole table pushed to the next page, leaving a page under half full,
#: is let break by :mod:`arefie_studies.pipeline.figure_fit`.
KEEP_TOGETHER_LINES = 16.0
_CI_ROW_LINES = 1.7


def table_classes(n_cols: int, n_rows: int) -> str:
    """CSS classes of a report table: ``wide`` over 6 value columns (landscape-friendly),
    ``fits-page`` up to :data:`KEEP_TOGETHER_LINES` body rows (kept on one page)."""
    cls = "arefie-table wide" if n_cols > 6 else "arefie-table"
    return cls + (" fits-page" if n_rows <= KEEP_TOGETHER_LINES else "")


def _row_lines(row: Row) -> float:
    """Height of a body row in lines: 1.7 when a cell prints its interval under its value."""
    shown = ("proportion", "mean")
    has_ci = any(c.kind in shown and c.ci_low is not None and c.ci_high is not None
                 for c in row.cells)
    return _CI_ROW_LINES if has_ci else 1.0


def table_html(
    title: str,
    thead: str,
    rows: Sequence[str],
    notes: Sequence[str] = (),
    *,
    classes: str = "arefie-table",
    threshold: int | None = None,
    tbody: str | None = None,
) -> str:
    """The frame of a report table: titled ``<div>``, ``thead`` (inner HTML of ``<thead>``),
    body ``rows`` (``<tr>`` HTML; or ``tbody``, the complete body markup) and the notes under
    it (empty notes skipped). ``threshold`` is written as ``data-threshold``."""
    thr = f' data-threshold="{threshold}"' if threshold is not None else ""
    notes_html = "".join(f"<p>{escape(t)}</p>" for t in notes if t)
    title_html = f'<div class="table-title">{escape(title)}</div>' if title else ""
    body = tbody if tbody is not None else f"<tbody>{''.join(rows)}</tbody>"
    return (
        f'<div class="{classes}"{thr}>{title_html}<table>'
        f"<thead>{thead}</thead>{body}</table>"
        f'<div class="table-notes">{notes_html}</div></div>'
    )


def _head_html(columns: Sequence[str], stub: str | None) -> str:
    """``<thead>`` inner HTML; a header ``"A|B"`` puts B under a spanning header A;
    ``stub=None``: no stub column."""
    spans: list[tuple[str, int]] = []
    for h in columns:
        top = h.split("|", 1)[0] if "|" in h else ""
        if spans and top and spans[-1][0] == top:
            spans[-1] = (top, spans[-1][1] + 1)
        else:
            spans.append((top, 1))
    if not any(top for top, _ in spans):
        ths = "".join(f"<th>{escape(h)}</th>" for h in columns)
        if stub is None:
            return f"<tr>{ths}</tr>"
        return f'<tr><th class="stub">{escape(stub)}</th>{ths}</tr>'
    head1 = [] if stub is None else [f'<th rowspan="2" class="stub">{escape(stub)}</th>']
    pos = 0
    for top, k in spans:
        if top:
            head1.append(f'<th colspan="{k}">{escape(top)}</th>')
        else:
            head1.append(f'<th rowspan="2">{escape(columns[pos])}</th>')
        pos += k
    head2 = [f"<th>{escape(h.split('|', 1)[1])}</th>" for h in columns if "|" in h]
    return f"<tr>{''.join(head1)}</tr><tr>{''.join(head2)}</tr>"


@dataclass(frozen=True)
class Table:
    """A published table: title, column headers, rows of decided cells, notes and source.

    ``columns``: headers in display order (``"A|B"``: B under a spanning header A).
    ``threshold``/``unit``: the disclosure rule the hidden cells follow (counts of
    ``unit``: respondents, youths, Missions Locales...), stated under the table when a cell is
    hidden. ``blocks``: one ``<tbody class="qblock">`` per section (kept on one page).
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()
    source: str = ""
    threshold: int | None = None
    unit: str = "répondants"
    stub: str | None = ""
    digits: int = 1
    blocks: bool = False
    wide: bool | None = None
    rule_notes: bool = True
    extra_notes: tuple[str, ...] = field(default_factory=tuple)

    # -- checks and flags --------------------------------------------------------------------
    def __post_init__(self) -> None:
        width = len(self.columns)
        for row in self.rows:
            used = sum(c.span for c in row.cells)
            if used != width:
                raise TableError(
                    f"Table {self.title!r}: row {row.label!r} has {used} cell column(s) for "
                    f"{width} header(s) {list(self.columns)}."
                )

    def _cells(self):
        return (c for r in self.rows for c in r.cells)

    @property
    def has_hidden(self) -> bool:
        """A cell is hidden for disclosure (« s »)."""
        return any(c.kind == "hidden" for c in self._cells())

    @property
    def has_not_shown(self) -> bool:
        return any(c.kind == "nd" for c in self._cells())

    @property
    def has_flag(self) -> bool:
        return any(c.flag for c in self._cells())

    def notes_text(self) -> list[str]:
        """Notes under the table: the given notes, then (only when the table needs them) the
        « nd » note, the « † » note and the disclosure rule, then ``extra_notes`` and the source."""
        out = [t for t in self.notes if t]
        if self.rule_notes:
            if self.has_not_shown:
                out.append(NOT_SHOWN_NOTE)
            if self.has_flag:
                out.append(FLAG_NOTE)
            if self.has_hidden and self.threshold is not None:
                out.append(disclosure_rule_text(self.threshold, self.unit))
        out += [t for t in self.extra_notes if t]
        if self.source:
            out.append(self.source)
        return out

    # -- renderers ---------------------------------------------------------------------------
    def to_html(self) -> str:
        """The report markup (see module docstring); the one HTML renderer of the package."""
        n_cols = len(self.columns)
        body: list[str] = []
        current = None
        opened = False
        for row in self.rows:
            if row.section and row.section != current:
                if self.blocks:
                    body.append(("</tbody>" if opened else "") + '<tbody class="qblock">')
                    opened = True
                body.append(f'<tr class="question"><th colspan="{n_cols + 1}">'
                            f"{escape(row.section)}</th></tr>")
                current = row.section
            css = f' class="{row.css}"' if row.css else ""
            stub_style = f' style="{row.stub_style}"' if row.stub_style else ""
            tds = "".join(cell_html(c, self.digits) for c in row.cells)
            th = ("" if self.stub is None
                  else f'<th scope="row"{stub_style}>{escape(row.label)}</th>')
            body.append(f"<tr{css}>{th}{tds}</tr>")
        sections = sum(1 for b in body if b.startswith('<tr class="question"'))
        notes = self.notes_text()
        lines = sections + sum(_row_lines(row) for row in self.rows)
        wide = n_cols > 6 if self.wide is None else self.wide
        classes = ("arefie-table wide" if wide else "arefie-table") + (
            " fits-page" if lines <= KEEP_TOGETHER_LINES else "")
        tbody = "".join(body) + "</tbody>" if self.blocks and opened else None
        return table_html(self.title, _head_html(self.columns, self.stub), body,
                          notes, classes=classes, threshold=self.threshold,
                          tbody=tbody)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_frame(self) -> pd.DataFrame:
        """The published values, one row per table row, one column per header: numbers for
        shown estimates and counts (proportions as fractions), text cells as text, the marker
        (« s », « nd ») for hidden cells — never the value. A spanning cell fills its first
        column. The index is the row label (with the section when the table has sections)."""
        records, index = [], []
        for row in self.rows:
            values: list[object] = []
            for c in row.cells:
                values += [c.value()] + [np.nan] * (c.span - 1)
            records.append(values)
            index.append((row.section, row.label))
        frame = pd.DataFrame(records, columns=list(self.columns))
        if any(s for s, _ in index):
            frame.index = pd.MultiIndex.from_tuples(index, names=["section", "ligne"])
        else:
            frame.index = pd.Index([lab for _, lab in index], name="ligne")
        return frame

    def to_csv(self, path: str | Path) -> Path:
        """The values of :meth:`to_frame` as CSV (UTF-8 with BOM for spreadsheet software),
        then an empty line and the table's notes, one per line (first column)."""
        return write_csv(self.to_frame(), path, notes=self.notes_text())

    def to_xlsx(self, path: str | Path, *, sheet_name: str | None = None) -> Path:
        """One sheet: title, headers, one row per table row (numbers stored as numbers; each
        column holding CIs gets ``IC bas``/``IC haut`` columns), then the notes. Hidden cells
        hold their marker only."""
        from ._xlsx import write_xlsx

        return write_xlsx({sheet_name or self.title or "Tableau 1": self}, path)

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def from_estimates(
        cls,
        estimates: pd.DataFrame,
        *,
        title: str,
        columns: Sequence[tuple[str, str]] | None = None,
        row: str = "row",
        column: str = "column",
        threshold: int = 11,
        unit: str = "répondants",
        presentation: bool = False,
        notes: Sequence[str] = (),
        source: str = "",
        digits: int = 1,
        stub: str = "",
        extra_columns: Mapping[str, str] | None = None,
        stub_width: str = "",
    ) -> Table:
        """A table of estimates from tidy estimator output.

        ``estimates``: one row per table row × column with ``row`` (label), ``column`` (key of
        ``columns``), ``estimate``, ``ci_low``, ``ci_high``, ``n`` (unweighted base: respondents
        or ``unit``) and optionally ``section``, ``kind`` ('proportion' | 'mean'), ``mark``,
        ``hidden`` (already decided, e.g. by :func:`protected_shares`), ``se`` and ``df``.
        ``columns``: (key, header) pairs in display order (default: keys as they appear).

        Decisions: a cell is hidden (« s ») when ``hidden`` or ``1 <= n < threshold``; with
        ``presentation=True`` every proportion also goes through :func:`presentation_rule`
        (needs ``se`` and ``df``; Korn–Graubard ``ci_low``/``ci_high``): « nd » when
        suppressed, « † » when flagged. ``extra_columns`` maps a column of preformatted text
        (e.g. a test) to its header, read from the row's first cell; it is left blank (–) when a
        cell of its row is hidden (a difference or a test could reveal the hidden value).
        """
        df = _check_estimates(estimates, row, column)
        if "kind" not in df.columns:
            df["kind"] = "proportion"
        if "section" not in df.columns:
            df["section"] = ""
        df["section"] = df["section"].fillna("").astype(str)
        n = pd.to_numeric(df["n"], errors="coerce").fillna(0).to_numpy(float)
        hidden = (n > 0) & (n < threshold)
        if "hidden" in df.columns:
            hidden |= df["hidden"].fillna(False).astype(bool).to_numpy()
        decision = np.full(len(df), "show", dtype=object)
        if presentation:
            prop = (df["kind"] == "proportion").to_numpy() & ~hidden
            missing = [c for c in ("se", "df") if c not in df.columns]
            if missing and prop.any():
                raise TableError(
                    f"from_estimates(presentation=True): column(s) {missing} missing; the rule "
                    "needs se and df (design.proportion(..., ci_method='beta') gives them)."
                )
            if prop.any():
                ruled = presentation_rule(df.loc[prop, ["estimate", "se", "ci_low", "ci_high",
                                                        "n", "df"]])
                decision[prop] = ruled["decision"].to_numpy()
        keys = list(dict.fromkeys(df[column])) if columns is None else [k for k, _ in columns]
        heads = [str(k) for k in keys] if columns is None else [h for _, h in columns]
        extra = dict(extra_columns or {})
        df["_key"] = df["section"] + "\x1f" + df[row].astype(str)
        dup = df.duplicated(["_key", column], keep=False)
        if dup.any():
            first_dup = df.loc[dup, ["section", row, column]].head(3).to_dict("records")
            raise TableError(
                f"from_estimates: {int(dup.sum())} rows share a (section, {row}, {column}), "
                f"e.g. {first_dup}; give one estimate per table cell."
            )
        by = {(rk, ck): i for i, (rk, ck) in enumerate(zip(df["_key"], df[column], strict=True))}
        rows = []
        style = f"min-width:{stub_width}" if stub_width else ""
        for rkey in dict.fromkeys(df["_key"]):
            first = int(np.flatnonzero(df["_key"].to_numpy() == rkey)[0])
            cells = []
            for k in keys:
                i = by.get((rkey, k))
                if i is None:
                    cells.append(Cell(kind="empty"))
                elif hidden[i]:
                    cells.append(Cell.hidden())
                elif decision[i] == "suppress":
                    cells.append(Cell.not_shown())
                else:
                    r = df.iloc[i]
                    mark = r["mark"] if "mark" in df.columns and isinstance(r["mark"], str) else ""
                    cells.append(Cell(
                        kind=str(r["kind"]), estimate=_num(r["estimate"]),
                        ci_low=_num(r["ci_low"]), ci_high=_num(r["ci_high"]),
                        n=_nonempty_n(r["n"]), mark=mark, flag=decision[i] == "flag",
                    ))  # fmt: skip
            any_hidden = any(c.is_hidden for c in cells)
            for col in extra:
                if any_hidden:  # left blank (–): the hidden cell's mark already says why
                    cells.append(Cell(kind="empty"))
                else:
                    cells.append(Cell(kind="text", text=str(df[col].iloc[first]), css="test"))
            rows.append(Row(label=str(df[row].iloc[first]), cells=tuple(cells),
                            section=str(df["section"].iloc[first]), stub_style=style))
        return cls(title=title, columns=tuple(heads) + tuple(extra.values()), rows=tuple(rows),
                   notes=tuple(notes), source=source, threshold=int(threshold), unit=unit,
                   stub=stub, digits=digits)

    @classmethod
    def from_counts(
        cls,
        counts: pd.DataFrame,
        *,
        title: str,
        threshold: int = 11,
        unit: str = "répondants",
        margins: bool | str = "both",
        total_label: str = "Ensemble",
        notes: Sequence[str] = (),
        source: str = "",
        stub: str = "",
    ) -> Table:
        """A count table (rows × columns of unweighted counts of ``unit``) with its published
        margins, protected by :func:`protect_table`: cells of 1 to ``threshold - 1`` hidden,
        plus complementary cells so that no hidden count can be narrowed to an interval
        shorter than ``threshold`` from the published cells and margins.

        ``margins``: ``"both"`` (a total column and a total row), ``"rows"`` (row totals
        only), ``"columns"``, ``"none"``.
        """
        if not isinstance(counts, pd.DataFrame) or counts.empty:
            raise TableError("from_counts: expected a non-empty DataFrame of counts.")
        values = counts.apply(pd.to_numeric, errors="coerce")
        arr = values.to_numpy(float)
        if not np.isfinite(arr).all() or (arr < 0).any() or (arr != np.round(arr)).any():
            bad = [str(c) for c in counts.columns if not np.isfinite(values[c]).all()
                   or (values[c] < 0).any()]
            raise TableError(
                f"from_counts: counts must be non-negative integers; bad column(s) {bad or '?'}."
            )
        _, hid = protect_table(arr, int(threshold), margins=margins)
        from ._audit import margin_mask

        unpublished = margin_mask(arr.shape, margins)
        show_row_tot = not unpublished[:-1, -1].all()
        show_col_tot = not unpublished[-1, :-1].all()
        ext = np.zeros((arr.shape[0] + 1, arr.shape[1] + 1))
        ext[:-1, :-1] = arr
        ext[:-1, -1] = arr.sum(axis=1)
        ext[-1, :-1] = arr.sum(axis=0)
        ext[-1, -1] = arr.sum()

        def cell(r: int, c: int) -> Cell:
            if hid[r, c]:
                return Cell.hidden()
            return Cell(kind="count", n=int(ext[r, c]))

        n_c = arr.shape[1]
        rows = []
        for i, label in enumerate(counts.index):
            cells = [cell(i, j) for j in range(n_c)] + ([cell(i, n_c)] if show_row_tot else [])
            rows.append(Row(label=str(label), cells=tuple(cells)))
        if show_col_tot:
            r = arr.shape[0]
            cells = [cell(r, j) for j in range(n_c)] + ([cell(r, n_c)] if show_row_tot else [])
            rows.append(Row(label=total_label, cells=tuple(cells), css="total"))
        heads = tuple(str(c) for c in counts.columns) + ((total_label,) if show_row_tot else ())
        return cls(title=title, columns=heads, rows=tuple(rows), notes=tuple(notes),
                   source=source, threshold=int(threshold), unit=unit, stub=stub)

    def with_title(self, title: str) -> Table:
        return replace(self, title=title)


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _check_estimates(estimates: pd.DataFrame, row: str, column: str) -> pd.DataFrame:
    if not isinstance(estimates, pd.DataFrame):
        raise TableError(
            f"from_estimates: expected a DataFrame, got {type(estimates).__name__}."
        )
    need = [row, column, "estimate", "ci_low", "ci_high", "n"]
    missing = [c for c in need if c not in estimates.columns]
    if missing:
        raise TableError(
            f"from_estimates: column(s) {missing} missing; got {list(estimates.columns)}. "
            f"Expected one row per table cell with {need}."
        )
    bad = sorted(set(estimates.get("kind", pd.Series(dtype=str)).dropna()) - {"proportion", "mean"})
    if bad:
        raise TableError(f"from_estimates: unknown kind(s) {bad}; expected proportion or mean.")
    return estimates.reset_index(drop=True).copy()
