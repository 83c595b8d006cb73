"""An executed notebook, output by output: every cell, every output type (``execute_result``,
``display_data``, ``stream`` stdout and stderr, ``error``), every mime type (``text/html``,
``text/plain``, ``text/markdown``, ``application/json`` and ``*+json``, ``image/svg+xml``,
``text/csv``…; raster images are not read), every output's ``metadata``, markdown cells with their
attachments, and the identifiers in code cells' source.  Findings name the cell (its index in the
original notebook — papermill's injected-parameters cell is not counted — and its first line) and
the channel."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from arefie_studies.pipeline.leakscan.htmldoc import scan_html
from arefie_studies.pipeline.leakscan.model import LeakFinding, ScanRules, Where
from arefie_studies.pipeline.leakscan.payloads import (
    scan_json_value,
    scan_markdown,
    scan_payload,
)
from arefie_studies.pipeline.leakscan.text import identifier_findings, scan_text

__all__ = ["scan_notebook"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_RASTER = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")
#: Cell metadata written by the tools, not by the study.
_TOOL_METADATA = {"papermill", "execution", "collapsed", "scrolled", "jupyter", "editable",
                  "deletable", "trusted"}


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:60]
    return ""


def _scan_mime(mime: str, value: Any, rules: ScanRules, where: Where) -> list[LeakFinding]:
    if mime.startswith(_RASTER):
        return []
    if mime == "application/json" or mime.endswith("+json"):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return scan_text(_text(value), rules, where)
        return scan_json_value(value, rules, where)
    text = _text(value)
    if mime == "text/html" or mime == "image/svg+xml":
        return scan_html(text, rules, where=where)
    if mime == "text/markdown":
        return scan_markdown(text, rules, where)
    if mime in ("text/plain", "text/latex", "application/javascript", "text/javascript"):
        return scan_text(text, rules, where, tables=mime == "text/plain")
    return scan_payload(mime, text.encode("utf-8"), rules, where)


def _attachments(cell, rules: ScanRules, where: Where) -> list[LeakFinding]:
    out = []
    for name, bundle in (cell.get("attachments") or {}).items():
        for mime, data in bundle.items():
            if mime.startswith(_RASTER):
                continue
            try:
                raw = base64.b64decode(_text(data))
            except (binascii.Error, ValueError):
                raw = _text(data).encode("utf-8")
            out += scan_payload(mime, raw, rules, where.at(f"attachment {name} {mime}"))
    return out


def scan_notebook(nb, rules: ScanRules, source: str = "notebook.ipynb") -> list[LeakFinding]:
    """Findings in every output of an executed notebook (an ``nbformat`` node or its dict)."""
    out: list[LeakFinding] = []
    injected = 0  # papermill's injected-parameters cells: indexes are the original notebook's
    for position, cell in enumerate(nb.get("cells", [])):
        src = _text(cell.get("source", ""))
        tags = (cell.get("metadata") or {}).get("tags", [])
        where = Where(source, cell=position - injected, source=_first_line(src))
        if "injected-parameters" in tags:
            injected += 1
            out += identifier_findings(src, rules, Where(source, "code (injected parameters)"))
            continue
        kind = cell.get("cell_type")
        meta = {k: v for k, v in (cell.get("metadata") or {}).items() if k not in _TOOL_METADATA}
        if meta:
            out += scan_json_value(meta, rules, where.at("cell metadata"))
        if kind == "markdown":
            out += scan_markdown(src, rules, where.at("markdown cell"))
            out += _attachments(cell, rules, where)
            continue
        if kind == "raw":
            out += scan_text(src, rules, where.at("raw cell"))
            continue
        out += identifier_findings(src, rules, where.at("code"))
        for output in cell.get("outputs", []):
            otype = output.get("output_type", "output")
            if otype == "stream":
                out += scan_text(_text(output.get("text", "")), rules,
                                 where.at(f"stream {output.get('name', 'stdout')}"))
                continue
            if otype == "error":
                text = "\n".join([output.get("ename", ""), output.get("evalue", ""),
                                  *map(str, output.get("traceback", []))])
                out += scan_text(_ANSI.sub("", text), rules, where.at("error"))
                continue
            for mime, value in (output.get("data") or {}).items():
                out += _scan_mime(mime, value, rules, where.at(f"{otype} {mime}"))
            if output.get("metadata"):
                out += scan_json_value(dict(output["metadata"]), rules, where.at(f"{otype} metadata"))
    return out
