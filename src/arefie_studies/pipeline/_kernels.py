"""Fresh notebook kernels without the start-up cost: fork them from a warm template.

papermill's model is kept — one new kernel process per notebook, empty namespace, its own
session — but the process is forked from a template (:mod:`._kernel_template`) that already
imported numpy, pandas, matplotlib, scipy.stats, the package and ipykernel.  A light variant
then skips ~3 CPU-s (interpreter start, ipykernel start-up, imports).  Module state is what a
fresh ``import`` gives: the template only imports, it never runs study code.

Use: ``papermill.execute_notebook(..., kernel_manager_class=kernel_manager_class(preload))``.
The template is started on first use, one per worker process and launch command/environment,
replaced when the package's or the project's Python files change (long-lived Dask workers), and
ends with the worker.  Anything unusual (not Linux, a kernelspec that is not
``python -m ipykernel_launcher``, a dead template) falls back to the ordinary launch.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

__all__ = ["BASE_PRELOAD", "ForkedKernelManager", "kernel_manager_class", "kill_templates",
           "shutdown_templates"]

#: imported once in the template (what every study notebook imports anyway)
BASE_PRELOAD = (
    "numpy", "pandas", "matplotlib", "matplotlib.pyplot", "scipy.stats",
    "arefie_studies.io", "arefie_studies.survey", "arefie_studies.tables",
    "arefie_studies.charts", "arefie_studies.project.inputs",
    "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel_launcher",
    "openpyxl",  # every report writes its tables' XLSX downloads: 0.25 CPU-s a variant otherwise
)  # fmt: skip
# per-kernel variables the template's own environment need not match
_KEY_ENV = ("PYTHONPATH", "MPLBACKEND", "PATH", "HOME", "PYTHONHASHSEED")


def _forkable() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(
        socket, "send_fds")


class _Template:
    """One warm template process and the socket to ask it for kernels."""

    def __init__(self, prefix: list[str], env: dict[str, str], cwd: str, preload: tuple[str, ...]):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [*prefix, "-m", "arefie_studies.pipeline._kernel_template", str(child.fileno()),
                 *preload],
                env=env, cwd=cwd, stdin=subprocess.DEVNULL, pass_fds=(child.fileno(),),
                start_new_session=True,
            )
        finally:
            child.close()
        self.sock = parent
        self.lock = threading.Lock()
        self.stamp = ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork(self, request: dict[str, Any], fds: list[int]) -> int:
        with self.lock:
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
            reply = self.sock.recv(1 << 16)
        if not reply:
            raise OSError("the kernel template ended")
        return int(json.loads(reply)["pid"])

    def close(self) -> None:
        try:
            self.sock.close()  # EOF: the template leaves its loop and exits
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


_TEMPLATES: dict[tuple, _Template] = {}  # per worker process (a cache of processes, not state)
_TEMPLATES_LOCK = threading.Lock()


def shutdown_templates() -> None:
    """End this process's templates (also registered at exit)."""
    with _TEMPLATES_LOCK:
        for tpl in _TEMPLATES.values():
            tpl.close()
        _TEMPLATES.clear()


def kill_templates() -> None:
    """SIGKILL this process's templates at once (the worker is being ended: no waiting); their
    kernels follow them (``PR_SET_PDEATHSIG``)."""
    for tpl in list(_TEMPLATES.values()):
        with contextlib.suppress(OSError):
            tpl.proc.kill()


atexit.register(shutdown_templates)


def _source_stamp(cwd: str) -> str:
    """Names, sizes and mtimes of the package's and the project's ``.py`` files: a template
    whose imported code changed since it started (a long-lived Dask worker) is replaced."""
    import hashlib
    from pathlib import Path

    import arefie_studies

    digest = hashlib.sha1()
    for folder in dict.fromkeys((Path(arefie_studies.__file__).parent, Path(cwd) / "src")):
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else ():
            st = path.stat()
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _template(prefix: list[str], env: dict[str, str], cwd: str) -> _Template:
    key = (tuple(prefix), cwd, tuple((k, env.get(k)) for k in _KEY_ENV))
    stamp = _source_stamp(cwd)
    with _TEMPLATES_LOCK:
        tpl = _TEMPLATES.get(key)
        if tpl is not None and (not tpl.alive() or tpl.stamp != stamp):
            tpl.close()
            tpl = None
        if tpl is None:
            tpl = _TEMPLATES[key] = _Template(prefix, env, cwd, BASE_PRELOAD)
            tpl.stamp = stamp
        return tpl


class _ForkedProcess:
    """The subset of ``subprocess.Popen`` the provisioner uses, for a kernel we did not spawn
    (a pidfd tells when it exits; its exit status belongs to the template, reported as 0)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:
            self._fd, self.returncode = None, 0

    def _ended(self) -> None:
        self.returncode = 0
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._fd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self._fd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            self._ended()
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _split_launcher(cmd: list[str]) -> tuple[list[str], list[str]] | None:
    """``[python, flags..., -m, ipykernel_launcher, args...]`` -> (prefix, args), else None."""
    for i in range(1, len(cmd) - 1):
        if cmd[i] == "-m":
            if cmd[i + 1] == "ipykernel_launcher" and all(a.startswith("-X") for a in cmd[1:i]):
                return cmd[:i], cmd[i + 2:]
            return None
    return None


class ForkedProvisioner(LocalProvisioner):
    """Launch the kernel by forking the warm template; the ordinary launch when it cannot."""

    preload: tuple[str, ...] = ()

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        split = _split_launcher(cmd) if _forkable() else None
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        pid = None
        if split is not None:
            prefix, args = split
            request = {"argv": args, "env": env, "cwd": cwd, "preload": list(self.preload)}
            for _attempt in range(2):  # a dead template is replaced once
                try:
                    pid = _template(prefix, env, cwd).fork(request, [1, 2])
                    break
                except OSError as exc:
                    self.log.warning("kernel template unusable (%s): ordinary launch", exc)
        if pid is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = _ForkedProcess(pid)  # type: ignore[assignment]
        self.pid = pid
        self.pgid = pid  # the child called setsid()
        self.cwd = cwd
        return self.connection_info


class ForkedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernels come from the warm template."""

    preload: tuple[str, ...] = ()

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            prov = ForkedProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                     parent=self)
            prov.preload = self.preload
            self.provisioner = prov
        return await super()._async_pre_start_kernel(**kw)


def kernel_manager_class(preload: tuple[str, ...] | list[str] = ()) -> type[ForkedKernelManager]:
    """A :class:`ForkedKernelManager` subclass whose template also imports ``preload`` (the
    study's module) before forking."""
    return type("ForkedKernelManager", (ForkedKernelManager,), {"preload": tuple(preload)})
