"""Reports built on a Dask cluster of separate worker processes are byte-identical to a local
run, and a worker killed mid-run is recovered by re-running only the variants it held."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from pipeline_testutils import FIXTURE, set_parameter

from arefie_studies.pipeline.runner import run_studies
from arefie_studies.project.config import load_configs

pytestmark = pytest.mark.slow
distributed = pytest.importorskip("distributed")


def copy_fixture(dst: Path) -> Path:
    shutil.copytree(FIXTURE, dst, ignore=shutil.ignore_patterns("__pycache__", "reports"))
    return dst


def report_files(root: Path) -> dict[str, bytes]:
    """Every published file of the study, except ``started``: the fixture notebook writes its
    kernel's process id there (for the kill tests), which differs from run to run by design."""
    base = root / "reports" / "tiny"
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*"))
            if p.is_file() and p.name != "started"}


def test_dask_reports_byte_identical_to_local(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01: fixed report date
    local = copy_fixture(tmp_path / "local")
    remote = copy_fixture(tmp_path / "remote")
    s1 = run_studies(local, load_configs(local, ["tiny"]), jobs=1, progress=False)
    assert s1.ok, s1.report()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:  # a free port: no clash warning
        s2 = run_studies(remote, load_configs(remote, ["tiny"]), scheduler=cluster.scheduler_address,
                         progress=False)
    assert s2.ok, s2.report()
    a, b = report_files(local), report_files(remote)
    assert sorted(a) == sorted(b)
    assert {"regional/report.html", "regional/report.pdf", "regional/meta.json",
            "departement-59/report.html"} <= set(a)
    differing = [k for k in a if a[k] != b[k]]
    assert differing == []


def test_killed_worker_reruns_only_its_variant(tmp_path):
    root = copy_fixture(tmp_path / "project")
    set_parameter(root, "tiny", "  wave: 2024", "  wave: 2024\n  sleep: 6")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:  # a free port: no clash warning
        out: dict = {}
        runner = threading.Thread(target=lambda: out.setdefault("summary", run_studies(
            root, load_configs(root, ["tiny"]), scheduler=cluster.scheduler_address, progress=False)))
        runner.start()
        with distributed.Client(cluster.scheduler_address) as client:
            # wait until both variants are running, one on each worker
            deadline = time.monotonic() + 60
            busy: dict = {}
            while time.monotonic() < deadline:
                busy = {w: keys for w, keys in client.processing().items() if keys}
                if len(busy) == 2:
                    break
                time.sleep(0.2)
            assert len(busy) == 2, busy
            time.sleep(2)  # the kernels are executing
            victim, keys = sorted(busy.items())[0]
            pids = client.run(os.getpid)
            os.kill(pids[victim], signal.SIGKILL)
            killed_variant = "regional" if "regional" in str(keys[0]) else "departement-59"
            keys_by_variant = {("regional" if "regional" in str(k) else "departement-59"): k
                               for ks in busy.values() for k in ks}
        runner.join(timeout=120)
        assert not runner.is_alive()
        # scheduler's own record: how many times each variant's task was sent to a worker
        runs = {v: sum(1 for t in cluster.scheduler.story(k) if t[2] == "processing")
                for v, k in keys_by_variant.items()}
    assert runs[killed_variant] == 2
    assert runs[next(v for v in runs if v != killed_variant)] == 1
    summary = out["summary"]
    assert summary.ok, summary.report()
    assert sorted(summary.published) == [("tiny", "departement-59"), ("tiny", "regional")]
    # the killed variant ran again (on the surviving or restarted worker); the other only once
    logs = {v: (root / f"reports/_logs/tiny/{v}.log").read_text() for v in ("regional", "departement-59")}
    assert all(log.count("status ok") == 1 for log in logs.values())
    html = (root / "reports/tiny" / killed_variant / "report.html").read_text()
    assert "répondants" in html
