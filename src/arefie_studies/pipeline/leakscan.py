"""Leak scan: nothing identifying and no small cell in a published output.

Checks, on every HTML, PDF and XLSX of a report:

- identifier values: no value of a column declared identifying (``inputs.<name>.identifiers``,
  ``pseudonymise``, ``drop``, ``birth_dates`` and the codebook's ``id_columns``) appears in the text.  Matching is exact
  and case-sensitive on whole tokens (multi-word values: on the phrase); values shorter than 3
  characters and numbers shorter than 6 digits are not searched (they would match ordinary counts).
  Dates are searched as ``2003-04-12`` and ``12/04/2003``.  PDF text comes from ``pdftotext``
  (poppler) or, failing that, ``pypdf``.
- row-level tables (HTML): a table with as many body rows as the smallest identified input (of at
  least ``MIN_MICRODATA_ROWS`` rows), or with a column headed by an identifying column name.
- small cells (HTML): every element carrying ``data-n="<int>"`` (the unweighted count the tables
  module writes on each cell) has n ≥ the study's disclosure threshold or ``data-suppressed="1"``;
  and every unweighted count shown in a banner table's ``n`` row (``<tr class="effectifs"><th>n``)
  is ≥ the threshold unless its cell has class ``suppressed``.
  The PDF is printed from the same HTML, so its tables are covered by the HTML check.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["LeakFinding", "ScanRules", "pdf_text", "rules_for_study", "scan_files", "scan_html"]

#: Inputs smaller than this (e.g. the survey of the 42 ML) are too small for the row-count test:
#: a long banner table could have as many rows.  Their identifying columns are still checked.
MIN_MICRODATA_ROWS = 100
_TOKEN_FINE = re.compile(r"\w+")
_TOKEN_COARSE = re.compile(r"\w(?:[\w./@'-]*\w)?")


@dataclass(frozen=True)
class LeakFinding:
    """One problem found in one file: ``kind`` is identifier, row_level or small_cell."""

    file: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class ScanRules:
    """What a study's outputs must not contain."""

    threshold: int = 11
    identifier_values: frozenset[str] = field(default_factory=frozenset)
    identifier_columns: frozenset[str] = field(default_factory=frozenset)
    microdata_rows: int | None = None


def _searchable(value: str) -> bool:
    value = value.strip()
    if len(value) < 3:
        return False
    return not (value.isdigit() and len(value) < 6)


def _value_strings(series) -> set[str]:
    import pandas as pd

    s = series.dropna()
    if pd.api.types.is_datetime64_any_dtype(s):
        return set(s.dt.strftime("%Y-%m-%d")) | set(s.dt.strftime("%d/%m/%Y"))
    out: set[str] = set()
    for v in s.unique():
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if hasattr(v, "strftime"):
            out.update({v.strftime("%Y-%m-%d"), v.strftime("%d/%m/%Y")})
        else:
            out |= _date_forms(str(v).strip())
    return out


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def _date_forms(value: str) -> set[str]:
    """A value, plus its other date spelling when it is a date (ISO <-> dd/mm/yyyy)."""
    if m := _ISO.match(value):
        return {value, f"{m[3]}/{m[2]}/{m[1]}"}
    if m := _FR.match(value):
        return {value, f"{m[3]}-{m[2]}-{m[1]}"}
    return {value}


def rules_for_study(config, root: Path) -> ScanRules:
    """Scan rules of one study: its threshold and the identifying values of its inputs."""
    from arefie_studies.project.inputs import declared_codebook, read_input

    values: set[str] = set()
    columns: set[str] = set()
    rows: list[int] = []
    for spec in config.inputs.values():
        ident = set(spec.identifying_columns)
        declared = declared_codebook(spec, root) if spec.codebook else None
        if declared is not None:
            ident |= set(declared.id_columns)
        if not ident:
            continue
        columns |= ident
        if not (root / spec.path).is_file():
            continue
        df, _ = read_input(spec, root)
        if len(df) >= MIN_MICRODATA_ROWS:
            rows.append(len(df))
        for col in ident & set(map(str, df.columns)):
            values |= {v for v in _value_strings(df[col]) if _searchable(v)}
    return ScanRules(
        threshold=config.disclosure_threshold,
        identifier_values=frozenset(values),
        identifier_columns=frozenset(c.casefold() for c in columns),
        microdata_rows=min(rows) if rows else None,
    )


class _HTMLScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[int | None, str, bool, str]] = []  # (n, raw, suppressed, tag)
        self.tables: list[dict] = []
        self.count_rows: list[list[tuple[str, bool]]] = []  # banner "n" rows: (text, suppressed)
        self.text: list[str] = []  # text and attribute values (embedded data: URIs excluded)
        self._stack: list[dict] = []
        self._in_thead = 0
        self._cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.text.extend(v for _, v in attrs if v and not v.lstrip().startswith("data:"))
        if "data-n" in a:
            raw = a.get("data-n") or ""
            try:
                n = int(raw.strip())
            except ValueError:
                n = None
            self.cells.append((n, raw, a.get("data-suppressed") == "1", tag))
        if tag == "table":
            self._stack.append({"rows": 0, "headers": []})
        elif not self._stack:
            return
        elif tag == "thead":
            self._in_thead += 1
        elif tag == "tr":
            self._stack[-1]["row"] = {"head": self._in_thead > 0, "classes": (a.get("class") or "").split(),
                                      "cells": []}
        elif tag in ("td", "th"):
            self._cell = {"tag": tag, "classes": (a.get("class") or "").split(), "text": []}

    def handle_endtag(self, tag):
        if not self._stack:
            return
        t = self._stack[-1]
        row = t.get("row")
        if tag == "table":
            self.tables.append(self._stack.pop())
        elif tag == "thead":
            self._in_thead = max(0, self._in_thead - 1)
        elif tag in ("td", "th") and self._cell is not None:
            cell, self._cell = self._cell, None
            text = " ".join("".join(cell["text"]).split())
            if tag == "th":
                t["headers"].append(text)
            if row is not None:
                row["cells"].append((tag, text, "suppressed" in cell["classes"]))
        elif tag == "tr" and row is not None:
            cells = row["cells"]
            if any(c[0] == "td" for c in cells) and not row["head"]:
                t["rows"] += 1
            if "effectifs" in row["classes"] and cells and cells[0][:2] == ("th", "n"):
                self.count_rows.append([(text, sup) for tag_, text, sup in cells[1:] if tag_ == "td"])
            t["row"] = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"].append(data)


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def _banner_counts(rows: list[list[tuple[str, bool]]]) -> list[str]:
    """Unweighted counts of banner tables' ``n`` rows (tables without data-n markers)."""
    out = []
    for row in rows:
        for text, suppressed in row:
            digits = _SPACES.sub("", text)
            if not suppressed and digits.isdigit():
                out.append(digits)
    return out


def _text_findings(text: str, rules: ScanRules, source: str) -> list[LeakFinding]:
    if not rules.identifier_values:
        return []
    flat = " ".join(text.split())
    tokens = set(_TOKEN_FINE.findall(flat)) | set(_TOKEN_COARSE.findall(flat))
    found = []
    for value in rules.identifier_values:
        if " " in value:
            words = value.split()
            if words[0] in tokens and " ".join(words) in flat:
                found.append(value)
        elif value in tokens:
            found.append(value)
    if not found:
        return []
    shown = ", ".join(sorted(found)[:5]) + (" …" if len(found) > 5 else "")
    return [LeakFinding(source, "identifier",
                        f"{len(found)} identifying value(s) appear in the text: {shown}")]


def scan_html(text: str, rules: ScanRules, source: str = "<html>") -> list[LeakFinding]:
    """Findings in one HTML document (identifiers, row-level tables, small cells)."""
    parser = _HTMLScan()
    parser.feed(text)
    parser.close()
    findings = []
    small = [(n, raw) for n, raw, suppressed, _ in parser.cells
             if not suppressed and (n is None or n < rules.threshold)]
    small += [(int(c), c) for c in _banner_counts(parser.count_rows) if int(c) < rules.threshold]
    if small:
        bad = [raw for n, raw in small if n is None]
        detail = (f"{len(small)} cell(s) with data-n under the threshold {rules.threshold} and not "
                  f"marked data-suppressed=\"1\" (n = {', '.join(raw for _, raw in small[:8])})")
        if bad:
            detail += f"; unreadable data-n values: {bad[:3]}"
        findings.append(LeakFinding(source, "small_cell", detail))
    for i, table in enumerate(parser.tables, start=1):
        id_headers = [h for h in table["headers"] if h.casefold() in rules.identifier_columns]
        if id_headers:
            findings.append(LeakFinding(source, "row_level",
                                        f"table {i} has an identifying column: {id_headers[0]!r}"))
        elif rules.microdata_rows and table["rows"] >= rules.microdata_rows:
            findings.append(LeakFinding(
                source, "row_level",
                f"table {i} has {table['rows']} rows, as many as the microdata "
                f"({rules.microdata_rows} rows): individual records must not be published"))
    # identifiers anywhere in the document, attribute values included
    findings += _text_findings(" ".join(parser.text), rules, source)
    return findings


def pdf_text(path: Path) -> str | None:
    """Text of a PDF with ``pdftotext`` (poppler) or ``pypdf``; None if neither is available."""
    exe = shutil.which("pdftotext")
    if exe:
        out = subprocess.run([exe, "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                             check=False)
        if out.returncode == 0:
            return out.stdout.decode("utf-8", errors="replace")
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def _xlsx_text(path: Path) -> str:
    parts = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith(".xml") and (name.startswith("xl/worksheets/") or "sharedStrings" in name):
                xml = zf.read(name).decode("utf-8", errors="replace")
                parts.append(html.unescape(re.sub(r"<[^>]+>", " ", xml)))
    return "\n".join(parts)


def scan_files(paths, rules: ScanRules, *, relative_to: Path | None = None) -> list[LeakFinding]:
    """Scan HTML, PDF and XLSX files (other files are ignored)."""
    findings: list[LeakFinding] = []
    for path in map(Path, paths):
        name = str(path.relative_to(relative_to)) if relative_to else str(path)
        suffix = path.suffix.lower()
        if suffix in {".html", ".htm"}:
            findings += scan_html(path.read_text(encoding="utf-8", errors="replace"), rules, name)
        elif suffix == ".pdf":
            text = pdf_text(path)
            if text is None:
                if rules.identifier_values:
                    findings.append(LeakFinding(name, "unscanned",
                                                "no PDF text extractor (install poppler-utils or pypdf)"))
                continue
            findings += _text_findings(text, rules, name)
        elif suffix == ".xlsx":
            findings += _text_findings(_xlsx_text(path), rules, name)
    return findings
