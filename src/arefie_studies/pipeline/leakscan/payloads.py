"""Data payloads: JSON values, CSV text, XLSX workbooks, Markdown, ``data:`` URIs.

JSON: every string (keys included) is scanned as text; every table-shaped part — a list of
records, ``{"columns": …, "data": …}``, a dict of equal-length lists, a dict of dicts, a dict of
numbers — is scanned as a table.  CSV: the first row is the header.  XLSX: each sheet is a table
(header rows are the leading rows without numbers; cells formatted as percentages are not
counts) and its texts are scanned.  Markdown is converted to HTML (tables, ``alt`` and ``title``
included) and scanned as HTML.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
import urllib.parse
from typing import Any

from arefie_studies.pipeline.leakscan.grid import Cell, analyse_grid, grid_from_matrix
from arefie_studies.pipeline.leakscan.model import LeakFinding, ScanRules, Where
from arefie_studies.pipeline.leakscan.text import scan_text

__all__ = ["scan_csv_text", "scan_data_uri", "scan_json_value", "scan_markdown", "scan_xlsx_bytes"]

_SEP = " ¶ "
_MAX_NODES = 200_000


def _cell(value: Any) -> Cell | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return Cell(str(value))
    if isinstance(value, (int, float)):
        return Cell(str(value), number=value)
    if isinstance(value, (list, dict)):
        return Cell(json.dumps(value, ensure_ascii=False)[:200])
    return Cell(str(value))


def _tables_of(value: Any) -> list[list[list[Cell | None]]]:
    """Table-shaped parts of a JSON value, each as a matrix whose first row is the header."""
    if isinstance(value, list) and len(value) >= 1 and all(isinstance(v, dict) for v in value):
        keys = list(dict.fromkeys(k for v in value for k in v))
        scalar = [k for k in keys if all(not isinstance(v.get(k), (dict, list)) for v in value)]
        if scalar:
            return [[[Cell(k) for k in scalar]] + [[_cell(v.get(k)) for k in scalar] for v in value]]
    if isinstance(value, list) and len(value) >= 2 and all(isinstance(v, list) for v in value):
        return [[[_cell(x) for x in row] for row in value]]
    if not isinstance(value, dict) or not value:
        return []
    if isinstance(value.get("columns"), list) and isinstance(value.get("data"), list):
        index = value.get("index") if isinstance(value.get("index"), list) else None
        head = ([Cell("")] if index else []) + [Cell(str(c)) for c in value["columns"]]
        rows = []
        for i, row in enumerate(value["data"]):
            if isinstance(row, list):
                rows.append(([Cell(str(index[i]))] if index and i < len(index) else [])
                            + [_cell(x) for x in row])
        return [[head, *rows]]
    items = list(value.items())
    columns = [(k, v) for k, v in items if isinstance(v, list) and v
               and all(not isinstance(x, (dict, list)) for x in v)]
    if columns and len({len(v) for _, v in columns}) == 1:  # columns (a chart's x and y…)
        n = len(columns[0][1])
        return [[[Cell(str(k)) for k, _ in columns]]
                + [[_cell(v[i]) for _, v in columns] for i in range(n)]]
    if all(isinstance(v, dict) for _, v in items):
        inner = list(dict.fromkeys(k for _, v in items for k in v))
        if inner and all(not isinstance(x, (dict, list)) for _, v in items for x in v.values()):
            return [[[Cell("")] + [Cell(str(k)) for k in inner]]
                    + [[Cell(str(k))] + [_cell(v.get(c)) for c in inner] for k, v in items]]
    if len(items) >= 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for _, v in items):
        return [[[Cell(""), Cell("")]] + [[Cell(str(k)), _cell(v)] for k, v in items]]
    return []


def scan_json_value(value: Any, rules: ScanRules, where: Where, *, strings: bool = True
                    ) -> list[LeakFinding]:
    """Strings and table-shaped parts of a parsed JSON value (walked to any depth)."""
    texts: list[str] = []
    out: list[LeakFinding] = []
    stack: list[tuple[Any, bool]] = [(value, True)]  # (node, may it be read as a table)
    seen = 0
    n_tables = 0
    while stack and seen < _MAX_NODES:
        node, tabulate = stack.pop()
        seen += 1
        matrices = _tables_of(node) if tabulate else []
        for matrix in matrices:
            header_rows = 1 if matrix and all(c is None or c.number is None for c in matrix[0]) else 0
            grid = grid_from_matrix(matrix, header_rows=header_rows)
            if grid is not None:
                n_tables += 1
                out += analyse_grid(grid, rules, where, f"JSON table {n_tables}")
        if isinstance(node, dict):
            texts += [str(k) for k in node]
            stack += [(v, True) for v in node.values()]
        elif isinstance(node, list):
            # flat records of a table already read are not tables of their own
            flat = bool(matrices) and all(
                isinstance(v, (dict, list)) and not any(isinstance(x, (dict, list))
                                                        for x in (v.values() if isinstance(v, dict) else v))
                for v in node)
            stack += [(v, not flat) for v in node]
        elif isinstance(node, str):
            texts.append(node)
    if seen >= _MAX_NODES:
        out.append(where.finding("unscanned", f"JSON payload larger than {_MAX_NODES} values: "
                                 "only its beginning was read"))
    if strings and texts:
        out += scan_text(_SEP.join(texts), rules, where, tables=False)
    return out


def _sniff_dialect(text: str):
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def scan_csv_text(text: str, rules: ScanRules, where: Where) -> list[LeakFinding]:
    """A CSV download: one table (first row the header) and its texts."""
    rows = list(csv.reader(io.StringIO(text), _sniff_dialect(text)))
    matrix = [[Cell(v) if v != "" else None for v in row] for row in rows]
    out = []
    grid = grid_from_matrix(matrix, header_rows=1)
    if grid is not None:
        out += analyse_grid(grid, rules, where, "CSV table")
    out += scan_text(_SEP.join(v for row in rows for v in row if v), rules, where, tables=False)
    return out


def scan_xlsx_bytes(data: bytes, rules: ScanRules, where: Where) -> list[LeakFinding]:
    """Every sheet of a workbook: a table per sheet, and every text cell."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out: list[LeakFinding] = []
    try:
        for ws in wb.worksheets:
            sheet = where.at(f"sheet {ws.title!r}")
            matrix: list[list[Cell | None]] = []
            texts = []
            for row in ws.iter_rows():
                cells: list[Cell | None] = []
                for c in row:
                    v = getattr(c, "value", None)
                    cell = _cell(v)
                    if cell is not None and cell.number is not None:
                        cell.percent = "%" in str(getattr(c, "number_format", "") or "")
                    elif cell is not None:
                        texts.append(cell.text)
                    cells.append(cell)
                matrix.append(cells)
            grid = grid_from_matrix(matrix)
            if grid is not None:
                out += analyse_grid(grid, rules, sheet, "the sheet's table")
            out += scan_text(_SEP.join(texts), rules, sheet, tables=False)
    finally:
        wb.close()
    return out


def scan_markdown(text: str, rules: ScanRules, where: Where) -> list[LeakFinding]:
    """Markdown, as the report shows it (converted to HTML: tables, images' alt and title)."""
    from arefie_studies.pipeline.leakscan.htmldoc import scan_html

    try:
        import mistune
    except ImportError:  # no converter: read it as text (prose, identifiers, pipe tables)
        return scan_text(text, rules, where)
    return scan_html(mistune.html(text), rules, where=where)


_URI = re.compile(r"^data:(?P<mime>[^;,]*)(?P<params>(?:;[^;,]*)*),(?P<data>.*)$", re.S)
_RASTER = ("image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp", "image/bmp",
           "image/x-icon", "font/", "application/font", "application/x-font", "audio/", "video/")


def _decode(uri_data: str, base64_encoded: bool) -> bytes | None:
    if not base64_encoded:
        return urllib.parse.unquote_to_bytes(uri_data)
    try:
        data = re.sub(r"\s+", "", uri_data)
        return base64.b64decode(data + "=" * (-len(data) % 4), validate=False)
    except (binascii.Error, ValueError):
        return None


def scan_payload(mime: str, data: bytes, rules: ScanRules, where: Where) -> list[LeakFinding]:
    """Bytes of a known media type: XLSX, JSON, CSV, HTML/SVG/XML, Markdown or text."""
    from arefie_studies.pipeline.leakscan.htmldoc import scan_html

    mime = mime.lower().strip()
    if "spreadsheetml" in mime or data[:4] == b"PK\x03\x04":
        try:
            return scan_xlsx_bytes(data, rules, where)
        except Exception as exc:  # not a workbook: an archive the scan cannot read
            return [where.finding("unscanned", f"embedded {mime or 'zip'} payload cannot be read "
                                  f"({type(exc).__name__}); it must not be published unread")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [where.finding("unscanned", f"embedded binary payload ({mime or 'unknown type'}, "
                              f"{len(data)} bytes) cannot be read")]
    stripped = text.lstrip()
    if "json" in mime or ((not mime or mime == "text/plain") and stripped[:1] in ("[", "{")):
        try:
            return scan_json_value(json.loads(text), rules, where)
        except ValueError:
            pass
    if "csv" in mime or mime == "text/tab-separated-values":
        return scan_csv_text(text, rules, where)
    if "html" in mime or "xml" in mime or "svg" in mime:
        return scan_html(text, rules, where=where)
    if "markdown" in mime:
        return scan_markdown(text, rules, where)
    return scan_text(text, rules, where)


def scan_data_uri(uri: str, rules: ScanRules, where: Where) -> list[LeakFinding]:
    """A ``data:`` URI: raster images and fonts are skipped, anything else is decoded and scanned."""
    m = _URI.match(uri.strip())
    if not m:
        return []
    mime = m["mime"].lower()
    if mime.startswith(_RASTER):
        return []
    data = _decode(m["data"], ";base64" in m["params"].lower())
    if data is None:
        return [where.finding("unscanned", f"data: URI ({mime or 'no type'}) cannot be decoded")]
    return scan_payload(mime, data, rules, where.at(mime or "text/plain"))
