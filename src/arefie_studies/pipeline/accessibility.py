"""axe-core (https://github.com/dequelabs/axe-core) over many HTML pages in ONE headless Chromium.

axe-core is installed with npm into a cache folder outside the repository (``$AREFIE_AXE_DIR``,
default ``~/.cache/arefie-studies/axe``; ``scripts/setup.sh`` does it), never vendored.

Chromium is driven through the DevTools protocol on a pipe (``--remote-debugging-pipe``: commands
on its fd 3, answers on its fd 4, each message a JSON text ended by a NUL byte), so no Python
dependency is needed: one browser, one tab; axe is registered once with
``Page.addScriptToEvaluateOnNewDocument``, then each page is loaded in turn (``Page.navigate``, wait
for ``Page.loadEventFired``) and ``axe.run`` is awaited through ``Runtime.evaluate``. A violation is
``{"id", "impact", "help", "nodes"}`` (``nodes``: the CSS targets of the first three elements).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["SEVERE", "AxeError", "AxeSession", "axe_js", "axe_pages", "axe_unavailable",
           "chromium_path", "serious"]

#: The impacts that fail a check (axe's four levels: minor, moderate, serious, critical).
SEVERE = ("serious", "critical")

_RUN = """axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  return JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })};
  }));
})"""


class AxeError(RuntimeError):
    """axe-core could not check a page (names the page and what Chromium said)."""


def axe_dir() -> Path:
    return Path(os.environ.get("AREFIE_AXE_DIR", Path.home() / ".cache" / "arefie-studies" / "axe"))


def axe_js() -> Path:
    """Where npm puts ``axe.min.js``."""
    return axe_dir() / "node_modules" / "axe-core" / "axe.min.js"


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def axe_unavailable(*, install: bool = True) -> str:
    """Why axe cannot run here, in French (``''`` when it can); installs axe-core with npm when
    it is missing and ``install`` is true."""
    if chromium_path() is None:
        return "Chromium n'est pas installé (paquet apt chromium)"
    if not axe_js().is_file():
        npm = shutil.which("npm")
        if npm is None:
            return "node/npm n'est pas installé (paquets apt nodejs npm), nécessaire pour axe-core"
        if not install:
            return f"axe-core n'est pas installé dans {axe_dir()} (bash scripts/setup.sh l'installe)"
        axe_dir().mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run([npm, "install", "--prefix", str(axe_dir()), "--no-audit",
                                   "--no-fund", "--silent", "axe-core@4"], capture_output=True,
                                  text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return "npm n'a pas pu installer axe-core en 5 minutes"
        if done.returncode != 0 or not axe_js().is_file():
            return f"npm n'a pas pu installer axe-core : {done.stderr.strip()[:300]}"
    return ""


def serious(violations: Iterable[dict]) -> list[dict]:
    """The violations whose impact is serious or critical."""
    return [v for v in violations if v.get("impact") in SEVERE]


class AxeSession:
    """One headless Chromium with axe-core preloaded; :meth:`check` a page, then the next.

    Use as a context manager (the browser and its temporary profile are removed at exit)."""

    def __init__(self, *, chromium: str | None = None, timeout: float = 120.0) -> None:
        self.chromium = chromium or chromium_path()
        if self.chromium is None:
            raise AxeError("Chromium n'est pas installé (paquet apt chromium)")
        if not axe_js().is_file():
            raise AxeError(f"axe-core introuvable : {axe_js()}")
        self.timeout = timeout
        self._id = 0
        self._buffer = b""
        self._events: list[dict] = []
        self._proc: subprocess.Popen | None = None

    # -- the pipe ---------------------------------------------------------------------------
    def __enter__(self) -> AxeSession:
        self._profile = tempfile.mkdtemp(prefix="arefie-axe-")
        cmd_r, self._cmd_w = os.pipe()   # we write commands, Chromium reads them on its fd 3
        self._resp_r, resp_w = os.pipe()  # Chromium writes answers on its fd 4, we read them
        # move the child's ends above 4 first so the dup2 below cannot overwrite one of them
        hi_r, hi_w = os.dup(cmd_r), os.dup(resp_w)
        while min(hi_r, hi_w) <= 4:
            hi_r, hi_w = os.dup(hi_r), os.dup(hi_w)

        def child_fds() -> None:
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        try:
            self._proc = subprocess.Popen(
                [self.chromium, "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-extensions", "--no-first-run", "--mute-audio",
                 "--remote-debugging-pipe", f"--user-data-dir={self._profile}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                close_fds=False, preexec_fn=child_fds,  # dup2'd fds are inheritable; the
                # others are not (Python's default), so only 0-4 reach Chromium
            )
        finally:
            for fd in (cmd_r, resp_w, hi_r, hi_w):
                os.close(fd)
        try:
            target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self._send("Target.attachToTarget",
                                       {"targetId": target, "flatten": True})["sessionId"]
            self._send("Page.enable", session=True)
            self._send("Runtime.enable", session=True)
            self._send("Page.addScriptToEvaluateOnNewDocument",
                       {"source": axe_js().read_text(encoding="utf-8")}, session=True)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._proc is not None:
            try:
                self._send("Browser.close", timeout=5)
            except (AxeError, OSError):
                pass
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        for fd in (getattr(self, "_cmd_w", None), getattr(self, "_resp_r", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._cmd_w = self._resp_r = None
        shutil.rmtree(getattr(self, "_profile", ""), ignore_errors=True)

    def _messages(self, deadline: float) -> Iterator[dict]:
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                yield json.loads(raw)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AxeError(f"Chromium n'a pas répondu en {self.timeout:.0f} s")
            ready, _, _ = select.select([self._resp_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._resp_r, 1 << 20)
            if not chunk:
                raise AxeError("Chromium s'est arrêté (pipe fermé)")
            self._buffer += chunk

    def _send(self, method: str, params: dict | None = None, *, session: bool = False,
              timeout: float | None = None) -> dict:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self._session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._cmd_w, data):]
        deadline = time.monotonic() + (timeout or self.timeout)
        for m in self._messages(deadline):
            if m.get("id") == self._id:
                if "error" in m:
                    raise AxeError(f"{method}: {m['error'].get('message', m['error'])}")
                return m.get("result", {})
            self._events.append(m)
        raise AssertionError("unreachable")

    def _wait_event(self, method: str, deadline: float) -> None:
        kept = [e for e in self._events if e.get("method") == method]
        self._events = [e for e in self._events if e.get("method") != method]
        if kept:
            return
        for m in self._messages(deadline):
            if m.get("method") == method:
                return

    # -- the check --------------------------------------------------------------------------
    def check(self, page: str | Path) -> list[dict]:
        """axe-core's violations of the HTML file ``page`` (every impact)."""
        page = Path(page).resolve()
        if not page.is_file():
            raise AxeError(f"{page} : page introuvable")
        deadline = time.monotonic() + self.timeout
        self._events.clear()
        nav = self._send("Page.navigate", {"url": page.as_uri()}, session=True)
        if nav.get("errorText"):
            raise AxeError(f"{page} : Chromium n'a pas pu l'ouvrir ({nav['errorText']})")
        self._wait_event("Page.loadEventFired", deadline)
        out = self._send("Runtime.evaluate", {"expression": _RUN, "awaitPromise": True,
                                              "returnByValue": True}, session=True)
        if "exceptionDetails" in out:
            detail = out["exceptionDetails"]
            text = (detail.get("exception") or {}).get("description") or detail.get("text")
            raise AxeError(f"{page} : axe-core a échoué ({text})")
        return json.loads(out["result"]["value"])


def axe_pages(pages: Iterable[str | Path], *, timeout: float = 120.0) -> dict[Path, list[dict]]:
    """axe-core's violations of each page, ``{page: violations}``, in one Chromium."""
    out: dict[Path, list[dict]] = {}
    with AxeSession(timeout=timeout) as session:
        for page in pages:
            out[Path(page)] = session.check(page)
    return out
