"""The warm template that notebook kernels are forked from (run as ``python -m`` by
:mod:`arefie_studies.pipeline._kernels`; stdlib only at import).

The template imports the heavy modules once (numpy, pandas, matplotlib, scipy.stats, the
package, ipykernel), then waits on a Unix socket.  Each request forks a child that becomes a
brand-new ipykernel exactly as ``python -m ipykernel_launcher -f <connection file>`` would:
own session, the request's environment and working directory, stdin on /dev/null, stdout and
stderr on the descriptors sent with the request.  The child starts with an empty user
namespace; only ``sys.modules`` is warm.  It dies with the template (``PR_SET_PDEATHSIG``),
and the template dies with the worker that started it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib
import json
import os
import signal
import socket
import sys
import traceback
import warnings

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: get SIGKILL when the parent process ends (no orphan kernels after kill -9)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _preload(modules: list[str], done: set[str]) -> None:
    for name in modules:
        if name in done:
            continue
        done.add(name)
        try:
            importlib.import_module(name)
        except BaseException:  # the notebook reports its own import errors
            pass


def _child(req: dict, fds: list[int], sock: socket.socket, filters: list,
           preload_warnings: list) -> None:
    code = 1
    try:
        sock.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        _die_with_parent()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        for target, fd in zip((1, 2), fds, strict=False):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())  # as jupyter_client's launcher sets
        warnings.resetwarnings()  # the filters a fresh interpreter has
        warnings.filters[:] = filters
        with contextlib.suppress(AttributeError):
            warnings._filters_mutated()
        for w in preload_warnings:  # what the imports said, shown as a fresh kernel would show it
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        import ipykernel_launcher
        from ipykernel import kernelapp

        sys.argv = [ipykernel_launcher.__file__, *req["argv"]]
        # parent_handle as the launcher gives it: the kernel polls its parent (the template)
        kernelapp.IPKernelApp.launch_instance(argv=list(req["argv"]), parent_handle=os.getppid())
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # reported on the kernel's stderr (the job log)
        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reap(_signum, _frame) -> None:
    """Collect ended kernels (their CPU time then counts in the template's children times)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def main(fd: int, preload: list[str]) -> None:
    _die_with_parent()
    if sys.path and sys.path[0] == "":  # as ipykernel_launcher does
        del sys.path[0]
    filters = list(warnings.filters)
    done: set[str] = set()
    # import-time warnings are recorded, not dropped: each kernel replays them under its own
    # (fresh-interpreter) filters, as the imports would have warned there
    with warnings.catch_warnings(record=True) as preload_warnings:
        warnings.simplefilter("always")
        _preload(preload, done)
    sock = socket.socket(fileno=fd)
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 4)
        except OSError:
            break
        if not msg:
            break  # the worker is gone
        req = json.loads(msg)
        with warnings.catch_warnings(record=True) as more:
            warnings.simplefilter("always")
            _preload(req.get("preload", []), done)
        preload_warnings.extend(more)
        pid = os.fork()
        if pid == 0:
            _child(req, fds, sock, filters, preload_warnings)
        for f in fds:
            os.close(f)
        try:
            sock.sendall(json.dumps({"pid": pid}).encode())
        except OSError:
            break


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:])
