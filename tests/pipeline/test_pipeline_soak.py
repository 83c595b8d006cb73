"""Issue 13, soak test: 30 simulated nightly runs of the fixture study with random faults.

Each night may edit the inputs (the CSV or a study's parameter, among a few states) and injects at
most one fault: ``kill -9`` or SIGTERM of the CLI at a random moment, a full disk (the reports
folder is a small tmpfs, filled before the run: root only), a notebook error (``fail: crash``).
After each night:

- no process of the night is left (none has the project as working directory: fork server,
  pool workers, kernel templates and kernels all do);
- every published report is the previous good one or the new one (its fingerprint), and is
  byte-identical to a clean rebuild of the same inputs in a fresh folder (``SOURCE_DATE_EPOCH``
  fixes the date written in the report);
- after a night that ended (not killed) no temporary file is left and manifest.json lists
  exactly what is on disk; after a kill -9 the next run repairs the leftovers.
The schedule is drawn from a fixed seed and printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fault_utils import can_mount, fill, small_disk, stray_temporaries
from pipeline_testutils import FIXTURE, cli_env

from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.pipeline.runner import plan_variants
from arefie_studies.project import load_configs
from arefie_studies.project.hashing import HashCache

pytestmark = pytest.mark.slow

NIGHTS = 30
SEED = 13
VARIANTS = [("tiny", "regional"), ("tiny", "departement-59"), ("tiny_b", "regional")]
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


def _env() -> dict[str, str]:
    return {**cli_env(), "SOURCE_DATE_EPOCH": EPOCH}


def _apply_state(root: Path, state: tuple[int, int, int, bool]) -> None:
    """csv version, tiny's wave, tiny_b's wave, tiny's notebook error."""
    csv_version, wave_a, wave_b, crash = state
    raw = (FIXTURE / "data" / "tiny.csv").read_bytes().decode("utf-8")
    lines = raw.splitlines(keepends=True)  # the fixture's own line endings (CRLF) are kept
    if csv_version == 1:  # one respondent changes sex: the counts change
        lines[5] = lines[5].replace(",H,", ",F,") if ",H," in lines[5] else lines[5].replace(",F,", ",H,")
    _write_if_changed(root / "data" / "tiny.csv", "".join(lines))
    for slug, wave, fail in (("tiny", wave_a, crash), ("tiny_b", wave_b, False)):
        text = (FIXTURE / "studies" / f"{slug}.yaml").read_text(encoding="utf-8")
        extra = "\n  fail: crash" if fail else ""
        _write_if_changed(root / "studies" / f"{slug}.yaml",
                          text.replace("  wave: 2024", f"  wave: {wave}{extra}", 1))


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)


def _fingerprints(root: Path, reports: Path) -> dict[tuple[str, str], str]:
    planned = plan_variants(root, load_configs(root), ReportsLayout(reports), HashCache(None))
    return {(p.config.slug, p.variant.name): p.fingerprint for p in planned}


def _folder(path: Path) -> dict[str, bytes]:
    """A report folder's files; ``started`` (the fixture notebook writes its kernel's pid there for
    the kill tests) is the one file that differs between two runs by design."""
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())
            if p.is_file() and p.name != "started"}


def _project_processes(root: Path) -> list[str]:
    """Processes whose working directory is the project (every process a run starts)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and Path(cwd) == root:
            out.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()[:120]!r}")
    return out


class References:
    """Clean rebuilds, one per input state, in a fresh copy of the fixture."""

    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.by_fp: dict[str, dict[str, bytes]] = {}
        self.builds = 0

    def ensure(self, state) -> None:
        root = self.scratch / f"clean-{self.builds}"
        shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "reports"))
        _apply_state(root, state)
        fps = _fingerprints(root, root / "reports")
        if all(fp in self.by_fp for fp in fps.values()):
            shutil.rmtree(root)
            return
        res = subprocess.run([sys.executable, "-m", "arefie_studies.cli", "run", "--all",
                              "--jobs", "2", "--no-progress"], cwd=root, env=_env(),
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        self.builds += 1
        for slug, variant in VARIANTS:
            vdir = root / "reports" / slug / variant
            fp = json.loads((vdir / "meta.json").read_text())["fingerprint"]
            assert fp == fps[(slug, variant)]
            self.by_fp[fp] = _folder(vdir)
        shutil.rmtree(root)


def _kill_project_processes(root: Path) -> None:
    for line in _project_processes(root):
        with contextlib.suppress(OSError):
            os.kill(int(line.split(":")[0]), signal.SIGKILL)


@pytest.mark.skipif(not can_mount(), reason="the soak's full disk is a small tmpfs (needs root "
                    "and mount)")
def test_thirty_nights_with_random_faults(tmp_path):
    try:
        _soak(tmp_path)
    finally:  # a failing night must not leave its processes running
        _kill_project_processes(tmp_path / "project")


def _soak(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "reports"))
    reports = tmp_path / "reports"
    refs = References(tmp_path)
    state = (0, 2024, 2024, False)
    good: dict[tuple[str, str], str | None] = dict.fromkeys(VARIANTS)
    log: list[str] = []
    counts = {"runs": 0, "kill9": 0, "term": 0, "disk_full": 0, "notebook_error": 0, "none": 0,
              "edits": 0, "published": 0, "failed_variants": 0, "lost": 0, "strays": 0}
    with small_disk(reports, "8m"):
        for night in range(1, NIGHTS + 2):
            last = night == NIGHTS + 1  # a final quiet night: everything must be clean
            csv_v, wave_a, wave_b, _ = state
            if not last and rng.random() < 0.5:
                counts["edits"] += 1
                which = rng.choice(["csv", "tiny", "tiny_b"])
                if which == "csv":
                    csv_v = 1 - csv_v
                elif which == "tiny":
                    wave_a = 2025 if wave_a == 2024 else 2024
                else:
                    wave_b = 2025 if wave_b == 2024 else 2024
            fault = "none" if last else rng.choice(
                ["none", "kill9", "term", "disk_full", "notebook_error"])
            counts[fault] += 1
            state = (csv_v, wave_a, wave_b, fault == "notebook_error")
            _apply_state(root, state)
            good_state = (csv_v, wave_a, wave_b, False)
            fps = _fingerprints(root, reports)
            if fault == "disk_full":
                fill(reports)
            delay = rng.uniform(0.3, 8.0)
            # output to files, not pipes: a process left behind must not hang the test
            err_path = tmp_path / f"night-{night}.err"
            with open(err_path, "w") as err_file:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "arefie_studies.cli", "run", "--all", "--jobs", "2",
                     "--no-progress", "--reports", str(reports)], cwd=root, env=_env(),
                    stdout=subprocess.DEVNULL, stderr=err_file, start_new_session=True)
            counts["runs"] += 1
            if fault in ("kill9", "term"):
                try:
                    proc.wait(timeout=delay)
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL if fault == "kill9" else signal.SIGTERM)
            proc.wait(timeout=300)
            err = err_path.read_text()
            (reports / "filler.bin").unlink(missing_ok=True)
            when = f"after {delay:.1f} s " if fault in ("kill9", "term") else ""
            log.append(f"night {night:2d}: state {state} fault {fault:<14} {when}"
                       f"exit {proc.returncode}")
            assert "Traceback" not in err, f"night {night}: {err}"
            ended = proc.returncode in (0, 1)
            if fault in ("none",):
                assert proc.returncode == 0, f"night {night}: {err}"
            if fault == "term" and not ended:
                assert proc.returncode == 143 and "interrompu ; les rapports publiés sont inchangés." in err
            # 1. nothing left running
            deadline = time.monotonic() + 20
            while _project_processes(root) and time.monotonic() < deadline:
                time.sleep(0.2)
            strays = _project_processes(root)
            counts["strays"] += len(strays)
            assert strays == [], f"night {night}: processes left: {strays}"
            # 2. every published report: the previous good one or the new one, byte-identical
            refs.ensure(good_state)
            for key in VARIANTS:
                vdir = reports / key[0] / key[1]
                if not vdir.is_dir():
                    renamed_aside = list(vdir.parent.glob(f".{key[1]}.old-*")) if vdir.parent.is_dir() else []
                    if good[key] is not None and not (fault == "kill9" and renamed_aside):
                        counts["lost"] += 1
                        pytest.fail(f"night {night}: {key} lost (was {good[key]})")
                    continue
                fp = json.loads((vdir / "meta.json").read_text())["fingerprint"]
                allowed = {good[key], fps[key]} if fault != "notebook_error" or key[0] != "tiny" \
                    else {good[key]}
                assert fp in allowed, f"night {night}: {key} has fingerprint {fp}, not {allowed}"
                assert fp in refs.by_fp, f"night {night}: {key} {fp} good {good[key]} {log} {err}"
                assert _folder(vdir) == refs.by_fp[fp], f"night {night}: {key} differs from a rebuild"
                if fp != good[key]:
                    counts["published"] += 1
                good[key] = fp
            counts["failed_variants"] += err.count("\n  - ") if proc.returncode == 1 else 0
            # 3. a night that ended leaves no temporary file and an exact manifest
            if ended and fault != "disk_full":
                assert stray_temporaries(reports) == [], f"night {night}"
                manifest = json.loads((reports / "manifest.json").read_text())
                listed = {(s, v): m["fingerprint"] for s, d in manifest["studies"].items()
                          for v, m in d["variants"].items()}
                assert listed == {k: fp for k, fp in good.items() if fp is not None}
            if ended and fault == "disk_full":
                assert stray_temporaries(reports) == [], f"night {night}"
                assert not [p for p in reports.rglob("*.ipynb") if p.stat().st_size == 0]
        # the final quiet night published the current inputs everywhere
        assert all(good[k] == fps[k] for k in VARIANTS)
    print("\n" + "\n".join(log))
    print(f"soak: {counts} ; clean rebuilds: {refs.builds}")
    assert counts["lost"] == 0 and counts["strays"] == 0
    assert min(counts[f] for f in ("kill9", "term", "disk_full", "notebook_error")) >= 3
