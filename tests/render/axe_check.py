"""Run axe-core (https://github.com/dequelabs/axe-core) on an HTML file in headless Chromium.

axe-core is installed with npm into a cache folder outside the repository
(``$AREFIE_AXE_DIR``, default ``~/.cache/arefie-studies/axe``; ``scripts/setup.sh`` does it), never
vendored. The page is copied with axe and a small runner inlined; Chromium's ``--dump-dom`` prints
the page once axe has written its result into it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

AXE_DIR = Path(os.environ.get("AREFIE_AXE_DIR", Path.home() / ".cache" / "arefie-studies" / "axe"))
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NPM = shutil.which("npm")

_RUNNER = """
<script>
axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  var out = document.createElement('pre'); out.id = 'axe-result';
  out.textContent = JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(function (n) {
      return n.target.join(' '); })};
  }));
  document.documentElement.appendChild(out);
});
</script>
"""


def unavailable() -> str:
    """Why the check cannot run here ('' when it can); installs axe-core with npm if needed."""
    if CHROMIUM is None:
        return "chromium not installed (apt package chromium)"
    if not AXE_JS.is_file():
        if NPM is None:
            return "node/npm not installed (apt packages nodejs npm), needed for axe-core"
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([NPM, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund",
                               "--silent", "axe-core@4"], capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0 or not AXE_JS.is_file():
            return f"npm could not install axe-core: {done.stderr.strip()[:300]}"
    return ""


def axe_violations(page: Path, work: Path) -> list[dict]:
    """axe-core violations of ``page`` (a copy is made next to it so relative links still work)."""
    html = page.read_text(encoding="utf-8")
    inject = f"<script>{AXE_JS.read_text(encoding='utf-8')}</script>{_RUNNER}"
    html = html.replace("</body>", inject + "</body>", 1) if "</body>" in html else html + inject
    page = Path(page).resolve()
    copy = page.with_name(f".axe-{page.name}")
    copy.write_text(html, encoding="utf-8")
    try:
        out = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--run-all-compositor-stages-before-draw",
             "--virtual-time-budget=30000", f"--user-data-dir={work / 'chromium-profile'}",
             "--dump-dom", copy.as_uri()],
            capture_output=True, text=True, timeout=180,
        ).stdout
    finally:
        copy.unlink(missing_ok=True)
    m = re.search(r'<pre id="axe-result">(.*?)</pre>', out, re.S)
    if m is None:
        raise AssertionError(f"axe-core produced no result for {page} (chromium output: {out[-500:]!r})")
    import html as _html

    return json.loads(_html.unescape(m.group(1)))
