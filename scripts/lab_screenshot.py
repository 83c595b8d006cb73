"""Screenshots of JupyterLab with a study notebook open, taken in headless Chromium.

    .venv/bin/python scripts/lab_screenshot.py [notebooks/sante_jeunes.ipynb ...]

Starts ``jupyter lab --no-browser`` on a free local port with a random token (settings and
workspaces in a temporary folder, so the user's own JupyterLab state is neither read nor
changed), opens each notebook at ``/lab/tree/<path>?token=...`` in ``chromium --headless
--screenshot``, writes the PNGs to ``reports/_screens/`` (not committed) and prints their paths.
The notebooks open on the kernel their metadata names (the project kernel ``arefie-studies``,
shown as « Python (arefie-studies) » in the toolbar); the script also checks through the
server's API that the session JupyterLab started runs that kernel, and says so.

Needs ``chromium`` on the PATH (or CHROMIUM=/path/to/chrome) and the ``lab`` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "_screens"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port: int, token: str, path: str) -> object:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read().decode("utf-8"))


def wait_ready(port: int, token: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"jupyter lab ended (exit {proc.returncode}) before it was ready")
        try:
            api(port, token, "/api/status")
            return
        except (urllib.error.URLError, OSError, ValueError):
            time.sleep(0.5)
    raise SystemExit(f"jupyter lab did not answer on port {port} within {timeout:.0f} s")


def screenshot(chromium: str, url: str, png: Path, *, budget_ms: int, size: str,
               profile: Path) -> None:
    """One shot with ``chromium --headless --screenshot`` after a virtual-time budget (the page
    as it first appears: the kernel's websocket is not waited for, the status bar may say
    « Connecting »)."""
    cmd = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--user-data-dir={profile}", f"--window-size={size}",
           f"--virtual-time-budget={budget_ms}", f"--screenshot={png}", url]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    if res.returncode != 0 or not png.is_file():
        raise SystemExit(f"chromium failed (exit {res.returncode}): {res.stderr.strip()[-800:]}")


#: what JupyterLab shows of the kernel: toolbar name, status-bar text
_KERNEL_JS = """JSON.stringify({
  toolbar: (document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName')
            || {}).textContent || '',
  status: Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
            .map(e => e.textContent).filter(t => t.includes('|')).join(' ; ')
})"""


def screenshot_when_idle(chromium: str, url: str, png: Path, *, size: str, profile: Path,
                         timeout: float = 120) -> dict:
    """A shot in real time through the DevTools protocol, once JupyterLab's status bar says the
    kernel is ``Idle``; returns what the page shows of the kernel (toolbar, status bar)."""
    import base64

    import websocket  # websocket-client, a dependency of jupyter_server

    port = free_port()
    w, h = (int(v) for v in size.split(","))
    proc = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={profile}", f"--window-size={w},{h}",
         f"--remote-debugging-port={port}", "--remote-allow-origins=*", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        target = None
        while target is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5) as r:
                    pages = [t for t in json.loads(r.read()) if t.get("type") == "page"]
                target = pages[0]["webSocketDebuggerUrl"] if pages else None
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if target is None:
                time.sleep(0.5)
        if target is None:
            raise SystemExit("chromium's DevTools endpoint did not answer")
        ws = websocket.create_connection(target, timeout=30)
        ids = iter(range(1, 1_000_000))

        def call(method: str, **params) -> dict:
            n = next(ids)
            ws.send(json.dumps({"id": n, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == n:
                    return msg.get("result", {})

        # the headless window's viewport is smaller than --window-size: set it exactly
        call("Emulation.setDeviceMetricsOverride", width=w, height=h, deviceScaleFactor=1,
             mobile=False)
        seen: dict = {}
        while time.monotonic() < deadline:
            res = call("Runtime.evaluate", expression=_KERNEL_JS, returnByValue=True)
            seen = json.loads(res.get("result", {}).get("value") or "{}")
            if "Idle" in seen.get("status", ""):
                break
            time.sleep(1)
        time.sleep(1.5)  # let the last paint settle
        shot = call("Page.captureScreenshot", format="png")
        png.write_bytes(base64.b64decode(shot["data"]))
        ws.close()
        return seen
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def sessions(port: int, token: str) -> list[dict]:
    return [{"path": s.get("path"), "kernel": (s.get("kernel") or {}).get("name"),
             "state": (s.get("kernel") or {}).get("execution_state")}
            for s in api(port, token, "/api/sessions")]  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", default=["notebooks/sante_jeunes.ipynb"])
    parser.add_argument("--budget", type=int, default=25000,
                        help="virtual milliseconds Chromium lets the page run (default 25000)")
    parser.add_argument("--size", default="1600,1000", help="window size (default 1600,1000)")
    parser.add_argument("--no-idle", dest="idle", action="store_false",
                        help="no second shot (by default a second one is taken in real time "
                             "once the status bar says the kernel is Idle)")
    args = parser.parse_args(argv)
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        print("error: chromium not found (install it or set CHROMIUM=/path/to/chrome)",
              file=sys.stderr)
        return 2
    for nb in args.notebooks:
        if not (ROOT / nb).is_file():
            print(f"error: no notebook {nb} (paths are relative to {ROOT})", file=sys.stderr)
            return 2
    OUT.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(24)
    with tempfile.TemporaryDirectory(prefix="arefie-lab-") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
               "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
        # the news and update notices are a first-launch toast: answered "no" in advance
        notif = tmp / "settings" / "@jupyterlab" / "apputils-extension"
        notif.mkdir(parents=True)
        (notif / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
        log = open(tmp / "lab.log", "w", encoding="utf-8")  # closed in the finally below
        lab = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={ROOT}", "--ServerApp.open_browser=False",
             *(["--allow-root"] if os.geteuid() == 0 else [])],  # containers run as root
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        written = []
        try:
            wait_ready(port, token, lab)
            for nb in args.notebooks:
                png = OUT / f"lab_{Path(nb).stem}.png"
                url = f"http://127.0.0.1:{port}/lab/tree/{nb}?token={token}&reset"
                screenshot(chromium, url, png, budget_ms=args.budget, size=args.size,
                           profile=tmp / f"chrome-{Path(nb).stem}")
                written.append(png)
                if args.idle:
                    png = OUT / f"lab_{Path(nb).stem}_kernel.png"
                    seen = screenshot_when_idle(chromium, url, png, size=args.size,
                                                profile=tmp / f"chrome-{Path(nb).stem}-idle")
                    print(f"JupyterLab shows for {nb}: toolbar kernel «{seen.get('toolbar', '')}», "
                          f"status bar «{seen.get('status', '')}»")
                    written.append(png)
                for s in sessions(port, token):
                    if s["path"] == nb:
                        print(f"session {nb}: kernel {s['kernel']} ({s['state']})")
            print("\n".join(str(p) for p in written))
        finally:
            lab.terminate()
            try:
                lab.wait(timeout=20)
            except subprocess.TimeoutExpired:
                lab.kill()
                lab.wait()
            log.close()
            if not written:
                print((tmp / "lab.log").read_text(encoding="utf-8")[-3000:], file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
