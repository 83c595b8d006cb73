"""Santé jeunes: the marginals the generator targets and the correlations the study relies on.

Tolerances: with n = 2,700 a share near 0.3 has a sampling SE of ≈ 0.009; shares calibrated on the
realised draws are exact up to the user-missing codes sprinkled afterwards (≤ 6 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import synth_data

from arefie_studies.synth import _registry as reg
from arefie_studies.synth import sante


@pytest.fixture(scope="module")
def full():
    return synth_data.full()


def _scores(df: pd.DataFrame) -> pd.DataFrame:
    epices = sante.EPICES_CONSTANT + sum(w * df[n] for n, _l, w, _t, _s in sante.EPICES_ITEMS)
    adrs = df[[f"adrs_{j:02d}" for j in range(1, 11)]].sum(axis=1, min_count=10)
    bmi = df["poids"].where(df["poids"] != 999) / (df["taille"] / 100) ** 2
    cast = df[[f"cast_{j}" for j in range(1, 7)]].sum(axis=1, min_count=6)
    return pd.DataFrame({"epices": epices, "adrs": adrs, "bmi": bmi, "cast": cast})


@pytest.fixture(scope="module")
def w24(full):
    df, cb = full["sante_jeunes_2024"]
    return df, cb, _scores(df)


@pytest.fixture(scope="module")
def w20(full):
    df, cb = full["sante_jeunes_2020"]
    return df, cb, _scores(df)


def test_sizes_and_ml(w24, w20):
    assert w24[0].shape == (2700, 82) and w20[0].shape == (2138, 82)
    assert w24[0]["ml"].nunique() == 42 and w20[0]["ml"].nunique() == 25
    assert list(w24[0].columns) == list(w20[0].columns)  # same items for trends
    assert set(w24[0]["annee"]) == {2024} and set(w20[0]["vague"]) == {1}
    assert w24[0]["id_questionnaire"].is_unique


def test_sample_is_biased_against_population(w24):
    df = w24[0]
    pop = reg.population_table()
    women_pop = pop.loc[pop.sexe == 2, "effectif"].sum() / pop.effectif.sum()
    nord_pop = pop.loc[pop.departement == 59, "effectif"].sum() / pop.effectif.sum()
    assert women_pop == pytest.approx(0.48, abs=1e-4)
    assert (df.sexe == 2).mean() - women_pop > 0.06           # over-represents women (SE 0.01)
    assert (df.departement == 59).mean() - nord_pop > 0.05    # and Nord
    assert (df.tranche_age == 1).mean() < 0.05 and (df.tranche_age >= 3).mean() > 0.47  # older youths
    assert set(df.departement) == set(reg.DEPARTEMENTS)


def test_instrument_ranges(w24):
    df, _cb, s = w24
    assert s.epices.min() >= 0 and s.epices.max() <= 100
    for c in ("audit_c1", "audit_c2", "audit_c3"):
        assert set(df[c].unique()) <= {0, 1, 2, 3, 4}
    assert set(np.unique(df[[f"adrs_{j:02d}" for j in range(1, 11)]].stack())) == {0, 1}
    users = df.cannabis_12m == 1
    assert df.loc[users, "cast_1"].notna().all() and df.loc[~users, "cast_1"].isna().all()
    assert df.loc[df.tabac != 4, "cigarettes_jour"].isna().all()
    assert s.bmi.between(12, 60).all() or s.bmi.dropna().between(12, 60).all()
    assert df.taille.between(140, 210).all()
    assert (df.poids == 999).mean() == pytest.approx(0.025, abs=0.01)  # "Ne sait pas"


@pytest.mark.parametrize("wave, adrs3, adrs6, smoke", [("w24", 0.33, 0.08, 0.40), ("w20", 0.30, 0.05, 0.42)])
def test_targeted_prevalences(request, wave, adrs3, adrs6, smoke):
    df, _cb, s = request.getfixturevalue(wave)
    valid = s.adrs.notna()
    assert (s.adrs[valid] >= 3).mean() == pytest.approx(adrs3, abs=0.006)
    assert (s.adrs[valid] >= 6).mean() == pytest.approx(adrs6, abs=0.012)
    assert (df.tabac == 4).mean() == pytest.approx(smoke, abs=0.012)
    assert (s.epices >= 30).mean() == pytest.approx(0.77, abs=0.05)
    assert (s.bmi >= 25).mean() == pytest.approx(0.31, abs=0.03)
    assert (s.bmi >= 30).mean() == pytest.approx(0.11, abs=0.03)
    assert (df.cannabis_12m == 1).mean() == pytest.approx(0.31, abs=0.03)
    assert (s.cast[df.cannabis_12m == 1] >= 7).mean() == pytest.approx(0.36, abs=0.08)


def test_2020_moderate_distress_and_depression(w20):
    s = w20[2]
    adrs = s.adrs.dropna()
    assert ((adrs >= 3) & (adrs <= 5)).mean() == pytest.approx(0.25, abs=0.015)  # 2020 report: 25 %
    assert (adrs >= 6).mean() == pytest.approx(0.05, abs=0.012)                  # and 5 % depression


def test_correlations_the_study_uses(w24):
    df, _cb, s = w24
    precarious = s.epices >= 30
    distress = s.adrs >= 3
    assert distress[df.sexe == 2].mean() - distress[df.sexe == 1].mean() > 0.07
    assert distress[precarious].mean() - distress[~precarious].mean() > 0.10
    daily = df.tabac == 4
    assert daily[precarious].mean() - daily[~precarious].mean() > 0.15
    forgone = df.renoncement_soins == 1
    assert forgone[precarious].mean() - forgone[~precarious].mean() > 0.15
    assert forgone[df.epices_02 == 0].mean() > forgone[df.epices_02 == 1].mean() + 0.1
    housing_precarious = df.logement >= 5
    assert distress[housing_precarious].mean() > distress[df.logement == 1].mean() + 0.08
    assert (s.bmi[precarious] >= 30).mean() > (s.bmi[~precarious] >= 30).mean()


def test_logistic_model_of_distress_has_expected_signs(w24):
    df, _cb, s = w24
    ok = s.adrs.notna()
    X = pd.DataFrame({"epices": s.epices / 10, "femme": (df.sexe == 2).astype(float),
                      "heberg_precaire": (df.logement >= 5).astype(float), "age": df.age})[ok]
    fit = sm.Logit((s.adrs[ok] >= 3).astype(float), sm.add_constant(X)).fit(disp=0)
    z = fit.params / fit.bse
    assert (z[["epices", "femme", "heberg_precaire"]] > 3).all()
    assert 1.1 < np.exp(fit.params["epices"]) < 1.6  # OR per 10 EPICES points


def test_codebook_matches_frame(w24):
    df, cb, _ = w24
    assert cb.names == list(df.columns)
    assert cb["tabac"].missing_codes == [9] and cb["poids"].missing_codes == [999]
    assert cb["ml"].value_labels[5901] == "ML de Lille"


@pytest.mark.parametrize("n", [300, 900])
def test_calibrated_targets_hold_at_any_n(n):
    """Shares calibrated on the realised draws hit their target whatever the sample size."""
    df, cb = sante.generate(2024, n=n, seed=11)
    s = _scores(df)
    assert len(df) == n and cb.names == list(df.columns)
    assert (s.adrs.dropna() >= 3).mean() == pytest.approx(0.33, abs=0.02)
    assert (df.tabac == 4).mean() == pytest.approx(0.40, abs=0.02)
    assert (df.epices_02 == 1).mean() == pytest.approx(0.72, abs=1.5 / n)


def test_seed_changes_the_sample():
    a, _ = sante.generate(2024, n=300, seed=1)
    b, _ = sante.generate(2024, n=300, seed=2)
    c, _ = sante.generate(2024, n=300, seed=1)
    pd.testing.assert_frame_equal(a, c)
    assert not a.equals(b)
