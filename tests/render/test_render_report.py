"""End to end: execute a small notebook (a chart and a banner table), render HTML + PDF, and look
at them as a partner would: headless Chromium for the HTML, pdftoppm for the PDF pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from arefie_studies.pipeline.render import render_report

pytestmark = pytest.mark.slow

SRC = Path(__file__).parents[2] / "src"
FAKE = Path(__file__).parents[1] / "tables"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
PDFTOPPM = shutil.which("pdftoppm")
PDFTOTEXT = shutil.which("pdftotext")

CELLS = [
    new_code_cell(
        "import sys, warnings\n"
        f"sys.path.insert(0, {str(FAKE)!r})\n"
        "import matplotlib\nmatplotlib.use('Agg')\n"
        "from _fake import fake_cells, LABELS\n"
        "from arefie_studies import charts\n"
        "from arefie_studies.tables import BannerTable, source_note\n"
        "warnings.warn('bruit technique')\n"
        "print('trace technique', file=sys.stderr)",
        metadata={"tags": ["remove-output"]},
    ),
    new_markdown_cell("# Santé perçue\n\nLa moitié des jeunes déclarent un **bon** état de santé."),
    new_markdown_cell("## Selon le département"),
    new_code_cell(
        "t = BannerTable.from_cells(fake_cells(), labels=LABELS, title='État de santé perçu et âge',\n"
        "    source=source_note('Enquête santé jeunes', 2024, n=1251, weighting='calage sur marges'))\n"
        "t"
    ),
    new_code_cell(
        "import pandas as pd\n"
        "d = t.cells.query(\"question == 'etat' and breakdown == 'dep' and level == 'Bonne'\")\n"
        "fig = charts.bar_ci(d, y='group', sort=True, source='AREFIE, enquête santé jeunes 2024.')\n"
        "charts.show(fig, 'Jeunes en bonne santé perçue, par département')"
    ),
    new_markdown_cell("## Satisfaction"),
    new_code_cell(
        f"sys.path.insert(0, {str(Path(__file__).parents[1] / 'charts')!r})\n"
        "from _gallery import likert_frame\n"
        "charts.show(charts.likert_bars(likert_frame(), source='AREFIE, baromètre 2025.'), "
        "'Satisfaction des jeunes accompagnés', svg=True)"
    ),
]

METADATA = {
    "study": "Étude santé jeunes",
    "wave": "2024",
    "date": "2026-11-28",
    "partners": "ARS Hauts-de-France, OR2S",
    "parameters": {"departement": "59", "seuil_diffusion": 11},
    "inputs": {"data/sante_jeunes_2024.sav": "3f" * 32},
    "code_version": "tables-reports@test",
    "sample": "1 251 jeunes rencontrés dans les Missions Locales.",
    "weighting": "Calage sur marges (sexe × âge × département × niveau de qualification).",
    "variance": "Linéarisation de Taylor, strates et unités primaires du plan.",
    "disclosure": "Aucune case de moins de 11 répondants n’est publiée (secret statistique).",
}


def build_report(tmp: Path) -> dict[str, Path]:
    """Execute the sample notebook in ``tmp`` and render it to ``tmp / 'out'``."""
    from nbclient import NotebookClient

    nb = new_notebook(cells=[nbformat.from_dict(c) for c in CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(SRC) + (os.pathsep + old if old else "")
    try:
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp)}}
        ).execute()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    path = tmp / "executed.ipynb"
    nbformat.write(nb, path)
    return render_report(
        path,
        tmp / "out",
        title="Santé des jeunes en insertion",
        subtitle="Résultats de l’enquête 2024",
        variant="Nord",
        metadata=METADATA,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict[str, Path]:
    return build_report(tmp_path_factory.mktemp("report"))


def test_files_written(report):
    assert report["html"].name == "report.html" and report["html"].stat().st_size > 10_000
    assert report["pdf"].read_bytes()[:5] == b"%PDF-"


def test_html_has_figures_tables_and_no_code(report):
    html = report["html"].read_text(encoding="utf-8")
    assert html.count('<figure class="report-figure">') == 2
    assert "data:image/svg+xml;base64," in html  # the Likert chart came with its SVG
    assert 'class="arefie-table' in html
    for leak in (
        "BannerTable.from_cells",
        "charts.show",
        "import ",
        "bruit technique",
        "trace technique",
        "Traceback",
        "<script",
    ):
        assert leak not in html, leak


@pytest.mark.skipif(
    PDFTOPPM is None or PDFTOTEXT is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed",
)
def test_pdf_pages_figures_and_no_code(report, tmp_path):
    subprocess.run(
        [PDFTOPPM, "-r", "40", "-png", str(report["pdf"]), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 4  # title, contents, body, annex
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(report["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Figure 1 – Jeunes en bonne santé perçue" in text
    assert "Figure 2 – Satisfaction des jeunes accompagnés" in text
    assert "Tableau 1 – État de santé perçu et âge" in text
    assert f"Page 2 sur {len(pages)}" in text
    assert "Annexe méthodologique" in text and "Traçabilité" in text
    for leak in ("import ", "charts.show", "bruit technique", "Traceback"):
        assert leak not in text, leak
    # the body pages are not blank: some dark pixels
    from PIL import Image

    arr = np.asarray(Image.open(pages[2]).convert("L"))
    assert (arr < 128).mean() > 0.01


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt package chromium)")
def test_html_opens_in_headless_chromium(report, tmp_path):
    shot = tmp_path / "html.png"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,2400",
        f"--screenshot={shot}",
        report["html"].as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("L"))
    assert img.shape[0] >= 2000 and img.shape[1] >= 1100
    assert (img < 128).mean() > 0.005  # text and figures are drawn


if __name__ == "__main__":  # pragma: no cover - write a sample report to look at
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/arefie-sample-report")
    target.mkdir(parents=True, exist_ok=True)
    paths = build_report(target)
    subprocess.run(
        [PDFTOPPM, "-r", "80", "-png", str(paths["pdf"]), str(target / "pdf-page")], check=True
    )
    print(paths, sorted(target.glob("pdf-page-*.png")))
