"""The one results cache: its key covers every input, reference, compute parameter and the
library source; a change of any of them gives a new key, a presentation parameter does not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from arefie_studies.project import (
    ResultsCache,
    compute_parameters,
    hash_cache,
    load_config,
    load_study_inputs,
    results_key,
    study_dependencies,
)
from arefie_studies.project.cache import MissingInputError

CONFIG = """\
title: Étude test
disclosure_threshold: 11
inputs:
  enquete: {path: data/enquete.csv, pseudonymise: [id]}
references:
  population: {path: data/reference/population.csv, source: "Insee, RP 2021"}
parameters: {wave: 2024, ml: ""}
compute_parameters: [wave]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "studies").mkdir()
    (tmp_path / "data" / "reference").mkdir(parents=True)
    (tmp_path / "studies" / "etude.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "data" / "enquete.csv").write_text("id,x\n1,a\n2,b\n", encoding="utf-8")
    (tmp_path / "data" / "reference" / "population.csv").write_text("sexe,effectif\n1,10\n2,12\n",
                                                                     encoding="utf-8")
    return tmp_path


def key(root: Path, **params) -> str:
    config = load_config(root / "studies" / "etude.yaml", root)
    return results_key(config, {"wave": 2024, "ml": "", "disclosure_threshold": 11, **params}, root,
                       hash_cache(root))


def test_reference_file_changes_the_key(project):
    before = key(project)
    (project / "data" / "reference" / "population.csv").write_text("sexe,effectif\n1,10\n2,13\n")
    assert key(project) != before


def test_input_file_and_pseudonymise_change_the_key(project, monkeypatch):
    before = key(project)
    (project / "data" / "enquete.csv").write_text("id,x\n1,a\n2,c\n")
    after_input = key(project)
    assert after_input != before
    cfg = project / "studies" / "etude.yaml"
    cfg.write_text(CONFIG.replace("pseudonymise: [id]", "pseudonymise: []"))
    assert key(project) != after_input
    cfg.write_text(CONFIG)
    monkeypatch.setenv("AREFIE_PSEUDO_KEY", "une clé")
    assert key(project) != after_input


def test_compute_parameters_and_threshold_change_the_key_presentation_does_not(project):
    base = key(project)
    assert key(project, ml="5901") == base          # which ML a report shows: same results
    assert key(project, variant="ml-5901") == base
    assert key(project, wave=2020) != base
    assert key(project, disclosure_threshold=15) != base


def test_library_source_changes_the_key(project, monkeypatch, tmp_path_factory):
    """A one-line change anywhere in the installed library (here a copy of it) changes the key."""
    import arefie_studies
    import arefie_studies.project.cache as cache_mod

    lib = Path(arefie_studies.__file__).parent
    copy = tmp_path_factory.mktemp("lib") / "arefie_studies"
    shutil.copytree(lib, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_mod, "library_tree", lambda: copy)
    before = key(project)
    variance = copy / "survey" / "_variance.py"
    variance.write_text(variance.read_text() + "\n# one more line\n")
    assert key(project) != before


def test_dependencies_list_every_declared_file(project):
    config = load_config(project / "studies" / "etude.yaml", project)
    deps = study_dependencies(config, project)
    assert set(deps["inputs"]) == {"enquete"} and set(deps["references"]) == {"population"}
    assert deps["inputs"]["enquete"]["pseudonymise"] == ["id"]
    assert len(deps["library"]) == 64
    assert compute_parameters(config, {"wave": 2020, "ml": "5901", "disclosure_threshold": 11}) == {
        "wave": 2020, "disclosure_threshold": 11}


def test_missing_reference_names_key_and_file(project):
    (project / "data" / "reference" / "population.csv").unlink()
    config = load_config(project / "studies" / "etude.yaml", project)
    with pytest.raises(MissingInputError, match=r"key 'references.population.path': file not found: "
                                                r"data/reference/population.csv"):
        study_dependencies(config, project)


def test_study_inputs_carry_references(project, monkeypatch):
    monkeypatch.setenv("AREFIE_PSEUDO_KEY", "clé de test")
    inputs = load_study_inputs("etude", project)
    assert inputs.references["population"]["effectif"].tolist() == [10, 12]
    assert "id" in inputs.frames["enquete"] and inputs.frames["enquete"]["id"].iloc[0] != 1
    assert not inputs.synthetic


def test_results_cache_computes_once_and_reuses(tmp_path):
    cache = ResultsCache(tmp_path / "results")
    calls = []

    def compute():
        calls.append(1)
        return {"estimate": 0.493}

    assert cache.get_or_compute("etude", "a" * 64, compute) == {"estimate": 0.493}
    assert cache.get_or_compute("etude", "a" * 64, compute) == {"estimate": 0.493}
    assert len(calls) == 1
    assert cache.get_or_compute("etude", "b" * 64, compute) == {"estimate": 0.493}
    assert len(calls) == 2
    assert not list((tmp_path / "results").rglob("*.tmp"))


def test_results_cache_replaces_an_unreadable_entry(tmp_path):
    cache = ResultsCache(tmp_path / "results")
    path = cache.path("etude", "c" * 64)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    assert cache.get_or_compute("etude", "c" * 64, lambda: 42) == 42


def test_real_input_without_pseudonymisation_key_is_an_error(project, monkeypatch):
    """The defect: without AREFIE_PSEUDO_KEY a random key was drawn and its warning swallowed."""
    from arefie_studies.project import PseudonymisationKeyError

    monkeypatch.delenv("AREFIE_PSEUDO_KEY", raising=False)
    with pytest.raises(PseudonymisationKeyError,
                       match=r"input 'enquete' \(data/enquete.csv\): columns \['id'\] .* AREFIE_PSEUDO_KEY is not set"):
        load_study_inputs("etude", project)


def test_synthetic_input_gets_stable_pseudonyms_without_a_key(project, monkeypatch):
    monkeypatch.delenv("AREFIE_PSEUDO_KEY", raising=False)
    (project / "data" / "synthetic").mkdir()
    (project / "data" / "enquete.csv").rename(project / "data" / "synthetic" / "enquete.csv")
    cfg = project / "studies" / "etude.yaml"
    cfg.write_text(CONFIG.replace("data/enquete.csv", "data/synthetic/enquete.csv"))
    first = load_study_inputs("etude", project).frames["enquete"]["id"].tolist()
    again = load_study_inputs("etude", project).frames["enquete"]["id"].tolist()
    assert first == again and len(first[0]) == 20 and first[0] != "1"
    assert load_study_inputs("etude", project).synthetic


def test_missing_synthetic_input_names_the_synth_command(project, monkeypatch):
    from arefie_studies.project import MissingInputError

    cfg = project / "studies" / "etude.yaml"
    cfg.write_text(CONFIG.replace("data/enquete.csv", "data/synthetic/enquete.csv"))
    with pytest.raises(MissingInputError, match=r"inputs.enquete.path': file not found: "
                                                r"data/synthetic/enquete.csv. Hint: .*`arefie-studies synth`"):
        load_study_inputs("etude", project)


def test_any_change_of_the_study_config_changes_the_key(project):
    """Texts the results carry from the config (fieldwork dates, contact) are covered too."""
    before = key(project)
    cfg = project / "studies" / "etude.yaml"
    cfg.write_text(CONFIG + 'description: "Enquête 2024, terrain de mars à juin"\n')
    assert key(project) != before
