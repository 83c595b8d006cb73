"""Issue 13, pipeline faults: a killed or terminated run leaves no process behind; a read-only or
full reports folder gives a clean error and no temporary file; one variant's publish error fails
that variant alone.  Faults are real: signals to the CLI process, ``chattr +i`` (root) or chmod
for a read-only folder, a small tmpfs for a full disk (root)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fault_utils import (
    can_mount,
    descendants,
    fill,
    read_only,
    small_disk,
    stray_temporaries,
    wait_for,
    wait_gone,
)
from pipeline_testutils import cli_env, run_cli, set_parameter

from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.pipeline.publish import (
    PublishError,
    build_manifest,
    lock_reports,
    write_atomic,
)

pytestmark = pytest.mark.slow


def _snapshot(root: Path) -> dict[str, bytes]:
    """The published reports, index and manifest (not logs, caches, a killed run's .tmp-*)."""
    return _snapshot_of(root / "reports")


def _start_slow_run(project: Path) -> tuple[subprocess.Popen, set[int]]:
    """``run tiny --variant regional`` with a notebook that sleeps; returns the CLI and, once the
    notebook runs, every process below it (fork server, pool worker, kernel template, kernel)."""
    set_parameter(project, "tiny", "  wave: 2024", "  wave: 2030\n  sleep: 120")
    proc = subprocess.Popen(
        [sys.executable, "-m", "arefie_studies.cli", "run", "tiny", "--variant", "regional",
         "--no-progress"], cwd=project, env=cli_env(), start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = wait_for(".tmp-*/started", project / "reports")
    assert started is not None, "the notebook never started"
    tree = descendants(proc.pid)
    kernel = int(started.read_text())
    assert kernel in tree, "the kernel is a descendant of the run"
    assert len(tree) >= 4, tree  # fork server, worker, template, kernel (and resource tracker)
    return proc, tree


def _snapshot_of(reports: Path) -> dict[str, bytes]:
    return {str(p.relative_to(reports)): p.read_bytes() for p in sorted(reports.rglob("*"))
            if p.is_file() and not p.parts[len(reports.parts)].startswith(("_", "."))
            and p.name != "filler.bin"}


@pytest.fixture
def published(project):
    """The project with both tiny variants and tiny_b published by a real run."""
    first = run_cli(project, "run", "--all", "--jobs", "2")
    assert first.returncode == 0, first.stderr
    return project


def test_sigterm_behaves_like_ctrl_c(published):
    before = _snapshot(published)
    proc, tree = _start_slow_run(published)
    proc.send_signal(signal.SIGTERM)  # the CLI alone, as a service manager or `kill` does
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert err.strip().splitlines()[-1] == "interrompu ; les rapports publiés sont inchangés."
    assert "Traceback" not in err
    assert wait_gone(tree) == set(), "processes left running after SIGTERM"
    assert stray_temporaries(published / "reports") == []
    assert _snapshot(published) == before


def test_sigint_to_the_run_alone_ends_its_workers(published):
    before = _snapshot(published)
    proc, tree = _start_slow_run(published)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrompu ; les rapports publiés sont inchangés." in err and "Traceback" not in err
    assert wait_gone(tree) == set()
    assert stray_temporaries(published / "reports") == []
    assert _snapshot(published) == before


def test_kill_9_of_the_run_leaves_no_process(published):
    before = _snapshot(published)
    proc, tree = _start_slow_run(published)
    os.kill(proc.pid, signal.SIGKILL)  # the CLI process only: its children must follow it
    proc.communicate(timeout=30)
    assert wait_gone(tree) == set(), "fork server / worker / template / kernel left running"
    assert _snapshot(published) == before
    # the next run (old parameters) repairs the leftovers and has nothing to run
    set_parameter(published, "tiny", "  wave: 2030\n  sleep: 120", "  wave: 2024")
    again = run_cli(published, "run", "tiny")
    assert again.returncode == 0, again.stderr
    assert "0 rapport publié, 2 à jour" in again.stdout
    assert stray_temporaries(published / "reports") == []


def test_one_variants_publish_error_fails_it_alone(published):
    """tiny's study folder is read-only: tiny's variants fail cleanly, tiny_b still publishes,
    the index is rebuilt, the run ends with the summary and exit 1."""
    before_tiny = {k: v for k, v in _snapshot(published).items() if k.startswith("tiny/")}
    set_parameter(published, "tiny", "  wave: 2024", "  wave: 2031")
    set_parameter(published, "tiny_b", "  wave: 2024", "  wave: 2032")
    with read_only(published / "reports" / "tiny"):
        res = run_cli(published, "run", "--all", "--jobs", "2")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "1 rapport publié, 0 à jour, 2 en échec" in res.stderr
    assert "tiny / regional : cannot replace the report in" in res.stderr
    assert "Hint:" in res.stderr
    meta_b = json.loads((published / "reports/tiny_b/regional/meta.json").read_text())
    assert meta_b["parameters"]["wave"] == 2032
    manifest = json.loads((published / "reports/manifest.json").read_text())
    assert manifest["studies"]["tiny_b"]["variants"]["regional"]["parameters"]["wave"] == 2032
    assert {k: v for k, v in _snapshot(published).items() if k.startswith("tiny/")} == before_tiny
    assert stray_temporaries(published / "reports") == []


def test_read_only_reports_folder_is_a_clean_error(project):
    reports = project / "reports"
    reports.mkdir()
    with read_only(reports):
        res = run_cli(project, "run", "tiny")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert f"error: cannot lock the reports folder at {reports / '.lock'}" in res.stderr
    assert "Hint:" in res.stderr
    assert list(reports.iterdir()) == []


def test_manifest_write_failure_leaves_no_temporary(tmp_path, monkeypatch):
    """ENOSPC injected in the write itself (in-process): the old manifest stays, no .tmp file."""
    layout = ReportsLayout(tmp_path / "reports")
    build_manifest(layout, {})
    before = layout.manifest.read_bytes()
    real_open = open

    def full_disk_open(path, mode="r", *args, **kwargs):
        fh = real_open(path, mode, *args, **kwargs)
        if "w" in mode and str(path).endswith(".tmp"):
            fh.write = lambda _text: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device"))
        return fh

    monkeypatch.setattr("builtins.open", full_disk_open)
    with pytest.raises(PublishError, match=r"cannot write .*manifest\.json: the disk is full \(ENOSPC\)\. "
                                           r"Hint: free some space"):
        build_manifest(layout, {"s": {"regional": {"title": "T"}}})
    monkeypatch.undo()
    assert layout.manifest.read_bytes() == before
    assert stray_temporaries(layout.reports) == []
    with pytest.raises(PublishError, match="disk is full"):
        monkeypatch.setattr("os.replace", lambda *a: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
        write_atomic(layout.index, "x")
    monkeypatch.undo()
    assert stray_temporaries(layout.reports) == []


def test_lock_on_a_file_instead_of_a_folder(tmp_path):
    (tmp_path / "reports").write_text("not a folder")
    with pytest.raises(PublishError, match=r"cannot lock the reports folder at .*reports/\.lock"):
        lock_reports(ReportsLayout(tmp_path / "reports"))


needs_mount = pytest.mark.skipif(not can_mount(), reason="a full disk is simulated with a tmpfs "
                                 "(needs root and mount)")


@needs_mount
def test_full_disk_gives_a_summary_no_empty_failed_notebook(published):
    before = _snapshot(published)
    set_parameter(published, "tiny", "  wave: 2024", "  wave: 2033")
    reports = published / "reports"
    full = published / "full_reports"
    full.mkdir()
    with small_disk(full, "2m"):
        # the published reports are copied onto the small disk, which is then filled
        subprocess.run(["cp", "-a", f"{reports}/.", str(full)], check=True)
        fill(full)
        res = run_cli(published, "run", "tiny", "--reports", str(full))
        after = _snapshot_of(full)
        failed = sorted(p for p in (full / "_failed").rglob("*") if p.is_file()) \
            if (full / "_failed").exists() else []
        empty_failed = [p for p in failed if p.stat().st_size == 0]
        strays = stray_temporaries(full)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "0 rapport publié, 0 à jour, 2 en échec" in res.stderr
    assert "No space left on device" in res.stderr or "disk is full" in res.stderr
    assert empty_failed == []
    assert strays == []
    assert after == before  # every published report (and index, manifest) as it was




@needs_mount
def test_failed_notebook_on_a_full_disk_is_not_kept_empty(tmp_path):
    """Disk full while keeping the failed notebook: no 0-byte or partial copy, the log says why."""
    from arefie_studies.pipeline.execute import _keep_failed

    executed = tmp_path / "executed.ipynb"
    executed.write_text(json.dumps({"cells": [{"source": "x" * 200_000}]}), encoding="utf-8")
    failed_dir = tmp_path / "failed"
    with small_disk(failed_dir, "64k"):
        log = tmp_path / "job.log"
        with open(log, "w", encoding="utf-8") as fh:
            _keep_failed(executed, failed_dir / "tiny" / "regional.ipynb", fh)
        left = sorted(str(p.relative_to(failed_dir)) for p in failed_dir.rglob("*") if p.is_file())
    assert left == []
    assert "the failed notebook could not be kept in" in log.read_text()
    assert "No space left on device" in log.read_text()


@needs_mount
def test_publish_copy_to_a_full_folder(published, capsys):
    from arefie_studies.cli import main

    dest = published / "web"
    with small_disk(dest, "64k"):
        fill(dest)
        code = main(["--root", str(published), "publish", "--to", str(dest)])
        left = sorted(p.name for p in dest.iterdir())
    err = capsys.readouterr().err
    assert code == 1
    assert f"error: cannot copy the reports of {dest / 'tiny'}: the disk is full (ENOSPC)" in err
    assert "Traceback" not in err
    assert left == ["filler.bin"]  # no .incoming-* folder, no temporary file


def test_a_sigterm_held_during_a_step_stays_a_sigterm():
    """The soak found a run ended by SIGTERM exiting 130 (Ctrl-C): a signal held while a report
    was moved in was raised again as a plain KeyboardInterrupt. It now reaches the handler that
    was in place, so the command exits 143."""
    import os
    import signal

    from arefie_studies.pipeline.runner import signals_deferred

    class Terminated(Exception):
        pass

    def on_term(_s, _f):
        raise Terminated

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with pytest.raises(Terminated):
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGTERM)   # held: the step finishes first
                finished = True
        assert finished
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_sigterm_after_the_run_ended_keeps_its_exit_code(tmp_path):
    """The soak (clean-clone CI) saw a run exit -15 with nothing printed: the SIGTERM came after
    main() had returned, while the interpreter shut down (multiprocessing's clean-up), when Python
    has put the default handler back.  The command ignores SIGTERM once its work is done, so the
    exit code is the run's.  Here the signal is sent by the first exit hook."""
    code = ("import atexit, os, signal, sys\n"
            "from arefie_studies import cli\n"
            "atexit.register(lambda: os.kill(os.getpid(), signal.SIGTERM))\n"
            "sys.argv = ['arefie-studies', '--version']\n"
            "cli.entry()\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=cli_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
