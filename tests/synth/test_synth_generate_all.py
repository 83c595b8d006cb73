"""generate_all: every file written fast, readable, valid against its codebook, byte-identical per seed."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pandas as pd
import pytest

from arefie_studies.io import Codebook, read_data, validate_frame
from arefie_studies.synth import FORMATS, generate_all
from arefie_studies.synth.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_full_size_under_60s_and_valid(tmp_path):
    t0 = time.perf_counter()
    paths = generate_all(tmp_path, seed=2024)
    elapsed = time.perf_counter() - t0
    assert elapsed < 60, f"generate_all took {elapsed:.1f} s"
    assert sorted(p.name for p in paths) == sorted(f"{k}{v}" for k, v in FORMATS.items())
    shapes = {}
    for path in paths:
        df, _cb = read_data(path)
        declared = Codebook.from_yaml(ROOT / "data" / "codebooks" / f"{path.stem}.yaml")
        validate_frame(df, declared, source=path)  # raises on any problem
        shapes[path.stem] = df.shape
    assert shapes["sante_jeunes_2024"] == (2700, 82) and shapes["cej_jeunes"] == (12_000, 11)
    assert shapes["barometre_jeunes"][0] == 161_198
    # labels and user-missing codes survive the files
    df, _ = read_data(tmp_path / "barometre_jeunes.parquet")
    assert list(df.sat_globale.cat.categories) == ["Très satisfait", "Plutôt satisfait", "Plutôt pas satisfait",
                                                   "Pas du tout satisfait"]
    assert 0.01 < df.sat_globale.isna().mean() < 0.02  # code 9 "Ne sait pas" → NaN
    df, _ = read_data(tmp_path / "sante_jeunes_2024.sav")
    assert df.attrs["variable_labels"]["renoncement_soins"] == "A renoncé à des soins (12 derniers mois)"
    assert df.ml.cat.categories[0] == "ML du Saint-Quentinois"
    # the calibration margins use exactly the categories the survey file reads into
    pop = pd.read_csv(ROOT / "data" / "reference" / "population_ml_2024.csv")
    for var in ("sexe", "tranche_age", "departement", "qualification"):
        assert list(df[var].cat.categories) == list(dict.fromkeys(pop.sort_values(var)[f"{var}_libelle"]))


def test_same_seed_byte_identical(tmp_path):
    a = generate_all(tmp_path / "a", seed=7, scale=0.05)
    time.sleep(1.1)  # a timestamp in a header would now differ
    generate_all(tmp_path / "b", seed=7, scale=0.05)
    assert len(a) == len(FORMATS)
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    generate_all(tmp_path / "c", seed=8, scale=0.05)
    differ = [k for k, v in _hashes(tmp_path / "c").items() if _hashes(tmp_path / "a")[k] != v]
    assert len(differ) == len(FORMATS)


@pytest.mark.parametrize("scale", [0.02])
def test_module_entry_point(tmp_path, capsys, scale):
    assert main(["--out", str(tmp_path), "--seed", "1", "--scale", str(scale)]) == 0
    out = capsys.readouterr().out
    assert out.count("synthetic  ") == len(FORMATS) and "done in" in out
