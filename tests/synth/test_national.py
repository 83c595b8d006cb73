"""Scaled synthetic data written in chunks (synth.national): formats, sizes, reproducibility."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from arefie_studies.cli import main
from arefie_studies.io import read_data
from arefie_studies.synth import FORMATS
from arefie_studies.synth.national import generate_scaled, resolve_scale


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    out = tmp_path_factory.mktemp("scaled")
    paths = generate_scaled(out, seed=5, scale=0.05, chunk_youths=250, log=lambda *_: None)
    return out, paths


def test_same_files_and_formats_as_regional(scaled):
    _out, paths = scaled
    names = {p.name for p in paths}
    assert {f"{k}{ext}" for k, ext in FORMATS.items()} <= names
    assert "cej_situations_mensuelles.parquet" in names


def test_chunks_add_up_with_unique_ids(scaled):
    out, _ = scaled
    jeunes = pq.read_table(out / "cej_jeunes.parquet").to_pandas()
    assert len(jeunes) == resolve_scale(0.05)["cej_youths"] == 600
    assert pq.ParquetFile(out / "cej_jeunes.parquet").metadata.num_row_groups >= 1
    assert jeunes["id_jeune"].is_unique
    contrats = pq.read_table(out / "cej_contrats.parquet").to_pandas()
    assert contrats["id_contrat"].is_unique and len(contrats) == 600
    baro = pq.read_table(out / "barometre_jeunes.parquet").to_pandas()
    assert baro["id_reponse"].is_unique
    monthly = pq.read_table(out / "cej_situations_mensuelles.parquet").to_pandas()
    assert monthly["mois"].between(1, 24).all()
    assert set(monthly["id_jeune"]) == set(jeunes["id_jeune"])
    assert not monthly.duplicated(["id_jeune", "mois"]).any()


def test_read_back_with_codebook(scaled):
    out, _ = scaled
    from arefie_studies.synth import cej

    df, cb = read_data(out / "cej_situations.parquet")
    assert isinstance(df, pd.DataFrame) and len(df) > 600
    assert "situation" in cb.variables
    assert set(df["situation"].dropna().unique()) <= set(cej.SITUATIONS)


def test_reproducible_byte_identical(scaled, tmp_path):
    out, _ = scaled
    again = generate_scaled(tmp_path, seed=5, scale=0.05, chunk_youths=250, log=lambda *_: None)
    for p in again:
        assert digest(p) == digest(out / p.name), p.name


def test_barometer_in_chunks_keeps_yearly_weight_totals(tmp_path):
    paths = generate_scaled(tmp_path, seed=2, scale=0.06, chunk_youths=1000, chunk_answers=3000,
                            log=lambda *_: None)
    baro = pq.read_table(next(p for p in paths if p.name == "barometre_jeunes.parquet")).to_pandas()
    assert len(baro) > 9000  # several chunks of 3,000 answers
    assert baro["id_reponse"].is_unique
    by_year = baro.groupby("annee")["poids"].agg(["sum", "size"])
    # each chunk is one regional draw with its own seed, appended unchanged (weights
    # post-stratified to the chunk's size: no division by the number of chunks)
    import math

    from arefie_studies.synth import barometre

    total = sum(barometre.YOUTH_N.values()) * 0.06
    k = math.ceil(total / 3000)
    expected = np.concatenate([
        barometre.generate(seed=2 * 100_003 + i, scale=0.06 / k)["barometre_jeunes"][0]["poids"].to_numpy()
        for i in range(k)])
    np.testing.assert_array_equal(baro["poids"].to_numpy(), expected)
    assert (by_year["sum"] <= by_year["size"] + 1e-6).all()


def test_national_sizes_and_bad_scale():
    nat = resolve_scale("national")
    assert nat["cej_youths"] >= 1_100_000
    from arefie_studies.synth import barometre

    assert sum(barometre.YOUTH_N.values()) * nat["barometre_scale"] >= 1_000_000
    with pytest.raises(ValueError, match="national"):
        resolve_scale("huge")


def test_cli_refuses_bad_scale(capsys, tmp_path):
    assert main(["synth", "--scale", "huge", "--out", str(tmp_path)]) == 2
    assert "expected 'national'" in capsys.readouterr().err
