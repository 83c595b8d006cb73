"""End-to-end runs of the test study (papermill kernels): incremental re-runs, failure isolation,
leak scan refusal, kill -9 mid-run, Dask local cluster, the real renderer."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pipeline_testutils import cli_env, run_cli, set_parameter

from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.pipeline.leakscan import ScanRules, scan_files
from arefie_studies.pipeline.publish import build_index, publish_variant
from arefie_studies.pipeline.runner import plan_variants, run_studies
from arefie_studies.project.config import load_configs
from arefie_studies.project.hashing import HashCache

pytestmark = pytest.mark.slow


def meta(root: Path, slug: str, variant: str) -> dict:
    return json.loads((root / "reports" / slug / variant / "meta.json").read_text(encoding="utf-8"))


def add_study(root: Path, slug: str, parameters: str) -> None:
    (root / "studies" / f"{slug}.yaml").write_text(
        f"title: Étude {slug}\nnotebook: notebooks/tiny.ipynb\nmodule: tiny_study\n"
        "renderer: tiny_study:render_report\n"
        "inputs: {enquete: {path: data/tiny.csv, identifiers: [id, nom]}}\n"
        f"parameters: {parameters}\n", encoding="utf-8")


def test_incremental_runs_failure_isolation_and_leak_scan(project):
    # 1. first run: every variant of both studies, index and manifest
    first = run_cli(project, "run", "--all", "--jobs", "2")
    assert first.returncode == 0, first.stderr
    assert "3 rapports publiés, 0 à jour, 0 en échec" in first.stdout
    index = (project / "reports" / "index.html").read_text(encoding="utf-8")
    for text in ("Étude test du pipeline", "Étude test bis", "Département : Nord",
                 'href="tiny/departement-59/report.pdf"', 'href="tiny_b/regional/report.html"'):
        assert text in index
    manifest = json.loads((project / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["studies"]["tiny"]["variants"]) == {"regional", "departement-59"}
    nord = meta(project, "tiny", "departement-59")
    assert nord["parameters"]["departement"] == "59"
    assert [(i["name"], i["path"]) for i in nord["inputs"]] == [
        ("enquete", "data/tiny.csv"), ("enquete (dictionnaire)", "data/codebooks/tiny.yaml")]
    assert all(len(i["sha256"]) == 64 for i in nord["inputs"])
    # the key-figures box travels into meta.json (the portal's territory pages quote it)
    assert nord["key_figures"] == [{"label": "vague de l’enquête", "value": "2024",
                                    "detail": "variante departement-59"}]
    assert "30 répondants" in (project / "reports/tiny/departement-59/report.html").read_text()
    assert (project / "reports/_logs/tiny/regional.log").read_text().count("status ok") == 1

    # 2. nothing changed: nothing runs (how fast is measured in bench/, not asserted here)
    second = run_cli(project, "run", "--all")
    assert second.returncode == 0, second.stderr
    assert "0 rapport publié, 3 à jour" in second.stdout

    # 3. one study's parameter changes and two new studies fail (a notebook error, a leak):
    #    that study alone re-runs, the failures do not stop it, exit 1 with a clean summary
    tiny_before = {v: meta(project, "tiny", v) for v in ("regional", "departement-59")}
    set_parameter(project, "tiny_b", "  wave: 2024", "  wave: 2025")
    add_study(project, "broken", "{fail: input}")
    add_study(project, "leaky", "{leak: true, small: true}")
    add_study(project, "stuck", "{sleep: 60}\ncell_timeout: 1")
    third = run_cli(project, "run", "--all", "--jobs", "2")
    assert third.returncode == 1
    assert "1 rapport publié, 2 à jour, 3 en échec" in third.stderr
    assert meta(project, "tiny_b", "regional")["parameters"]["wave"] == 2025
    assert {v: meta(project, "tiny", v) for v in tiny_before} == tiny_before
    err = third.stderr
    assert "3 variantes en échec :" in err
    assert ("stuck / regional : cellule 2 (In [3]) «import os» : le carnet ne s’est pas exécuté "
            "jusqu’au bout : CellTimeoutError") in err
    assert ("broken / regional : cellule 3 (In [4]) «tiny_study.check(rows, fail)» : DataValidationError: "
            "data/tiny.csv: column 'age' is missing") in err
    assert "carnet conservé dans reports/_failed/broken/regional.ipynb" in err
    assert "leaky / regional : analyse des fuites, publication refusée" in err
    assert "identifier" in err and "small_cell" in err
    assert "Traceback" not in err and "Traceback" not in third.stdout
    failed = json.loads((project / "reports/_failed/broken/regional.ipynb").read_text())
    errors = [o for c in failed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors[0]["ename"] == "DataValidationError"
    assert (project / "reports/_failed/leaky/regional.quarantine/report.html").is_file()
    assert not (project / "reports/broken").exists() and not (project / "reports/leaky").exists()
    assert "Étude broken" not in (project / "reports/index.html").read_text(encoding="utf-8")


def _kernel_pid(started: Path) -> int | None:
    try:
        pid = int(started.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"ipykernel" in cmdline else None


def _publish_current(root: Path, slug: str, variant: str) -> None:
    """Publish a stand-in report carrying the variant's current fingerprint (saves a kernel run)."""
    cache = HashCache(None)
    layout = ReportsLayout(root / "reports")
    [planned] = plan_variants(root, load_configs(root, [slug]), layout, cache, variant=variant)
    tmp = layout.new_tmp()
    (tmp / "report.html").write_text("<p>rapport publié</p>", encoding="utf-8")
    (tmp / "report.pdf").write_bytes(b"%PDF-1.4 v1")
    (tmp / "meta.json").write_text(json.dumps({
        "study": slug, "variant": variant, "title": "T", "fingerprint": planned.fingerprint,
        "files": {"html": "report.html", "pdf": "report.pdf"}}), encoding="utf-8")
    publish_variant(layout, slug, variant, tmp)
    build_index(layout)


def test_kill_9_mid_run_leaves_the_published_report_intact(project):
    _publish_current(project, "tiny", "regional")
    report = project / "reports/tiny/regional"
    before = {p.name: p.read_bytes() for p in report.iterdir()}
    index_before = (project / "reports/index.html").read_bytes()

    set_parameter(project, "tiny", "  wave: 2024", "  wave: 2030\n  sleep: 120")
    proc = subprocess.Popen(
        [sys.executable, "-m", "arefie_studies.cli", "run", "tiny", "--variant", "regional",
         "--no-progress"], cwd=project, env=cli_env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    started = None
    while time.monotonic() < deadline and started is None:
        found = list((project / "reports").glob(".tmp-*/started"))
        started = found[0] if found else None
        time.sleep(0.1)
    assert started is not None, "the notebook never started"
    kernel = _kernel_pid(started)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its pool workers, mid-execution
    proc.wait(timeout=10)
    if kernel is not None:  # the kernel runs in its own session; end it too
        try:
            os.kill(kernel, signal.SIGKILL)
        except ProcessLookupError:
            pass

    assert {p.name: p.read_bytes() for p in report.iterdir()} == before
    assert (project / "reports/index.html").read_bytes() == index_before
    assert list((project / "reports").glob(".tmp-*"))  # the interrupted run's leftovers

    # the next run repairs the leftovers; with the old parameters nothing needs running
    set_parameter(project, "tiny", "  wave: 2030\n  sleep: 120", "  wave: 2024")
    again = run_cli(project, "run", "tiny", "--variant", "regional")
    assert again.returncode == 0, again.stderr
    assert "0 rapport publié, 1 à jour" in again.stdout
    assert "reprise après une exécution interrompue" in again.stderr
    assert not list((project / "reports").glob(".tmp-*"))
    assert {p.name: p.read_bytes() for p in report.iterdir()} == before


def test_dask_local_cluster(project):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:  # a free port: no clash warning
        summary = run_studies(project, load_configs(project, ["tiny"]),
                              scheduler=cluster.scheduler_address, progress=False)
    assert summary.ok, summary.report()
    assert sorted(summary.published) == [("tiny", "departement-59"), ("tiny", "regional")]
    assert "30 répondants" in (project / "reports/tiny/departement-59/report.html").read_text()
    assert meta(project, "tiny", "regional")["fingerprint"]
    log = (project / "reports/_logs/tiny/departement-59.log").read_text()
    assert "Executing Cell" in log and "status ok" in log and "variant regional" not in log
    # the same fingerprints as a local run: a second, local run has nothing to do
    again = run_studies(project, load_configs(project, ["tiny"]), progress=False)
    assert again.skipped == [("tiny", "regional"), ("tiny", "departement-59")] and not again.published


def test_real_renderer_and_leak_scan_on_its_pdf(project):
    pytest.importorskip("arefie_studies.pipeline.render", reason="tables-reports renderer not merged")
    cfg = project / "studies" / "tiny.yaml"
    cfg.write_text(cfg.read_text().replace("renderer: tiny_study:render_report\n", ""))
    summary = run_studies(project, load_configs(project, ["tiny"]), variant="regional",
                          progress=False)
    assert summary.ok, summary.report()
    files = meta(project, "tiny", "regional")["files"]
    pdf = project / "reports/tiny/regional" / files["pdf"]
    assert pdf.read_bytes()[:4] == b"%PDF"
    # the scan reads WeasyPrint's PDF text: a value printed in the report is found there
    if shutil.which("pdftotext") or importlib.util.find_spec("pypdf"):
        rules = ScanRules(identifier_values=frozenset({"répondants", "J10042"}))
        [finding] = scan_files([pdf], rules)
        assert finding.kind == "identifier" and "répondants" in finding.detail
