"""Study module of the pipeline's test study (stdlib only, so a kernel starts and runs it fast).

Also holds ``render_report``, a fast stand-in for ``arefie_studies.pipeline.render.render_report``
with the same signature: it writes report.html (the notebook's outputs, no code) and a one-page
report.pdf whose text ``pdftotext`` can read.
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path


class DataValidationError(ValueError):
    """Stands for the io layer's error: raised by ``check`` to test clean input messages."""


def read_rows(path: str, departement: str = "") -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if not departement or r["departement"] == departement]


def check(rows: list[dict], fail: str) -> None:
    if fail == "input":
        raise DataValidationError("data/tiny.csv: column 'age' is missing (rows 1-60). "
                                  "Available: id, nom, sexe.")
    if fail == "crash":
        raise ZeroDivisionError("division by zero in the test study")


def table_html(rows: list[dict], threshold: int, *, small: bool = False) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["sexe"]] = counts.get(r["sexe"], 0) + 1
    if small:
        counts["X"] = 3
    body = []
    for sexe, n in sorted(counts.items()):
        if n < threshold and not small:
            body.append(f'<tr><th>{sexe}</th><td data-suppressed="1">s</td></tr>')  # no count at all
        else:
            body.append(f'<tr><th>{sexe}</th><td data-n="{n}">{n}</td></tr>')
    return ("<table><thead><tr><th>Sexe</th><th>Effectif</th></tr></thead><tbody>"
            + "".join(body) + "</tbody></table>")


def _pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF (Helvetica, WinAnsi) showing ``lines``, marked as tagged (a
    structure tree root and /MarkInfo) as the project's renderer's PDF/UA output is: the quality
    gate refuses an untagged PDF."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = "BT /F1 10 Tf 50 800 Td 14 TL " + " ".join(f"({esc(line)}) '" for line in lines) + " ET"
    stream = text.encode("cp1252", errors="replace")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /MarkInfo << /Marked true >> /StructTreeRoot 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /StructTreeRoot /K [] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def render_report(notebook: Path, out_dir: Path, *, title: str, subtitle: str = "",
                  variant: str = "", metadata: dict | None = None) -> dict[str, Path]:
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    parts, lines = [], [title, subtitle]
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                parts.append("".join(data["text/html"]))
            elif out.get("output_type") == "stream":
                text = "".join(out["text"])
                parts.append(f"<p>{html.escape(text)}</p>")
                lines += text.splitlines()
    date = (metadata or {}).get("date", "")
    doc = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)}'
           f"</title></head><body><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>"
           f"<p>{html.escape(str(date))}</p>" + "\n".join(parts) + "</body></html>")
    from arefie_studies.french import typographie_html

    out_dir = Path(out_dir)   # French spacing, as the project's renderer does
    (out_dir / "report.html").write_text(typographie_html(doc), encoding="utf-8")
    (out_dir / "report.pdf").write_bytes(_pdf([line for line in lines if line]))
    return {"html": out_dir / "report.html", "pdf": out_dir / "report.pdf"}
