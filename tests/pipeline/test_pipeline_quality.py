"""The quality gate every rendered report passes before publication (French text, synthetic
notice, links to its downloads): a report that fails is quarantined like a leaking one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from arefie_studies.pipeline.pdf_tags import untagged_reason
from arefie_studies.pipeline.quality import check_report, methods_issues, pdf_issues

GOOD = ("<html><body><p>Données de synthèse — chiffres fictifs.</p><p>En 2025, 49,3\u202f% des "
        "jeunes des Hauts-de-France sont satisfaits.</p><p><a href=\"tableau-part.xlsx\">XLSX</a>"
        " · <a href=\"../../index.html\">portail</a></p></body></html>")


def write(folder: Path, html: str, *files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text(html, encoding="utf-8")
    for f in files:
        (folder / f).write_bytes(b"x")
    return folder


def test_a_clean_report_passes(tmp_path):
    assert check_report(write(tmp_path, GOOD, "tableau-part.xlsx"), synthetic=True) == []


def test_each_audit_pattern_is_refused(tmp_path):
    bad = GOOD.replace("des Hauts-de-France", "pour Hauts-de-France").replace(
        "49,3\u202f%", "49,3 %") + "<p>Dans le cej, en Nord, wave 2025.</p>"
    kinds = {(i.kind, i.detail.split("]")[0]) for i in check_report(
        write(tmp_path, bad, "tableau-part.xlsx"), synthetic=True)}
    assert {k for k, _ in kinds} == {"french"}
    codes = {c.strip("[") for _, c in kinds}
    assert {"region-sans-article", "espace-pourcent", "sigle-minuscule", "en-departement",
            "anglais"} <= codes


def test_synthetic_data_must_say_so_and_links_must_resolve(tmp_path):
    silent = GOOD.replace("Données de synthèse — chiffres fictifs.", "")
    issues = check_report(write(tmp_path, silent), synthetic=True)
    assert [i.kind for i in issues] == ["synthetic", "link"]
    assert "tableau-part.xlsx" in issues[1].detail
    assert [i.kind for i in check_report(tmp_path, synthetic=False)] == ["link"]


def _pdf(path: Path, **options) -> Path:
    import weasyprint

    weasyprint.HTML(string="<html lang='fr'><title>Rapport</title><body><h1>Titre</h1><p>Texte."
                    "</p></body></html>").write_pdf(path, **options)
    return path


# the CEJ report's annex as it was rendered at a30f027: a « Méthodes » chapter pointing to the
# annex, the precision and the secrecy rule stated twice, a lead repeated by its sentence
OLD_CEJ_ANNEX = (
    "<h1 id=\"methodes\">Méthodes</h1><p>Les sources, les méthodes… sont présentées dans l'annexe "
    "méthodologique.</p><section class=\"annex\"><h1 class=\"annex-title\" id=\"annexe-methodologique\">"
    "Annexe méthodologique</h1><h2>Estimation de la précision</h2><div class=\"annex-text\"><p><strong>"
    "Règle de présentation des proportions.</strong> Règle de présentation des proportions (norme du "
    "National Center for Health Statistics).</p></div><h2>Secret statistique</h2><div><p>Aucune case…"
    "</p></div><h2>Remarques</h2><div><p><strong>Données.</strong> Extractions i-Milo.</p><p><strong>"
    "Précision.</strong> Les intervalles…</p><p><strong>Secret statistique.</strong> Aucune case…</p>"
    "</div></section>")


def test_methods_stated_twice_fail_the_gate():
    issues = [str(i) for i in methods_issues(OLD_CEJ_ANNEX)]
    assert len(issues) == 4 and all(i.startswith("methods: ") for i in issues)
    assert any("« méthodes » is stated 2 times" in i for i in issues)
    assert any("« précision » is stated 2 times" in i for i in issues)
    assert any("« secret statistique » is stated 2 times" in i for i in issues)
    assert any("« règle de présentation des proportions » is repeated" in i for i in issues)
    once = ("<section class=\"annex\"><h1>Annexe méthodologique</h1><h2>Estimation de la précision</h2>"
            "<div><p>Les intervalles…</p><p>Règle de présentation des proportions (norme…).</p></div>"
            "<h2>Secret statistique</h2><div><p>Aucune case…</p></div><h2>Remarques</h2><div><p><strong>"
            "Trajectoires.</strong> Séquences mensuelles.</p></div></section>")
    assert methods_issues(once) == []


def test_an_untagged_pdf_fails_the_gate_naming_the_file(tmp_path):
    folder = write(tmp_path / "r", GOOD, "tableau-part.xlsx")
    _pdf(folder / "report.pdf")  # WeasyPrint's default: no structure tree
    issues = check_report(folder, synthetic=True)
    assert [i.kind for i in issues] == ["pdf"]
    assert "report.pdf" in issues[0].detail and "StructTreeRoot" in issues[0].detail


def test_a_tagged_pdf_passes_compressed_or_not(tmp_path):
    for options in ({"pdf_variant": "pdf/ua-1"}, {"pdf_tags": True, "uncompressed_pdf": True}):
        folder = write(tmp_path / str(len(options)), GOOD, "tableau-part.xlsx")
        _pdf(folder / "report.pdf", **options)
        assert check_report(folder, synthetic=True) == []


def test_a_damaged_pdf_is_an_issue_not_a_crash(tmp_path):
    folder = write(tmp_path, GOOD, "tableau-part.xlsx")
    (folder / "report.pdf").write_bytes(b"<html>not a pdf</html>")
    issues = pdf_issues(folder)
    assert [i.kind for i in issues] == ["pdf"] and "not a PDF" in issues[0].detail


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) not installed")
@pytest.mark.parametrize("options", [{}, {"pdf_variant": "pdf/ua-1"}, {"pdf_tags": True},
                                     {"pdf_tags": True, "uncompressed_pdf": True}])
def test_tagging_read_as_poppler_reads_it(tmp_path, options):
    import subprocess

    pdf = _pdf(tmp_path / "r.pdf", **options)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    poppler_tagged = "Tagged:          yes" in info
    assert poppler_tagged == (untagged_reason(pdf) == "") == bool(options)
