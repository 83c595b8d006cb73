"""The partners' portal (index with filters, territory pages) and what ``publish --to`` copies."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from arefie_studies.cli import main
from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.pipeline.portal import build_portal, portal_links
from arefie_studies.pipeline.publish import collect_published, publish_variant
from arefie_studies.pipeline.release import ReleaseRefused, copy_release
from arefie_studies.pipeline.territories import load_territories

REPO = Path(__file__).resolve().parents[2]
N = "\u202f"


def _report(layout, slug, variant, *, params, wave="2025", synthetic=False, dirty=False,
            label="", subtitle="", key_figures=()):
    tmp = layout.new_tmp()
    (tmp / "report.html").write_text("x" * 3000, encoding="utf-8")
    (tmp / "report.pdf").write_bytes(b"%PDF" + b"0" * 2_000_000)
    meta = {"study": slug, "variant": variant, "title": f"Étude {slug}", "label": label,
            "subtitle": subtitle, "wave": wave, "parameters": params, "synthetic": synthetic,
            "code_version": "0.1.0 (git abc1234" + ("-dirty)" if dirty else ")"),
            "date": "2026-11-28T10:05:00+00:00",
            "files": {"html": "report.html", "pdf": "report.pdf"}, "key_figures": list(key_figures)}
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    publish_variant(layout, slug, variant, tmp)


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    layout = ReportsLayout(root / "reports")
    _report(layout, "barometre", "regional", params={"wave": 2025, "ml": ""}, synthetic=True,
            label="Rapport régional", subtitle="Hauts-de-France")
    _report(layout, "barometre", "ml-5901", params={"wave": 2025, "ml": "5901"}, synthetic=True,
            subtitle="ML de Lille", key_figures=[
                {"label": "des jeunes satisfaits de leur Mission Locale", "value": f"92,6{N}%",
                 "detail": f"IC à 95{N}% [89,1{N}; 95,2] ; région : 94,0{N}%"},
                {"label": "rang parmi les 42 Missions Locales", "value": "s", "detail": ""}])
    _report(layout, "sante_jeunes", "departement-59", wave="2024",
            params={"wave": 2024, "departement": "59"}, subtitle="Département : Nord")
    for private in ("_logs/barometre", "_failed/barometre", ".tmp-0123"):
        (layout.reports / private).mkdir(parents=True, exist_ok=True)
        (layout.reports / private / "meta.json").write_text("{}")
    build_portal(layout, collect_published(layout), root)
    return root, layout


def test_index_has_labelled_filters_and_every_report(site):
    _, layout = site
    index = layout.index.read_text(encoding="utf-8")
    for control in ("q", "etude", "type", "territoire", "edition"):
        assert re.search(rf'<label for="f-{control}">[^<]+</label>', index), control
        assert f'id="f-{control}"' in index
    rows = re.findall(r"<tr data-etude=.*?</tr>", index, re.S)
    assert len(rows) == 3
    assert '<option value="2025">2025</option>' in index and '<option value="2024">' in index
    lille = next(r for r in rows if "ml-5901" in r)
    assert 'data-territoire="ml-5901 dep-59 region"' in lille  # a Nord filter finds it
    assert 'href="barometre/ml-5901/report.pdf"' in lille and f"(1,9{N}Mo)" in lille
    assert f"(3{N}ko)" in lille
    assert "Données de synthèse" in lille
    assert 'href="territoires/ml-5901.html">ML de Lille</a>' in lille
    # a banner while synthetic reports are listed; internal folders never appear
    assert 'class="banner" role="note"' in index and "2 rapports" in index
    for private in ("_logs", "_failed", ".tmp-"):
        assert private not in index
    assert "<script>" in index and 'role="status"' in index


def test_territory_pages_gather_reports_and_indicators(site):
    _, layout = site
    pages = layout.reports / "territoires"
    names = {p.name for p in pages.glob("*.html")}
    assert len(names) == 1 + 5 + 42
    lille = (pages / "ml-5901.html").read_text(encoding="utf-8")
    assert "<h1>ML de Lille</h1>" in lille
    assert 'href="../barometre/ml-5901/report.html"' in lille  # its own report
    assert 'href="../barometre/regional/report.html"' in lille  # the region's, as a wider one
    assert 'href="../sante_jeunes/departement-59/report.html"' in lille  # its département's
    assert 'href="../index.html"' in lille
    # reference indicators in French: the accompanied youths of missions_locales.csv
    import csv

    rows = {r["ml_code"]: r for r in csv.DictReader(open(REPO / "data/reference/missions_locales.csv",
                                                         encoding="utf-8"))}
    n = int(rows["5901"]["accompagnes_2024"])
    assert f"<dd>{n:,}</dd>".replace(",", N) in lille
    assert re.search(rf"Part de jeunes femmes</dt><dd>\d+,\d{N}%</dd>", lille)
    region = (pages / "region.html").read_text(encoding="utf-8")
    total = sum(int(r["accompagnes_2024"]) for r in rows.values())
    assert f"<dd>{total:,}</dd>".replace(",", N) in region
    assert "<dt>Missions Locales</dt><dd>42</dd>" in region
    # the key figures of its own reports, as their boxes print them (a hidden one stays « s »)
    assert "Chiffres clés des études" in lille
    assert (f"<dt>des jeunes satisfaits de leur Mission Locale</dt><dd><strong>92,6{N}%</strong> "
            f'<span class="secondary">IC à 95{N}% [89,1{N}; 95,2]{N}; région{N}: 94,0{N}%</span></dd>') in lille
    assert "<dt>rang parmi les 42 Missions Locales</dt><dd><strong>s</strong></dd>" in lille
    nord = (pages / "dep-59.html").read_text(encoding="utf-8")
    assert "Rapports du Nord" in nord and "Chiffres clés des études" not in nord
    somme = (pages / "dep-80.html").read_text(encoding="utf-8")
    assert "Rapports de la Somme" in somme and "Aucun rapport publié pour ce territoire" in somme


def test_profile_indicator_matches_the_reference_file(site):
    import csv

    prof = [r for r in csv.DictReader(open(REPO / "data/reference/profil_ml_2024.csv",
                                           encoding="utf-8"))
            if r["ml_code"] == "201" and r["variable"] == "qpv"]
    share = sum(float(r["effectif"]) for r in prof if r["modalite"] == "Oui") / sum(
        float(r["effectif"]) for r in prof)
    t = load_territories(site[0])["ml-201"]
    value = dict(t.indicators)["Part résidant en quartier prioritaire (QPV)"]
    assert value == f"{share * 100:.1f}".replace(".", ",") + f"{N}%"


def test_report_links_back_to_its_territory_and_study():
    links = dict(portal_links("barometre", {"ml": "5901"}))
    assert links["../../index.html"] == "Retour au portail des rapports"
    assert "../../territoires/ml-5901.html" in links
    assert "../../index.html?etude=barometre" in links
    assert "../../territoires/dep-02.html" in dict(portal_links("sante_jeunes", {"departement": "2"}))
    assert "../../territoires/region.html" in dict(portal_links("sante_jeunes", {"departement": ""}))


def test_copy_refuses_synthetic_and_dirty_unless_allowed(site, tmp_path):
    _, layout = site
    dest = tmp_path / "www"
    published = collect_published(layout)
    with pytest.raises(ReleaseRefused, match=r"2 rapports sont calculés sur des données de synthèse.*--allow-synthetic"):
        copy_release(layout, dest, published)
    assert not dest.exists()
    copy_release(layout, dest, published, allow_synthetic=True)
    assert sorted(p.name for p in dest.iterdir()) == [
        "barometre", "index.html", "sante_jeunes", "territoires"]  # no manifest built here
    assert (dest / "territoires" / "ml-5901.html").is_file()
    # dirty code
    _report(layout, "cej", "regional", params={}, dirty=True)
    with pytest.raises(ReleaseRefused, match=r"modifications non enregistrées.*cej/regional.*--allow-dirty"):
        copy_release(layout, dest, collect_published(layout), allow_synthetic=True)
    copy_release(layout, dest, collect_published(layout), allow_synthetic=True, allow_dirty=True)
    assert (dest / "cej" / "regional" / "report.pdf").is_file()


def test_cli_publish_flags(site, tmp_path, capsys):
    root, _ = site
    (root / "studies").mkdir()
    dest = tmp_path / "out"
    code = main(["--root", str(root), "publish", "--no-scan", "--to", str(dest)])
    err = capsys.readouterr().err
    assert code == 1 and "--allow-synthetic" in err and not dest.exists()
    code = main(["--root", str(root), "publish", "--no-scan", "--to", str(dest),
                 "--allow-synthetic"])
    assert code == 0, capsys.readouterr().err
    assert (dest / "territoires" / "region.html").is_file()


def test_edition_falls_back_to_the_extraction_date(tmp_path):
    layout = ReportsLayout(tmp_path / "reports")
    _report(layout, "cej", "regional", wave=None, params={"extraction_date": "2025-03-31"})
    build_portal(layout, collect_published(layout), tmp_path)
    index = layout.index.read_text(encoding="utf-8")
    assert "<td>données au 31 mars 2025</td>" in index


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt package chromium)")
@pytest.mark.parametrize(("query", "visible"), [
    ("", {"regional", "ml-5901", "departement-59"}),
    ("?territoire=dep-59", {"ml-5901", "departement-59"}),  # the Nord and its ML
    ("?etude=barometre", {"regional", "ml-5901"}),
    ("?edition=2024", {"departement-59"}),
    ("?type=ml", {"ml-5901"}),
    ("?q=lille", {"ml-5901"}),
    ("?q=lIlLe%20baromètre&etude=sante_jeunes", set()),
    ("?territoire=dep-80", {"regional", "ml-5901", "departement-59"}),  # not offered: ignored
])
def test_filters_work_in_a_browser_without_server(site, tmp_path, query, visible):
    import subprocess

    _, layout = site
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          "--virtual-time-budget=5000", f"--user-data-dir={tmp_path / 'p'}",
                          "--dump-dom", layout.index.as_uri() + query],
                         capture_output=True, text=True, timeout=120).stdout
    rows = re.findall(r"<tr ([^>]*data-etude[^>]*)>(.*?)</tr>", out, re.S)
    assert len(rows) == 3
    shown = {re.search(r'href="\w+/([\w-]+)/report.html"', body).group(1)
             for attrs, body in rows if not re.search(r"(^|\s)hidden(=|\s|$)", attrs)}
    assert shown == visible
    n = len(visible)
    assert f"{n} rapport{'s' if n > 1 else ''} affiché{'s' if n > 1 else ''} sur 3." in out


def test_portal_pages_pass_the_french_checker(site):
    from arefie_studies import french

    _, layout = site
    pages = [layout.index, *sorted((layout.reports / "territoires").glob("*.html"))]
    for page in pages:
        issues = french.lint_html(page.read_text(encoding="utf-8"))
        assert issues == [], f"{page.name}: {issues[:5]}"
