"""What re-runs: a reference file, a config parameter and a line of library code each mark
exactly the variants whose results they can change (planning only: no kernel is started)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.pipeline.publish import publish_variant
from arefie_studies.pipeline.runner import plan_variants
from arefie_studies.project import hash_cache, load_configs

REFERENCE_STUDY = """\
title: Étude avec référence
notebook: notebooks/tiny.ipynb
module: tiny_study
renderer: tiny_study:render_report
inputs: {enquete: {path: data/tiny.csv, identifiers: [id, nom]}}
references:
  population: {path: data/reference/population.csv, source: "Insee"}
parameters: {wave: 2024, departement: ""}
compute_parameters: [wave]
variants:
  - name: regional
  - by: departement
    values: ["59", "62"]
"""


def publish_all(root: Path) -> None:
    """Stand-in reports carrying every variant's current fingerprint."""
    layout = ReportsLayout(root / "reports")
    for p in plan_variants(root, load_configs(root), layout, hash_cache(root)):
        tmp = layout.new_tmp()
        (tmp / "report.html").write_text("<p>rapport</p>", encoding="utf-8")
        (tmp / "meta.json").write_text(json.dumps({
            "study": p.config.slug, "variant": p.variant.name, "fingerprint": p.fingerprint,
            "files": {"html": "report.html"}}), encoding="utf-8")
        publish_variant(layout, p.config.slug, p.variant.name, tmp)


def stale(root: Path) -> set[tuple[str, str]]:
    layout = ReportsLayout(root / "reports")
    return {(p.config.slug, p.variant.name)
            for p in plan_variants(root, load_configs(root), layout, hash_cache(root)) if not p.fresh}


@pytest.fixture
def two_studies(project: Path) -> Path:
    (project / "studies" / "avec_reference.yaml").write_text(REFERENCE_STUDY, encoding="utf-8")
    (project / "data" / "reference").mkdir()
    (project / "data" / "reference" / "population.csv").write_text("sexe,effectif\n1,100\n2,120\n")
    publish_all(project)
    assert stale(project) == set()
    return project


def test_a_reference_file_reruns_exactly_the_studies_that_declare_it(two_studies):
    (two_studies / "data" / "reference" / "population.csv").write_text("sexe,effectif\n1,100\n2,121\n")
    assert stale(two_studies) == {("avec_reference", "regional"), ("avec_reference", "departement-59"),
                                  ("avec_reference", "departement-62")}


def test_a_config_parameter_reruns_exactly_that_study(two_studies):
    cfg = two_studies / "studies" / "avec_reference.yaml"
    cfg.write_text(REFERENCE_STUDY.replace("wave: 2024", "wave: 2023"))
    assert {s for s, _ in stale(two_studies)} == {"avec_reference"}
    assert len(stale(two_studies)) == 3


def test_pseudonymise_in_a_config_reruns_that_study(two_studies):
    cfg = two_studies / "studies" / "avec_reference.yaml"
    cfg.write_text(REFERENCE_STUDY.replace("identifiers: [id, nom]", "identifiers: [nom], pseudonymise: [id]"))
    assert {s for s, _ in stale(two_studies)} == {"avec_reference"}


def test_one_line_of_library_code_reruns_every_variant(two_studies, monkeypatch, tmp_path):
    import arefie_studies
    import arefie_studies.project.cache as cache_mod

    copy = tmp_path / "lib" / "arefie_studies"
    shutil.copytree(Path(arefie_studies.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_mod, "library_tree", lambda: copy)
    publish_all(two_studies)
    assert stale(two_studies) == set()
    variance = copy / "survey" / "_variance.py"
    variance.write_text(variance.read_text() + "\n# one more line\n")
    everything = stale(two_studies)
    assert {s for s, _ in everything} == {"tiny", "tiny_b", "avec_reference"}
    assert len(everything) == sum(len(c.variants) for c in load_configs(two_studies))
