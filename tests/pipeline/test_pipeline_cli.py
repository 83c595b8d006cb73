"""CLI commands without running notebooks: exit codes and messages."""

from __future__ import annotations

import json

from arefie_studies.cli import main
from arefie_studies.pipeline.runner import ensure_synthetic
from arefie_studies.project.config import load_configs


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
    assert "tiny  —  Étude test du pipeline" in out and "departement-59" in out and "à produire" in out
    assert "[Nord – Département : Nord]" in out   # the territory's name beside the folder name
    old = project / "reports" / "tiny" / "departement-02"
    old.mkdir(parents=True)
    (old / "meta.json").write_text("{}")
    _, out, _ = cli(project, capsys, "list")
    assert "publiés mais plus configurés (supprimez-les pour les dépublier) : tiny/departement-02" in out


def test_validate_passes_on_the_fixture(project, capsys):
    code, out, err = cli(project, capsys, "validate", "--no-data")
    assert code == 0, err
    assert "tiny : ok" in out and "tiny_b : ok" in out


def test_validate_reads_the_data(project, capsys):
    code, _, err = cli(project, capsys, "validate")
    assert code == 0, err


def break_data(project):
    csv = project / "data" / "tiny.csv"
    csv.write_text(csv.read_text().replace(",59,H,", ",59,X,", 1))


def test_bad_input_data_is_a_clean_message_in_validate_and_run(project, capsys):
    break_data(project)
    code, out, err = cli(project, capsys, "validate")
    assert code == 1 and "tiny : 1 problème" in out and "tiny_b : ok" in out
    assert "tiny: input 'enquete' (data/tiny.csv): DataValidationError: Data validation failed" in err
    assert "variable 'sexe'" in err and "Traceback" not in err
    # the unlabelled value is also a one-line warning naming the file, the variable and the value
    assert "warning: '" in err and "data/tiny.csv': variable 'sexe' has value labels but the value(s) 'X'" in err
    # run checks inputs with a codebook before starting any kernel: a clean summary, exit 1
    code, _, err = cli(project, capsys, "run", "tiny", "--no-progress")
    assert code == 1
    assert "tiny / regional : input 'enquete' (data/tiny.csv): DataValidationError:" in err
    assert "tiny / departement-59 : input 'enquete'" in err
    assert "variable 'sexe'" in err and "Traceback" not in err
    assert not (project / "reports" / "tiny").exists()


def test_config_naming_absent_columns_is_reported(project, capsys):
    cfg = project / "studies" / "tiny_b.yaml"
    cfg.write_text(cfg.read_text().replace("identifiers: [id, nom, date_naissance]",
                                           "identifiers: [id, prenom]"))
    code, _, err = cli(project, capsys, "validate", "tiny_b")
    assert code == 1
    assert "key 'inputs.enquete.identifiers' names column(s) prenom absent from data/tiny.csv" in err
    assert "Available columns: id, nom, date_naissance" in err


def test_validate_lists_every_problem(project, capsys):
    nb = project / "notebooks" / "tiny.ipynb"
    data = json.loads(nb.read_text())
    data["cells"][1]["metadata"]["tags"] = []
    nb.write_text(json.dumps(data))
    (project / "studies" / "tiny_b.yaml").write_text(
        "title: B\nmodule: absent_module\ninputs: {e: {path: data/nope.csv}}\n")
    (project / "studies" / "cassee.yaml").write_text("title: C\nvariants: 3\n")
    (project / "notebooks" / "orpheline.ipynb").write_text("{}")
    (project / "src" / "arefie_studies" / "studies").mkdir(parents=True)
    (project / "src" / "arefie_studies" / "studies" / "seule.py").write_text("")
    code, _, err = cli(project, capsys, "validate", "--no-data")
    assert code == 1
    assert "tiny: notebooks/tiny.ipynb has no cell tagged 'parameters'" in err
    assert "tiny_b: notebook notebooks/tiny_b.ipynb not found" in err
    assert "tiny_b: study module absent_module not found" in err
    assert "tiny_b: input 'e' not found: data/nope.csv" in err
    assert "cassee:" in err and "key 'variants'" in err
    assert "orpheline: notebooks/orpheline.ipynb has no studies/orpheline.yaml" in err
    assert "seule: src/arefie_studies/studies/seule.py has no studies/seule.yaml" in err


def test_publish_on_empty_reports(project, capsys):
    code, out, _ = cli(project, capsys, "publish")
    assert code == 0 and "0 rapport indexé" in out
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
    assert "1 fichier écrit" in out
    # a study whose synthetic input is missing gets it generated (seed 2024), once
    (project / "data" / "synthetic" / "tiny.csv").unlink()
    (project / "studies" / "tiny_b.yaml").write_text(
        "title: B\ninputs: {e: {path: data/synthetic/tiny.csv}}\n")
    assert ensure_synthetic(project, load_configs(project), echo=lambda m: None) == ""
    assert calls[-1] == (project / "data" / "synthetic", 2024)
    assert ensure_synthetic(project, load_configs(project), echo=lambda m: None) == ""
    assert len(calls) == 2


def test_publish_scans_indexes_and_copies(project, capsys):
    vdir = project / "reports" / "tiny" / "regional"
    vdir.mkdir(parents=True)
    (vdir / "report.html").write_text('<p>60 répondants</p><td data-n="30">30</td>')
    (vdir / "meta.json").write_text(json.dumps({
        "title": "Étude test du pipeline", "label": "Rapport régional", "subtitle": "Hauts-de-France",
        "date": "2026-11-28T12:00:00+00:00", "files": {"html": "report.html"}}))
    code, out, err = cli(project, capsys, "publish", "--to", str(project / "www"))
    assert code == 0, err
    assert "1 rapport indexé" in out and "analyse des fuites sans problème" in out
    index = (project / "www" / "index.html").read_text(encoding="utf-8")
    assert "Rapport régional — Hauts-de-France" in index and "28/11/2026 12:00" in index
    assert (project / "www" / "tiny" / "regional" / "report.html").is_file()
    manifest = json.loads((project / "www" / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["studies"]) == ["tiny"]


def test_a_second_run_waits_for_none(project, capsys):
    from arefie_studies.pipeline.layout import ReportsLayout
    from arefie_studies.pipeline.publish import lock_reports

    held = lock_reports(ReportsLayout(project / "reports"))
    try:
        code, _, err = cli(project, capsys, "run", "--all", "--no-progress")
        assert code == 2 and "in use by another arefie-studies run or publish" in err
        code, _, err = cli(project, capsys, "publish")
        assert code == 2 and "in use" in err
    finally:
        held.close()
