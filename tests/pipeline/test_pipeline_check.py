"""``arefie-studies check``: every per-report check over the published reports and the portal.

A tagged PDF, a present download, a page without serious axe violation pass; an untagged PDF, a
missing listed file, an image without text alternative (axe ``image-alt``, critical) fail, and a
machine without Chromium is reported, never a silent pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arefie_studies.cli import main
from arefie_studies.pipeline.accessibility import axe_unavailable

PAGE = ("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Baromètre</title>"
        "</head><body><main><h1>Baromètre régional</h1><p>Données de synthèse — chiffres fictifs."
        "</p><p>En 2025, 49,3\u202f% des jeunes des Hauts-de-France sont satisfaits.</p>{extra}"
        "</main></body></html>")


def publish(reports: Path, extra: str = "", *, pdf: dict | None = None) -> Path:
    """One published report ``barometre/regional`` (HTML, tagged PDF unless ``pdf`` says how)."""
    import weasyprint

    vdir = reports / "barometre" / "regional"
    vdir.mkdir(parents=True)
    html = PAGE.format(extra=extra)
    (vdir / "report.html").write_text(html, encoding="utf-8")
    weasyprint.HTML(string=html).write_pdf(vdir / "report.pdf",
                                           **(pdf if pdf is not None else {"pdf_variant": "pdf/ua-1"}))
    meta = {"study": "barometre", "variant": "regional", "title": "Baromètre", "synthetic": True,
            "files": {"html": "report.html", "pdf": "report.pdf"}}
    (vdir / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return vdir


def check(capsys, reports: Path, *args: str) -> tuple[int, str]:
    code = main(["check", "--reports", str(reports), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_without_axe_a_clean_report_passes_and_says_axe_did_not_run(tmp_path, capsys):
    publish(tmp_path)
    code, text = check(capsys, tmp_path, "--sans-axe")
    assert code == 0
    assert "1 rapport(s) vérifié(s)" in text and "aucun problème" in text
    assert "axe-core non exécuté (--sans-axe)" in text


def test_an_untagged_pdf_fails_check_naming_the_report_and_the_file(tmp_path, capsys):
    publish(tmp_path, pdf={})
    code, text = check(capsys, tmp_path, "--sans-axe")
    assert code == 1
    assert "barometre/regional" in text and "report.pdf is not a tagged PDF" in text


def test_a_listed_file_that_is_missing_or_empty_fails(tmp_path, capsys):
    vdir = publish(tmp_path)
    meta = json.loads((vdir / "meta.json").read_text(encoding="utf-8"))
    meta["files"].update({"xlsx:part": "tableau-part.xlsx", "csv:part": "tableau-part.csv"})
    (vdir / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (vdir / "tableau-part.csv").write_bytes(b"")
    code, text = check(capsys, tmp_path, "--sans-axe")
    assert code == 1
    assert "tableau-part.xlsx (xlsx:part) est listé dans meta.json mais absent" in text
    assert "tableau-part.csv (csv:part) est vide" in text


def test_missing_chromium_is_reported_and_fails(tmp_path, capsys, monkeypatch):
    publish(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # neither chromium nor npm found
    code, text = check(capsys, tmp_path)
    assert code == 1
    assert "axe-core NON EXÉCUTÉ" in text and "Chromium n'est pas installé" in text


@pytest.fixture
def axe_ready():
    reason = axe_unavailable()
    if reason:
        pytest.skip(f"axe-core cannot run here: {reason}")


@pytest.mark.slow
def test_axe_runs_over_the_report_and_the_portal_in_one_go(tmp_path, capsys, axe_ready):
    publish(tmp_path)
    (tmp_path / "index.html").write_text(PAGE.format(extra=""), encoding="utf-8")
    (tmp_path / "territoires").mkdir()
    (tmp_path / "territoires" / "region.html").write_text(PAGE.format(extra=""), encoding="utf-8")
    code, text = check(capsys, tmp_path)
    assert code == 0, text
    assert "axe-core sur 3 page(s)" in text and "aucune violation grave ou critique" in text


@pytest.mark.slow
def test_a_serious_axe_violation_fails_check_naming_page_and_rule(tmp_path, capsys, axe_ready):
    # an image without text alternative (critical) and a link told by colour alone (serious)
    bad = ('<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40"></p>'
           '<p style="color:#000">Voir <a href="#x" style="color:#111;text-decoration:none">'
           'le tableau</a> ci-dessous.</p>')
    publish(tmp_path, bad)
    code, text = check(capsys, tmp_path)
    assert code == 1
    assert "barometre/regional/report.html" in text
    assert "[critical] image-alt" in text
