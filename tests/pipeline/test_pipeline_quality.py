"""The quality gate every rendered report passes before publication (French text, synthetic
notice, links to its downloads): a report that fails is quarantined like a leaking one."""

from __future__ import annotations

from pathlib import Path

from arefie_studies.pipeline.quality import check_report

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
