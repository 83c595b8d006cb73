"""Kernels forked from the warm template: a fresh process and namespace per notebook, same outputs
as an ordinary kernel, the ordinary launch when the command is not ipykernel's."""

from __future__ import annotations

import json
import os
import sys

import nbformat
import papermill as pm
import pytest
from pipeline_testutils import SRC

from arefie_studies.pipeline import _kernels

pytestmark = pytest.mark.skipif(not _kernels._forkable(), reason="forked kernels need Linux pidfds")

_CODE = [
    "import os, sys\nprint(os.getpid(), os.getsid(0), os.getcwd())",
    "print(sorted(k for k in ('pandas', 'leftover') if k in globals()), 'numpy' in sys.modules)",
    "leftover = 1\nimport numpy as np\nprint(np.arange(3).sum(), os.environ.get('AREFIE_T'))",
]


def _notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in _CODE]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


def _run(src, out, cwd, **kw):
    os.environ["PYTHONPATH"] = str(SRC)
    os.environ["AREFIE_T"] = out.stem
    try:
        pm.execute_notebook(str(src), str(out), cwd=str(cwd), progress_bar=False,
                            kernel_name="python3", **kw)
    finally:
        os.environ.pop("AREFIE_T", None)
    cells = json.loads(out.read_text(encoding="utf-8"))["cells"]
    return [("".join(o.get("text", "")) for o in c["outputs"]) for c in cells]


def test_forked_kernels_are_fresh_and_match_an_ordinary_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(SRC))
    monkeypatch.setattr(_kernels, "BASE_PRELOAD", ("numpy", "ipykernel.kernelapp"))  # fast
    src = _notebook(tmp_path / "nb.ipynb")
    km = _kernels.kernel_manager_class(("json",))
    try:
        first = [list(c) for c in _run(src, tmp_path / "a.ipynb", tmp_path, kernel_manager_class=km)]
        second = [list(c) for c in _run(src, tmp_path / "b.ipynb", tmp_path, kernel_manager_class=km)]
        [tpl] = _kernels._TEMPLATES.values()
        assert tpl.alive()
        (tmp_path / "src").mkdir()  # the project's code changed: a new template
        (tmp_path / "src" / "study_mod.py").write_text("X = 1\n", encoding="utf-8")
        third = [list(c) for c in _run(src, tmp_path / "d.ipynb", tmp_path, kernel_manager_class=km)]
        [tpl2] = _kernels._TEMPLATES.values()
        assert tpl2 is not tpl and not tpl.alive() and tpl2.alive()
    finally:
        _kernels.shutdown_templates()
    plain = [list(c) for c in _run(src, tmp_path / "c.ipynb", tmp_path)]

    pids = []
    for run, var, warm in ((first, "a", True), (second, "b", True), (third, "d", True),
                           (plain, "c", False)):
        pid, sid, cwd = run[0][0].split()
        assert pid == sid  # own session: interrupts reach the kernel's process group only
        assert cwd == str(tmp_path)
        assert run[1] == [f"[] {warm}\n"]  # empty namespace; forked: numpy already imported
        assert run[2] == [f"3 {var}\n"]  # the request's environment
        pids.append(pid)
    assert len(set(pids)) == 4  # one process per notebook
    assert not _kernels._TEMPLATES


def test_commands_that_are_not_ipykernel_launch_normally():
    py = sys.executable
    assert _kernels._split_launcher([py, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
                                     "c.json"]) == ([py, "-Xfrozen_modules=off"], ["-f", "c.json"])
    assert _kernels._split_launcher([py, "-m", "other_kernel", "-f", "c.json"]) is None
    assert _kernels._split_launcher([py, "-E", "-m", "ipykernel_launcher", "-f", "c.json"]) is None
    assert _kernels._split_launcher(["R", "--slave", "-f", "c.json"]) is None


def test_full_reports_are_dispatched_first(tmp_path):
    from types import SimpleNamespace as NS

    from arefie_studies.pipeline.runner import _longest_first

    runnable = [NS(variant=NS(parameters=p)) for p in ({"ml": "1"}, {}, {"ml": "2"}, {})]
    assert _longest_first(["a", "b", "c", "d"], runnable) == ["b", "d", "a", "c"]


def test_a_forked_kernel_that_dies_fails_the_notebook(tmp_path, monkeypatch):
    import time

    from nbclient.exceptions import DeadKernelError

    monkeypatch.setenv("PYTHONPATH", str(SRC))
    monkeypatch.setattr(_kernels, "BASE_PRELOAD", ("ipykernel.kernelapp",))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nos._exit(3)"),
                nbformat.v4.new_code_cell("print('never')")]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(nb, tmp_path / "dies.ipynb")
    start = time.monotonic()
    try:
        with pytest.raises(DeadKernelError):
            pm.execute_notebook(str(tmp_path / "dies.ipynb"), str(tmp_path / "out.ipynb"),
                                cwd=str(tmp_path), progress_bar=False, kernel_name="python3",
                                kernel_manager_class=_kernels.kernel_manager_class())
        [tpl] = _kernels._TEMPLATES.values()
        assert tpl.alive()  # the template outlives its kernels
    finally:
        _kernels.shutdown_templates()
    assert time.monotonic() - start < 60
