"""Files of a report folder: the executed notebook, HTML/SVG, PDF, and downloads (XLSX, CSV, JSON,
text, Markdown).  Data files the scan cannot read (Parquet, SPSS, Stata, pickles, archives…) are
findings themselves: they must not be published unread.  The pipeline's own ``meta.json``
(fingerprint, parameters, input hashes) is not study output and is skipped; so are raster images.

PDFs are read for identifiers only: the report's PDF is printed from its HTML, whose tables and
text are scanned in full.  PDF text comes from ``pdftotext`` (poppler) or, failing that, ``pypdf``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from arefie_studies.pipeline.leakscan.htmldoc import scan_html
from arefie_studies.pipeline.leakscan.model import LeakFinding, ScanRules, Where
from arefie_studies.pipeline.leakscan.notebook import scan_notebook
from arefie_studies.pipeline.leakscan.payloads import (
    scan_csv_text,
    scan_json_value,
    scan_markdown,
    scan_xlsx_bytes,
)
from arefie_studies.pipeline.leakscan.text import identifier_findings, scan_text

__all__ = ["DATA_SUFFIXES", "pdf_text", "scan_file", "scan_files", "scan_report_dir"]

#: Data files that cannot be read for leaks: never published.
DATA_SUFFIXES = {".parquet", ".feather", ".arrow", ".sav", ".zsav", ".por", ".dta", ".sas7bdat",
                 ".xpt", ".rds", ".rdata", ".rda", ".pkl", ".pickle", ".npy", ".npz", ".h5", ".hdf5",
                 ".sqlite", ".db", ".xls", ".ods", ".zip", ".gz", ".bz2", ".xz", ".7z", ".tar"}


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


def _is_pipeline_meta(path: Path) -> bool:
    if path.name != "meta.json":
        return False
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and "fingerprint" in meta and "files" in meta


def scan_file(path: Path, rules: ScanRules, name: str | None = None) -> list[LeakFinding]:
    """Findings in one file (``name``: how findings call it; default its path)."""
    path = Path(path)
    name = name or str(path)
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        import nbformat

        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        return scan_notebook(nb, rules, name)
    if suffix in (".html", ".htm", ".xhtml", ".svg"):
        return scan_html(path.read_text(encoding="utf-8", errors="replace"), rules, name,
                         where=Where(name, suffix.lstrip(".")))
    if suffix == ".pdf":
        text = pdf_text(path)
        if text is None:
            if rules.identifier_values:
                return [LeakFinding(name, "unscanned",
                                    "no PDF text extractor (install poppler-utils or pypdf)")]
            return []
        return identifier_findings(text, rules, Where(name, "pdf"))
    if suffix in (".xlsx", ".xlsm"):
        return scan_xlsx_bytes(path.read_bytes(), rules, Where(name, "xlsx"))
    if suffix in (".csv", ".tsv"):
        return scan_csv_text(path.read_text(encoding="utf-8-sig", errors="replace"), rules,
                             Where(name, suffix.lstrip(".")))
    if suffix in (".json", ".geojson"):
        if _is_pipeline_meta(path):
            return []
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            return scan_json_value(json.loads(text), rules, Where(name, "json"))
        except ValueError:
            return scan_text(text, rules, Where(name, "json (invalid)"))
    if suffix in (".txt", ".log"):
        return scan_text(path.read_text(encoding="utf-8", errors="replace"), rules, Where(name, "text"))
    if suffix == ".md":
        return scan_markdown(path.read_text(encoding="utf-8", errors="replace"), rules,
                             Where(name, "markdown"))
    if suffix in DATA_SUFFIXES:
        return [LeakFinding(name, "unscanned", f"a {suffix} data file cannot be checked for leaks "
                            "and must not be published (export aggregated tables as XLSX or CSV)")]
    return []


def scan_files(paths, rules: ScanRules, *, relative_to: Path | None = None) -> list[LeakFinding]:
    """Scan every file (folders and files of other types are skipped)."""
    findings: list[LeakFinding] = []
    for path in map(Path, paths):
        if not path.is_file():
            continue
        name = str(path.relative_to(relative_to)) if relative_to else str(path)
        try:
            findings += scan_file(path, rules, name)
        except Exception as exc:  # an unreadable file is refused, with its reason
            findings.append(LeakFinding(name, "unscanned", f"cannot be read for the leak scan "
                                        f"({type(exc).__name__}: {str(exc)[:200]}); fix or remove it"))
    return findings


def scan_report_dir(folder: Path, rules: ScanRules) -> list[LeakFinding]:
    """Every file below a report folder (names relative to it)."""
    folder = Path(folder)
    return scan_files(sorted(folder.rglob("*")), rules, relative_to=folder)
