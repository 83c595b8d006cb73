"""`run --data NAME` / AREFIE_DATASET: the same studies read data/synthetic/NAME/."""

from __future__ import annotations

from pathlib import Path

from arefie_studies.cli import main
from arefie_studies.project.config import DATASET_ENV, dataset_path, load_configs

ROOT = Path(__file__).resolve().parents[2]


def test_dataset_path_moves_only_synthetic_inputs():
    assert dataset_path("data/synthetic/cej_jeunes.parquet", "national") == \
        "data/synthetic/national/cej_jeunes.parquet"
    assert dataset_path("data/reference/missions_locales.csv", "national") == "data/reference/missions_locales.csv"
    assert dataset_path("data/synthetic/cej_jeunes.parquet", "") == "data/synthetic/cej_jeunes.parquet"


def test_configs_follow_the_environment(monkeypatch):
    monkeypatch.delenv(DATASET_ENV, raising=False)
    regional = load_configs(ROOT, ["cej"])[0]
    monkeypatch.setenv(DATASET_ENV, "national")
    national = load_configs(ROOT, ["cej"])[0]
    for name, spec in regional.inputs.items():
        assert national.inputs[name].path == spec.path.replace("data/synthetic/", "data/synthetic/national/")
    assert national.inputs["jeunes"].path == "data/synthetic/national/cej_jeunes.parquet"
    assert national.inputs["jeunes"].codebook == regional.inputs["jeunes"].codebook


def test_run_data_needs_the_generated_folder(tmp_path, capsys, monkeypatch):
    root = tmp_path / "p"
    (root / "studies").mkdir(parents=True)
    monkeypatch.delenv(DATASET_ENV, raising=False)
    assert main(["--root", str(root), "run", "--all", "--data", "national"]) == 2
    assert "synth --scale national" in capsys.readouterr().err
