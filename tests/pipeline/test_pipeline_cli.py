"""CLI commands without running notebooks: exit codes and messages."""

from __future__ import annotations

import json

import pytest

from arefie_studies.cli import main
from arefie_studies.pipeline.config import load_configs
from arefie_studies.pipeline.runner import ensure_synthetic


def cli(project, capsys, *args):
    code = main(["--root", str(project), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_needs_studies_or_all(project, capsys):
    code, _, err = cli(project, capsys, "run")
    assert code == 2 and "name the studies to run" in err
    code, _, err = cli(project, capsys, "run", "tiny", "--all")
    assert code == 2 and "not both" in err


def test_unknown_study_and_variant_are_clean_errors(project, capsys):
    code, _, err = cli(project, capsys, "run", "cej")
    assert code == 2
    assert err.startswith("error: unknown study cej") and "Available studies: tiny, tiny_b" in err
    code, _, err = cli(project, capsys, "run", "tiny", "--variant", "nord")
    assert code == 2 and "no variant 'nord'. Known variants: regional, departement-59" in err
    assert "Traceback" not in err


def test_bad_config_is_a_clean_error(project, capsys):
    (project / "studies" / "tiny.yaml").write_text("title: T\ndisclosure_threshold: -1\n")
    code, _, err = cli(project, capsys, "run", "--all")
    assert code == 2 and "tiny.yaml: key 'disclosure_threshold'" in err


def test_list_shows_variants_and_state(project, capsys):
    code, out, _ = cli(project, capsys, "list")
    assert code == 0
    assert "tiny  —  Étude test du pipeline" in out and "departement-59" in out and "to run" in out


def test_validate_passes_on_the_fixture(project, capsys):
    code, out, err = cli(project, capsys, "validate", "--no-data")
    assert code == 0, err
    assert "tiny: ok" in out and "tiny_b: ok" in out


def test_validate_reads_the_data(project, capsys):
    import arefie_studies.io as io

    if not hasattr(io, "read_data"):
        pytest.skip("io layer (read_data) not merged yet")
    code, _, err = cli(project, capsys, "validate")
    assert code == 0, err


def test_validate_lists_every_problem(project, capsys):
    nb = project / "notebooks" / "tiny.ipynb"
    data = json.loads(nb.read_text())
    data["cells"][1]["metadata"]["tags"] = []
    nb.write_text(json.dumps(data))
    (project / "studies" / "tiny_b.yaml").write_text(
        "title: B\nmodule: absent_module\ninputs: {e: {path: data/nope.csv}}\n")
    (project / "studies" / "cassee.yaml").write_text("title: C\nvariants: 3\n")
    code, _, err = cli(project, capsys, "validate", "--no-data")
    assert code == 1
    assert "tiny: notebooks/tiny.ipynb has no cell tagged 'parameters'" in err
    assert "tiny_b: notebook notebooks/tiny_b.ipynb not found" in err
    assert "tiny_b: study module absent_module not found" in err
    assert "tiny_b: input 'e' not found: data/nope.csv" in err
    assert "cassee:" in err and "key 'variants'" in err


def test_publish_on_empty_reports(project, capsys):
    code, out, _ = cli(project, capsys, "publish")
    assert code == 0 and "0 report(s) indexed" in out
    assert "Aucun rapport publié" in (project / "reports" / "index.html").read_text()


def test_publish_fails_on_a_leak(project, capsys):
    vdir = project / "reports" / "tiny" / "regional"
    vdir.mkdir(parents=True)
    (vdir / "report.html").write_text('<p>J10007</p><td data-n="4">4</td>')
    (vdir / "meta.json").write_text(json.dumps({"title": "T", "files": {"html": "report.html"}}))
    code, _, err = cli(project, capsys, "publish", "--to", str(project / "www"))
    assert code == 1
    assert "tiny/regional/report.html: identifier" in err and "small_cell" in err
    assert not (project / "www").exists()


def test_synth_command_and_automatic_generation(project, capsys, monkeypatch):
    import arefie_studies.synth as synth

    calls = []

    def fake_generate_all(out_dir, seed=2024):
        calls.append((out_dir, seed))
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "tiny.csv").write_text((project / "data" / "tiny.csv").read_text())
        return [out_dir / "tiny.csv"]

    monkeypatch.setattr(synth, "generate_all", fake_generate_all, raising=False)
    code, out, _ = cli(project, capsys, "synth", "--seed", "7")
    assert code == 0 and calls == [(project / "data" / "synthetic", 7)]
    assert "1 file(s) written" in out
    # a study whose synthetic input is missing gets it generated (seed 2024), once
    (project / "data" / "synthetic" / "tiny.csv").unlink()
    (project / "studies" / "tiny_b.yaml").write_text(
        "title: B\ninputs: {e: {path: data/synthetic/tiny.csv}}\n")
    assert ensure_synthetic(project, load_configs(project), echo=lambda m: None) == ""
    assert calls[-1] == (project / "data" / "synthetic", 2024)
    assert ensure_synthetic(project, load_configs(project), echo=lambda m: None) == ""
    assert len(calls) == 2
