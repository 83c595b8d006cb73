"""Accessibility of what partners open: axe-core in headless Chromium finds no serious or
critical violation in a rendered report, the portal index and a territory page; the portal's
controls are reachable with the keyboard in a sensible order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from test_synthetic_french import META, notebook

from arefie_studies.pipeline.accessibility import (
    AxeSession,
    axe_unavailable,
    chromium_path,
    serious,
)
from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.pipeline.portal import build_portal
from arefie_studies.pipeline.publish import collect_published
from arefie_studies.pipeline.render import render_report

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
CHROMIUM = chromium_path()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    reason = axe_unavailable()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    layout = ReportsLayout(root / "reports")
    vdir = layout.variant_dir("barometre", "ml-5901")
    vdir.mkdir(parents=True)
    nb_path = root / "nb.ipynb"
    nbformat.write(notebook(), nb_path)
    md = {**META, "slug": "barometre", "parameters": {**META["parameters"], "ml": "5901"}}
    files = render_report(nb_path, vdir, title="Baromètre", subtitle="ML de Lille",
                          variant="ML de Lille", metadata=md)
    meta = {**md, "study": "barometre", "variant": "ml-5901", "title": "Baromètre",
            "subtitle": "ML de Lille", "files": {k: p.name for k, p in files.items()}}
    (vdir / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    build_portal(layout, collect_published(layout), root)
    return layout.reports


@pytest.fixture(scope="module")
def axe(site):
    with AxeSession() as session:  # one Chromium for every page of the module
        yield session


@pytest.mark.parametrize("page", ["barometre/ml-5901/report.html", "index.html",
                                  "territoires/ml-5901.html", "territoires/region.html"])
def test_no_serious_or_critical_axe_violation(site, page, axe):
    violations = axe.check(site / page)
    bad = serious(violations)
    assert bad == [], json.dumps(bad, ensure_ascii=False, indent=1)


def test_report_links_back_to_the_portal(site):
    html = (site / "barometre/ml-5901/report.html").read_text(encoding="utf-8")
    assert 'href="../../index.html"' in html and "Retour au portail" in html
    assert 'href="../../territoires/ml-5901.html"' in html
    assert (site / "territoires/ml-5901.html").is_file()  # the link's target exists


_TAB_ORDER = """
<script>
window.addEventListener('load', function () {
  var order = [];
  var focusable = Array.prototype.filter.call(
    document.querySelectorAll('a[href], input, select, button, [tabindex]'),
    function (el) { return el.tabIndex >= 0 && !el.disabled && el.offsetParent !== null; });
  // the sequential navigation order is the DOM order when no positive tabindex is used
  focusable.forEach(function (el) {
    el.focus();
    if (document.activeElement === el) order.push(el.id || el.tagName.toLowerCase());
  });
  var positive = document.querySelectorAll('[tabindex]:not([tabindex="0"]):not([tabindex="-1"])');
  var out = document.createElement('pre'); out.id = 'tab-order';
  out.textContent = JSON.stringify({order: order.slice(0, 8), positive: positive.length});
  document.documentElement.appendChild(out);
});
</script>
"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt package chromium)")
def test_portal_controls_in_keyboard_order(site, tmp_path):
    import re
    import subprocess

    page = site / "index.html"
    copy = page.with_name(".tab-index.html")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", _TAB_ORDER + "</body>"),
                    encoding="utf-8")
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          "--virtual-time-budget=5000", f"--user-data-dir={tmp_path / 'p'}",
                          "--dump-dom", copy.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    copy.unlink()
    result = json.loads(re.search(r'<pre id="tab-order">(.*?)</pre>', out, re.S).group(1))
    assert result["positive"] == 0  # no tabindex > 0 reordering the page
    # the search box, then the four filters, then the reset button, then the reports
    assert result["order"][:6] == ["f-q", "f-etude", "f-type", "f-territoire", "f-edition",
                                   "button"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt package chromium)")
def test_synthetic_banner_stays_on_screen_when_scrolling(site, tmp_path):
    import re
    import subprocess

    page = site / "barometre/ml-5901/report.html"
    probe = """<script>window.addEventListener('load', function () {
      window.scrollTo(0, 3000);
      var b = document.querySelector('.synthetic-banner').getBoundingClientRect();
      var out = document.createElement('pre'); out.id = 'probe';
      out.textContent = JSON.stringify({y: window.scrollY, top: b.top, h: b.height});
      document.documentElement.appendChild(out);
    });</script>"""
    copy = page.with_name(".probe.html")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", probe + "</body>"),
                    encoding="utf-8")
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          "--window-size=1000,700", "--virtual-time-budget=5000",
                          f"--user-data-dir={tmp_path / 'p'}", "--dump-dom", copy.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    copy.unlink()
    probe = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', out, re.S).group(1))
    assert probe["y"] > 1000  # the page did scroll
    assert probe["top"] == 0 and probe["h"] > 10  # the banner is still at the top of the screen
