"""Baromètre: yearly sizes, ML frame, satisfaction levels and trend, region effect, weights.

2024–25 pools 22,700 youths: a share near 0.95 has SE ≈ 0.0015; items are cut at the quantiles of
those years, so only the ≈ 1.5 % "Ne sait pas" (excluded) moves them.
"""

from __future__ import annotations

import pytest
import synth_data

from arefie_studies.synth import barometre


@pytest.fixture(scope="module")
def full():
    return synth_data.full()


@pytest.fixture(scope="module")
def yj(full):
    return full["barometre_jeunes"][0]


@pytest.fixture(scope="module")
def ye(full):
    return full["barometre_entreprises"][0]


def _sat(s):
    v = s[s != 9]
    return (v <= 2).mean()


def test_sizes_and_frame(yj, ye):
    assert yj.groupby("annee").size().to_dict() == barometre.YOUTH_N
    assert ye.groupby("annee").size().to_dict() == barometre.COMPANY_N
    mls = barometre.ml_table()
    assert len(mls) == 430 and mls.region.nunique() == 13 and (mls.region == 32).sum() == 42
    assert yj.ml.nunique() == 430 and set(yj.loc[yj.region == 32, "ml"]) == set(mls.loc[mls.region == 32, "ml"])
    assert yj.id_reponse.is_unique


@pytest.mark.parametrize("item", list(barometre.YOUTH_ITEMS))
def test_item_levels_2024_25(yj, item):
    target = barometre.YOUTH_ITEMS[item][1]
    recent = yj[yj.annee >= 2024]
    assert _sat(recent[item]) == pytest.approx(target, abs=0.006)
    assert (recent[item] == 9).mean() == pytest.approx(0.015, abs=0.004)
    very = (recent[item] == 1).mean() / (recent[item] <= 2).mean()
    assert very == pytest.approx(0.6, abs=0.02)


def test_trend_and_region(yj):
    by_year = yj.groupby("annee").sat_globale.apply(_sat)
    assert by_year[2025] - by_year[2018] > 0.02
    assert by_year[2018] < by_year[2021] < by_year[2024]
    hdf = _sat(yj.loc[yj.region == 32, "sat_projet"])
    rest = _sat(yj.loc[yj.region != 32, "sat_projet"])
    assert hdf > rest
    assert ((yj.annee == 2024) & (yj.region == 32)).sum() > 400  # enough for a regional cut


def test_profile_shares(yj):
    assert yj.anciennete.value_counts(normalize=True).sort_index().tolist() == pytest.approx(
        [0.58, 0.24, 0.10, 0.09], abs=0.01)
    recent = yj[yj.annee >= 2024]
    in_prog = recent.dispositif != 5
    assert in_prog.mean() == pytest.approx(0.67, abs=0.01)
    assert (recent.dispositif[in_prog] == 1).mean() == pytest.approx(0.72, abs=0.015)
    assert not (yj.loc[yj.annee <= 2021, "dispositif"] == 1).any()  # no CEJ before 2022


def test_weights(yj):
    sums = yj.groupby("annee").poids.sum()
    assert sums.tolist() == pytest.approx(list(barometre.YOUTH_N.values()), rel=1e-6)  # weights rounded to 1e-6
    recent = yj[yj.annee == 2025]
    women = recent.loc[recent.sexe == 2, "poids"].sum() / recent.poids.sum()
    assert women == pytest.approx(0.48, abs=1e-4) and (recent.sexe == 2).mean() > 0.53


def test_companies(ye):
    recent = ye[ye.annee >= 2024]
    assert _sat(recent.sat_globale) == pytest.approx(0.92, abs=0.006)
    assert set(ye.taille_entreprise.unique()) == {1, 2, 3, 4}
