"""HTML (and SVG) documents: every text node, attribute, comment, script, embedded payload and
table is scanned.

- Cells marked by the tables module: an element with ``data-n`` must have n ≥ threshold unless
  it is hidden; a hidden element (``data-suppressed="1"`` or class ``suppressed``) must carry no
  digit at all, in its text or in any attribute of it or inside it (``data-n``, ``title``, ``alt``,
  ``aria-label``…; only layout attributes — class, id, style, colspan, rowspan, scope, headers —
  are exempt).
- Every ``<table>`` — from :mod:`arefie_studies.tables`, pandas, or written by hand — becomes a
  :class:`~.grid.Grid` (row and column spans resolved) and gets the small-count and row-level
  checks.
- Text (blocks separated, so ``3`` in one cell and ``jeunes`` in the next are not read together),
  content attributes (``alt``, ``title``, ``aria-*``, ``data-*``, links…) and comments: identifier
  values and shapes, counts in prose.  ``<style>`` is not read.
- ``<script>`` bodies: JSON data (``type="application/json"``, or literals after ``=``) is scanned as
  data, the rest as text; ``data:`` URIs are decoded (CSV, JSON, text, SVG, XLSX); raster images
  are not read.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from arefie_studies.pipeline.leakscan.grid import (
    Cell,
    Grid,
    Row,
    analyse_grid,
    int_value,
    text_grids,
)
from arefie_studies.pipeline.leakscan.model import LeakFinding, ScanRules, Where
from arefie_studies.pipeline.leakscan.text import scan_text

__all__ = ["scan_html"]

_BLOCK = {"p", "div", "td", "th", "tr", "li", "ul", "ol", "table", "thead", "tbody", "tfoot", "br",
          "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "main", "nav",
          "figure", "figcaption", "caption", "dl", "dt", "dd", "pre", "blockquote", "hr", "img",
          "svg", "g", "text", "title", "option", "label", "form", "aside", "details", "summary"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
#: Layout attributes: never read for counts (pandas' ``row0 col1`` classes, spans).
_LAYOUT = {"class", "id", "style", "colspan", "rowspan", "scope", "headers", "width", "height",
           "align", "valign", "span", "tabindex", "dir", "lang", "role", "data-suppressed",
           "data-not-shown", "border",
           "cellpadding", "cellspacing"}
#: SVG geometry and presentation: numbers only, never read.
_GEOMETRY = {"d", "points", "transform", "viewbox", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r",
             "rx", "ry", "dx", "dy", "fill", "stroke", "stroke-width", "font-size", "opacity",
             "offset", "stop-color", "clip-path", "stroke-linecap", "stroke-linejoin",
             "preserveaspectratio", "version", "xmlns", "xmlns:xlink", "xmlns:dc", "xmlns:cc",
             "xmlns:rdf", "xmlns:svg", "font-family", "text-anchor", "fill-opacity",
             "stroke-dasharray", "stroke-miterlimit", "patternunits", "gradientunits",
             "style", "charset", "http-equiv", "name", "rel", "type", "media", "target", "for"}
_DIGIT = re.compile(r"[0-9]")
_SEP = " ¶ "


class _Doc(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.pre_texts: list[str] = []
        self.attrs: dict[str, list[str]] = {}  # content attributes by name
        self.id_attrs: list[str] = []  # layout attributes: identifiers only
        self.comments: list[str] = []
        self.scripts: list[tuple[str, str]] = []  # (type, body)
        self.data_uris: list[tuple[str, str]] = []  # (attribute, uri)
        self.marked_small: list[str] = []  # data-n values under the threshold / unreadable
        self.hidden_digits: list[str] = []
        self.grids: list[Grid] = []
        self.threshold = 11
        self._stack: list[str] = []
        self._marks: list[dict] = []  # open marked elements
        self._tables: list[dict] = []
        self._script: dict | None = None
        self._style = 0

    # ---------------------------------------------------------------- elements
    def handle_starttag(self, tag, attrs):
        self._open(tag, attrs, void=tag in _VOID)

    def handle_startendtag(self, tag, attrs):
        self._open(tag, attrs, void=True)

    def _open(self, tag: str, attrs, *, void: bool) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "style":
            self._style += 0 if void else 1
            return
        if tag == "script" and not void:
            self._script = {"type": a.get("type", ""), "body": []}
        if tag in _BLOCK:
            self.text.append(_SEP)
        for name, value in a.items():
            self._attribute(tag, name, value)
        classes = a.get("class", "").split()
        hidden = a.get("data-suppressed") == "1" or "suppressed" in classes
        for mark in self._marks:  # attributes inside a hidden element
            if mark["hidden"]:
                mark["attrs"] += [f'{k}="{v}"' for k, v in a.items()
                                  if k not in _LAYOUT and _DIGIT.search(v)]
        if "data-n" in a or hidden:
            if hidden:
                own = [f'{k}="{v}"' for k, v in a.items() if k not in _LAYOUT and _DIGIT.search(v)]
            else:
                own = []
                raw = a["data-n"]
                try:
                    if int(raw.strip()) < self.threshold:
                        self.marked_small.append(raw)
                except ValueError:
                    self.marked_small.append(raw)
            mark = {"tag": tag, "hidden": hidden, "attrs": own, "text": [], "depth": len(self._stack)}
            if void:
                self._close_mark(mark)
            else:
                self._marks.append(mark)
        self._table_open(tag, a, hidden=hidden, marked="data-n" in a, n=_int(a.get("data-n")))
        if not void:
            self._stack.append(tag)

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if not value.strip() or name in ("data-n",):
            return
        if value.lstrip()[:5].lower() == "data:":
            self.data_uris.append((name, value.strip()))
            return
        if name in _GEOMETRY or name.startswith(("on", "stroke", "font")):
            return
        if name in _LAYOUT:
            self.id_attrs.append(value)
        else:
            self.attrs.setdefault(name, []).append(value)

    def handle_endtag(self, tag):
        if tag == "style":
            self._style = max(0, self._style - 1)
            return
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script["type"], "".join(self._script["body"])))
            self._script = None
        if tag not in self._stack:
            return
        while self._stack:
            open_tag = self._stack.pop()
            depth = len(self._stack)
            self._table_close(open_tag)
            while self._marks and self._marks[-1]["depth"] >= depth:
                self._close_mark(self._marks.pop())
            if open_tag == tag:
                break
        if tag in _BLOCK:
            self.text.append(_SEP)

    def _close_mark(self, mark: dict) -> None:
        if not mark["hidden"]:
            return
        text = " ".join("".join(mark["text"]).split())
        # the rule itself ("< 11", "moins de 11 répondants") says nothing about the cell
        bare = re.sub(rf"(?:<|≤|(?i:moins\s+de|inf[ée]rieure?s?\s+[àa]))\s*{self.threshold}(?!\d)", "",
                      text)
        if _DIGIT.search(bare) or mark["attrs"]:
            shown = "; ".join(([f"text «{text[:40]}»"] if _DIGIT.search(bare) else []) + mark["attrs"][:3])
            self.hidden_digits.append(f"<{mark['tag']}> {shown}")

    def handle_data(self, data):
        if self._style:
            return
        if self._script is not None:
            self._script["body"].append(data)
            return
        self.text.append(data)
        if "\n" in data.strip() and "  " in data:
            self.pre_texts.append(data)
        for mark in self._marks:
            mark["text"].append(data)
        if self._tables and self._tables[-1]["cell"] is not None:
            self._tables[-1]["cell"]["text"].append(data)

    def handle_comment(self, data):
        if data.strip():
            self.comments.append(data)

    # ---------------------------------------------------------------- tables
    def _table_open(self, tag: str, a: dict, *, hidden: bool, marked: bool, n: int | None) -> None:
        if tag == "table":
            self._tables.append({"head": 0, "rows": [], "row": None, "cell": None, "thead": False})
            return
        if not self._tables:
            return
        t = self._tables[-1]
        if tag == "thead":
            t["head"] += 1
            t["thead"] = True
        elif tag == "tr":
            self._end_cell(t)
            self._end_row(t)
            t["row"] = {"head": t["head"] > 0, "cells": []}
        elif tag in ("td", "th"):
            self._end_cell(t)
            if t["row"] is None:
                t["row"] = {"head": t["head"] > 0, "cells": []}
            t["cell"] = {"tag": tag, "text": [], "hidden": hidden, "marked": marked, "n": n,
                         "colspan": _span(a.get("colspan")), "rowspan": _span(a.get("rowspan"))}

    def _table_close(self, tag: str) -> None:
        if not self._tables:
            return
        t = self._tables[-1]
        if tag in ("td", "th"):
            self._end_cell(t)
        elif tag == "tr":
            self._end_cell(t)
            self._end_row(t)
        elif tag == "thead":
            t["head"] = max(0, t["head"] - 1)
        elif tag == "table":
            self._end_cell(t)
            self._end_row(t)
            self._tables.pop()
            grid = _grid(t["rows"], has_thead=t["thead"])
            if grid is not None:
                self.grids.append(grid)

    @staticmethod
    def _end_cell(t: dict) -> None:
        if t["cell"] is not None and t["row"] is not None:
            cell = t["cell"]
            cell["text"] = " ".join("".join(cell["text"]).split())
            t["row"]["cells"].append(cell)
        t["cell"] = None

    @staticmethod
    def _end_row(t: dict) -> None:
        if t["row"] is not None and t["row"]["cells"]:
            t["rows"].append(t["row"])
        t["row"] = None


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except (TypeError, ValueError):
        return 1


def _grid(rows: list[dict], *, has_thead: bool = False) -> Grid | None:
    """Rows of raw cells → a grid, row and column spans resolved (positions are absolute).  Header
    rows: those in ``<thead>`` or, without one, the leading rows of ``<th>`` only; a ``<th>``-only
    row further down is a section title (a question), not a header."""
    pending: dict[int, list] = {}  # position -> [rows left, cell]
    placed_rows = []
    for row in rows:
        placed: list[tuple[int, dict, bool]] = []  # (position, cell, is a span copy)
        cells = list(row["cells"])
        pos = 0
        while cells or any(p >= pos for p in pending):
            if pos in pending:
                left, cell = pending[pos]
                placed.append((pos, cell, True))
                if left <= 1:
                    del pending[pos]
                else:
                    pending[pos][0] = left - 1
                pos += 1
                continue
            if not cells:
                pos += 1
                if pos > 1000:
                    break
                continue
            cell = cells.pop(0)
            for k in range(cell["colspan"]):
                placed.append((pos + k, cell, k > 0))
                if cell["rowspan"] > 1:
                    pending[pos + k] = [cell["rowspan"] - 1, cell]
            pos += cell["colspan"]
        placed_rows.append((row, placed))
    headers: dict[int, str] = {}
    grid = Grid()
    body_started = False
    label_positions: set[int] | None = None
    for row, placed in placed_rows:
        has_td = any(c["tag"] == "td" for _, c, _ in placed)
        if row["head"] or (not has_td and not body_started and not has_thead):
            for pos, cell, _ in placed:
                if cell["text"]:
                    headers[pos] = cell["text"]
            continue
        if not has_td:
            continue  # a section row inside the body (a question's title)
        body_started = True
        labels, values = [], []
        for pos, cell, copy in placed:
            if cell["tag"] == "th" and not values:
                labels.append((pos, cell["text"]))
            elif not copy:
                values.append(Cell(cell["text"], col=pos, hidden=cell["hidden"], marked=cell["marked"],
                                   n=cell["n"]))
        if label_positions is None:
            label_positions = {p for p, _ in labels}
        grid.rows.append(Row(" / ".join(t for _, t in labels if t), values))
    if not grid.rows:
        return None
    if not any(r.label for r in grid.rows):  # hand-written: labels in the first <td>
        firsts = [r.cells[0] for r in grid.rows if r.cells]
        if firsts and sum(bool(c.text) and int_value(c) is None and not _DIGIT.search(c.text)
                          for c in firsts) >= 0.8 * len(grid.rows):
            pos = firsts[0].col
            if all(c.col == pos for c in firsts):
                label_positions = {pos}
                for r in grid.rows:
                    r.label, r.cells = r.cells[0].text, r.cells[1:]
    grid.labelled = any(r.label for r in grid.rows)
    grid.label_header = " / ".join(headers[p] for p in sorted(label_positions or ()) if p in headers)
    grid.headers = {p: h for p, h in headers.items() if p not in (label_positions or ())}
    return grid


_JSON_AFTER_EQ = re.compile(r"[=:(]\s*(?=[\[{])")


def _script_findings(kind: str, body: str, rules: ScanRules, where: Where) -> list[LeakFinding]:
    import json

    from arefie_studies.pipeline.leakscan.payloads import scan_json_value

    if not body.strip():
        return []
    if "json" in kind.lower():
        try:
            return scan_json_value(json.loads(body), rules, where)
        except ValueError:
            return scan_text(body, rules, where, tables=False)
    out = scan_text(body, rules, where, prose=True, tables=False)
    decoder = json.JSONDecoder()
    for m in list(_JSON_AFTER_EQ.finditer(body))[:200]:
        try:
            value, _ = decoder.raw_decode(body, m.end())
        except ValueError:
            continue
        if isinstance(value, (list, dict)) and value:
            out += scan_json_value(value, rules, where.at("literal"), strings=False)
    return out


def scan_html(text: str, rules: ScanRules, source: str = "<html>", *, where: Where | None = None
              ) -> list[LeakFinding]:
    """Findings in one HTML (or SVG) document; ``where`` names the notebook cell and channel
    (default: the file ``source``, channel ``html``)."""
    from arefie_studies.pipeline.leakscan.payloads import scan_data_uri

    where = where or Where(source, "html")
    doc = _Doc()
    doc.threshold = rules.threshold
    doc.feed(text)
    doc.close()
    while doc._stack:  # unclosed elements at the end: close them (tables are still checked)
        doc.handle_endtag(doc._stack[-1])
    out: list[LeakFinding] = []
    if doc.hidden_digits:
        out.append(where.finding(
            "hidden_count",
            f"{len(doc.hidden_digits)} cell(s) marked hidden (data-suppressed / class suppressed) "
            "still carry a number (a hidden cell must carry no digit in its text or attributes): "
            + "; ".join(doc.hidden_digits[:3]), doc.hidden_digits[0]))
    if doc.marked_small:
        bad = [raw for raw in doc.marked_small if not raw.strip().isdigit()]
        detail = (f"{len(doc.marked_small)} cell(s) with data-n under the threshold {rules.threshold} "
                  f"and not marked data-suppressed=\"1\" (n = {', '.join(doc.marked_small[:8])})")
        if bad:
            detail += f"; unreadable data-n values: {bad[:3]}"
        out.append(where.finding("small_cell", detail, f'data-n="{doc.marked_small[0]}"'))
    for i, grid in enumerate(doc.grids, start=1):
        out += analyse_grid(grid, rules, where, f"table {i}")
    out += scan_text("".join(doc.text), rules, where, tables=False)
    for pre in doc.pre_texts:
        for i, grid in enumerate(text_grids(pre), start=1):
            out += analyse_grid(grid, rules, where, f"printed table {i}")
    for name, values in sorted(doc.attrs.items()):
        out += scan_text(_SEP.join(values), rules, where.at(f"@{name}"), tables=False)
    if doc.id_attrs:
        out += scan_text(_SEP.join(doc.id_attrs), rules, where.at("@class/@id"), prose=False,
                         tables=False)
    if doc.comments:
        out += scan_text(_SEP.join(doc.comments), rules, where.at("<!-- comment -->"), tables=False)
    for kind, body in doc.scripts:
        out += _script_findings(kind, body, rules, where.at("<script>"))
    for name, uri in doc.data_uris:
        out += scan_data_uri(uri, rules, where.at(f"@{name} data: URI"))
    return out

