"""The layout rules of a report PDF (issue 11, point 8), checked on small PDFs rendered here by
WeasyPrint: half-empty pages, notes apart from their table, overlapping words, lines past the margin; and the quality
gate naming the file, the page and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

weasyprint = pytest.importorskip("weasyprint")

from arefie_studies.pipeline.layout_check import (  # noqa: E402
    LayoutCheckError,
    check_pdf,
    read_outline,
)
from arefie_studies.pipeline.quality import check_report  # noqa: E402

PAGE_CSS = """
@page { size: A4; margin: 20mm 18mm 20mm 18mm;
        @bottom-center { content: "Page " counter(page); font-size: 7pt; } }
html { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; }
.block { background: #999999; }
"""
TEXT = "<p>Les jeunes accompagnés décrivent leur situation de logement et leurs déménagements.</p>"


def pdf_of(tmp_path: Path, body: str, name: str = "report.pdf") -> Path:
    html = f"<html lang='fr'><head><style>{PAGE_CSS}</style></head><body>{body}</body></html>"
    path = tmp_path / name
    weasyprint.HTML(string=html).write_pdf(path, pdf_tags=True)  # tagged, as the renderer writes it
    return path


def block(mm: float) -> str:
    """A grey box ``mm`` high: ink without text (like a chart image)."""
    return f'<div class="block" style="height:{mm}mm"></div>'


def test_a_half_empty_page_before_ordinary_text_is_a_defect(tmp_path):
    pdf = pdf_of(tmp_path, f"<h1>Chapitre un</h1>{TEXT}{block(60)}"
                           f"<p style='break-before: page'>La suite du texte.</p>{block(150)}")
    defects = check_pdf(pdf, name="a.pdf")
    assert [(d.file, d.page, d.rule) for d in defects] == [("a.pdf", 1, "half-empty")]
    assert "La suite du texte" in defects[0].detail
    fill = float(defects[0].detail.split("fills ")[1].split("%")[0])
    assert 25 <= fill <= 40   # 60 mm block + heading and text, of 257 mm usable


def test_a_half_empty_page_before_a_chapter_or_at_the_end_is_fine(tmp_path):
    pdf = pdf_of(tmp_path, f"<h1>Chapitre un</h1>{TEXT}{block(60)}"
                           f"<h1 style='break-before: page'>Chapitre deux</h1>{TEXT}")
    assert [t for lvl, _p, t in read_outline(pdf) if lvl == 1] == ["Chapitre un", "Chapitre deux"]
    assert check_pdf(pdf) == []


def test_a_lone_fragment_before_a_chapter_is_a_stub(tmp_path):
    """A page holding only a stray line (a table's last row, seen under « Logiciels ») is a
    defect even when the next page starts a chapter; a short chapter end (~13 %) is not."""
    lone = "<table style='break-before: page'><tr><td>weasyprint</td><td>70.0</td></tr></table>"
    pdf = pdf_of(tmp_path, f"<h1>Chapitre un</h1>{TEXT}{block(200)}{lone}"
                           f"<h1 style='break-before: page'>Chapitre deux</h1>{TEXT}")
    defects = check_pdf(pdf)
    assert [(d.page, d.rule) for d in defects] == [(2, "stub")]
    assert "weasyprint" in defects[0].detail
    short_end = pdf_of(tmp_path, f"<h1>Chapitre un</h1>{TEXT}{block(200)}"
                                 f"<div style='break-before: page'></div>{block(30)}"
                                 f"<h1 style='break-before: page'>Chapitre deux</h1>{TEXT}", name="b.pdf")
    assert check_pdf(short_end) == []


def test_a_section_heading_is_not_a_chapter(tmp_path):
    pdf = pdf_of(tmp_path, f"<h1>Chapitre un</h1>{TEXT}{block(60)}"
                           f"<h2 style='break-before: page'>Une section</h2>{TEXT}")
    assert [(d.page, d.rule) for d in check_pdf(pdf)] == [(1, "half-empty")]


def test_a_page_filled_by_a_graphic_without_text_counts_as_full(tmp_path):
    pdf = pdf_of(tmp_path, f"{TEXT}{block(200)}<p style='break-before: page'>Suite.</p>")
    assert check_pdf(pdf) == []
    # the same page with a smaller graphic is half empty: the ink is what is measured
    pdf = pdf_of(tmp_path, f"{TEXT}{block(100)}<p style='break-before: page'>Suite.</p>")
    assert [(d.page, d.rule) for d in check_pdf(pdf)] == [(1, "half-empty")]


def test_the_contents_page_is_front_matter(tmp_path):
    pdf = pdf_of(tmp_path, f"<h2>Sommaire</h2>{TEXT}<p style='break-before: page'>Intro.</p>"
                           f"{block(200)}<p style='break-before: page'>Suite.</p>")
    assert check_pdf(pdf) == []


TABLE = ("<table><tr><th>Département</th><th>Part</th></tr>"
         + "".join(f"<tr><td>Ligne {i}</td><td>{i} %</td></tr>" for i in range(8)) + "</table>")


def test_a_note_pushed_to_the_next_page_is_a_defect(tmp_path):
    apart = pdf_of(tmp_path, f"{block(180)}{TABLE}"
                             "<p style='break-before: page'>Champ : jeunes accompagnés.</p>"
                             f"<p>Source : AREFIE.</p>{block(200)}")
    defects = check_pdf(apart, name="report.pdf")
    assert [(d.page, d.rule) for d in defects] == [(2, "note-apart")]
    assert "Champ" in defects[0].detail and "page 1" in defects[0].detail
    together = pdf_of(tmp_path, f"{block(180)}{TABLE}<p>Champ : jeunes accompagnés.</p>"
                                f"<p style='break-before: page'>Texte suivant.</p>{block(200)}",
                      name="together.pdf")
    assert check_pdf(together) == []


def test_overlapping_words_are_a_defect(tmp_path):
    over = ("<div style='position: relative; height: 30mm'>"
            "<p style='position: absolute; top: 0; left: 0'>Légende du graphique</p>"
            "<p style='position: absolute; top: 1mm; left: 4mm'>Intervalle de confiance</p></div>")
    defects = check_pdf(pdf_of(tmp_path, over + block(200)))
    assert [(d.page, d.rule) for d in defects] == [(1, "overlap")]
    assert "Légende" in defects[0].detail and "Intervalle" in defects[0].detail
    apart = over.replace("top: 1mm", "top: 12mm")
    assert check_pdf(pdf_of(tmp_path, apart + block(200), name="b.pdf")) == []


def test_a_table_wider_than_the_page_is_a_defect(tmp_path):
    """A table whose cells do not wrap runs past the right margin and is cut in print (seen in
    the CEJ regional report, Tableau 16); the same table with wrapping cells fits."""
    cell = "53,7 % sans / 53,9 % avec (18 / 24 Missions Locales)"
    row = "".join(f"<td style='white-space: nowrap'>{cell}</td>" for _ in range(3))
    wide = f"<table><tr>{row}</tr></table>" + block(200)
    defects = check_pdf(pdf_of(tmp_path, wide))
    assert [(d.page, d.rule) for d in defects] == [(1, "overflow")]
    assert "53,7 % sans" in defects[0].detail
    fits = wide.replace("white-space: nowrap", "white-space: normal")
    assert check_pdf(pdf_of(tmp_path, fits, name="b.pdf")) == []


def test_a_missing_or_broken_pdf_is_a_clear_error(tmp_path):
    with pytest.raises(LayoutCheckError, match="not found"):
        check_pdf(tmp_path / "absent.pdf")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 nothing here")
    with pytest.raises(LayoutCheckError, match=r"broken\.pdf"):
        check_pdf(tmp_path / "broken.pdf")


GOOD = ("<html><body><p>Données de synthèse — chiffres fictifs.</p><p>En 2025, 49,3\u202f% des "
        "jeunes des Hauts-de-France sont satisfaits.</p></body></html>")


def test_the_quality_gate_reports_a_layout_defect_with_file_page_and_rule(tmp_path):
    (tmp_path / "report.html").write_text(GOOD, encoding="utf-8")
    pdf_of(tmp_path, f"{TEXT}{block(200)}{TEXT}{block(40)}"
                     f"<p style='break-before: page'>Suite.</p>{block(200)}")
    issues = check_report(tmp_path, synthetic=True)
    assert [i.kind for i in issues] == ["layout"]
    assert issues[0].detail.startswith("report.pdf, page 2: half-empty: content fills ")
    (tmp_path / "report.pdf").unlink()
    pdf_of(tmp_path, f"{TEXT}{block(200)}")
    assert check_report(tmp_path, synthetic=True) == []
