"""Synthetic data and unrecorded code are unmistakable; the report's French passes the checker;
the PDF is tagged (PDF/UA) with its language and title."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from arefie_studies import french
from arefie_studies.pipeline.render import (
    SYNTHETIC_SOURCE,
    mark_synthetic_sources,
    render_html,
    render_report,
)

NNBSP = "\u202f"
PDFTOTEXT = shutil.which("pdftotext")
TABLE = (
    '<div class="arefie-table"><div class="table-title">Jeunes satisfaits</div><table>'
    "<tr><td>45,1" + NNBSP + "%</td></tr></table><div class=\"table-notes\">"
    "<p>Lecture" + NNBSP + ": 45" + NNBSP + "% des jeunes.</p>"
    "<p>Source" + NNBSP + ": AREFIE, baromètre 2025.</p></div></div>"
)


def _png() -> str:
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=72)
    ax.bar([0, 1], [1, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def notebook():
    nb = new_notebook()
    code = new_code_cell("x = 1", execution_count=1)
    code.outputs = [
        new_output("display_data", data={"text/html": TABLE, "text/plain": "T"}),
        new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"},
                   metadata={"arefie": {"caption": "Satisfaction des jeunes"}}),
        new_output("display_data", data={"text/markdown": "Le secret statistique est appliqué."},
                   metadata={"arefie": {"annex": "disclosure"}}),
    ]
    # the body has several pages so that every page footer can be checked
    long_text = "\n\n".join(f"Paragraphe {i} du rapport de synthèse." * 12 for i in range(40))
    nb.cells = [
        new_markdown_cell("# Satisfaction\n\n" + long_text),
        code,
        new_markdown_cell("Source" + NNBSP + ": UNML, baromètre national ; traitement AREFIE."),
        new_markdown_cell("Source : sans espace insécable, deux points."),
    ]
    return nb


META = {
    "study": "barometre",
    "wave": "2025",
    "date": "2026-12-04",
    "parameters": {"wave": 2025, "ml": "", "n_types": 0, "calibration_bounds": [0.2, 5.0],
                   "calibration": "raking", "pooled": True},
    "code_version": "0.1.0 (git 336f888-dirty)",
    "disclosure_threshold": 11,
    "synthetic": True,
}


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(notebook(), title="Baromètre", subtitle="Hauts-de-France",
                       variant="Rapport régional", metadata=META)


def test_synthetic_on_cover_banner_and_every_source_line(html):
    cover = re.search(r'<section class="title-page">.*?</section>', html, re.S).group(0)
    assert "Données de synthèse" in cover and "ne pas citer" in cover
    assert '<div class="synthetic-banner" role="note">' in html
    # every "Source :" paragraph, with NNBSP or ordinary space, gets the mark once
    sources = re.findall(r"<p>Source.*?</p>", html, re.S)
    assert len(sources) == 3
    assert all(SYNTHETIC_SOURCE in s for s in sources), sources
    # the figure's source is inside the image: the mark goes under it
    fig = re.search(r'<figure class="report-figure">.*?</figure>', html, re.S).group(0)
    assert SYNTHETIC_SOURCE in fig
    # idempotent: marking twice does not double the note
    assert mark_synthetic_sources(html).count(SYNTHETIC_SOURCE) == html.count(SYNTHETIC_SOURCE)


def test_real_data_has_no_synthetic_mark():
    md = {**META, "synthetic": False, "code_version": "0.1.0 (git 336f888)"}
    html = render_html(notebook(), title="Baromètre", metadata=md)
    assert "Données de synthèse" not in french.visible_text(html)
    assert "version de travail non enregistrée" not in html


def test_dirty_code_is_explained_on_the_cover(html):
    cover = re.search(r'<section class="title-page">.*?</section>', html, re.S).group(0)
    assert "produit à partir d’une version de travail non enregistrée du code" in cover
    assert not [i for i in french.lint_html(html) if i.code == "version-modifiee"]


def test_parameters_in_french_and_disclosure_once(html):
    prov = html[html.index('<section class="provenance">'):]
    for text in ("Vague / édition", "Mission Locale", "Nombre de types", "Bornes de calage",
                 "0,2 à 5", "aucune (rapport régional)", "calage sur marges"):
        assert text in prov, text
    assert "n_types" not in prov and "calibration_bounds" not in prov
    assert "pooled</span> <span class=\"untranslated\">(paramètre interne" in prov
    # the study's own secrecy text replaces the generic one (the audit saw both)
    annex = html[html.index('<section class="annex">'):html.index('<section class="provenance">')]
    assert annex.count("Le secret statistique est appliqué.") == 1
    assert "Aucune case d’un tableau publié" not in annex


def test_rendered_report_passes_the_french_checker(html):
    issues = [i for i in french.lint_html(html) if i.code != "anglais" or "pooled" not in i.extrait]
    assert issues == [], "\n".join(map(str, issues))


def _pdf_objects(data: bytes) -> bytes:
    """The PDF with its Flate streams decompressed (object streams hold the catalog)."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    from nbformat import write

    nb_path = out / "nb.ipynb"
    write(notebook(), nb_path)
    return render_report(nb_path, out, title="Baromètre", variant="Rapport régional",
                         metadata=META)["pdf"]


def test_pdf_is_tagged_with_language_and_title(pdf):
    raw = _pdf_objects(pdf.read_bytes())
    assert b"/StructTreeRoot" in raw and b"/MarkInfo" in raw
    assert re.search(rb"/Lang\s*\(fr\)", raw)
    assert b"pdfuaid" in raw  # the PDF/UA identification in the XMP metadata


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext not installed (apt package poppler-utils)")
def test_every_pdf_page_footer_says_synthetic(pdf):
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 4
    missing = [i + 1 for i, p in enumerate(pages) if "Données de synthèse" not in p]
    assert missing == [], f"pages without the notice: {missing}"


def test_parameter_values_in_french():
    from arefie_studies.pipeline.render import parameter_rows

    rows = parameter_rows({"variant": "regional", "departement": "", "exit_months": [6, 12],
                           "pooled": False, "horizon": 12.0})
    assert rows == [("Variante", "régional", True), ("Département", "aucun (rapport régional)", True),
                    ("Mois de mesure des sorties", "6 et 12", True), ("pooled", "non", False),
                    ("Horizon des parcours (mois)", "12", True)]
    assert parameter_rows({"variant": "departement-59"})[0][1] == "département 59"
