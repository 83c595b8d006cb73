"""NCHS presentation standard for proportions (Parker et al. 2017): one hand-worked case per
branch, the Korn–Graubard interval of the engine, and a real design (apiclus1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from arefie_studies.survey import SurveyDesign
from arefie_studies.tables import (
    PresentationError,
    nchs_proportions,
    presentation_rule,
    presentation_rule_text,
)

DATA = Path(__file__).resolve().parents[1] / "reference" / "data" / "apiclus1.csv"


def _one(**row):
    return presentation_rule(pd.DataFrame([row])).iloc[0]


def test_reliable_estimate_is_shown():
    # 49,3 % [45,1 ; 53,4], SE 0.021, n = 600, df = 40: n_eff = 0.25/0.000441 = 567 (< 600),
    # width 0.083 <= 0.30, relative 17 %, complement 16 %: shown
    r = _one(estimate=0.493, se=0.021, ci_low=0.451, ci_high=0.534, n=600, df=40)
    assert r.decision == "show" and r.reason == ""
    assert r.n_eff == pytest.approx(0.493 * 0.507 / 0.021**2)


def test_effective_sample_size_is_capped_at_n():
    # SE 0.01 alone gives n_eff = 2 500, but only 20 respondents: n_eff = 20 < 30
    r = _one(estimate=0.5, se=0.01, ci_low=0.48, ci_high=0.52, n=20, df=40)
    assert r.n_eff == 20 and r.decision == "suppress"
    assert "taille d’échantillon effective 20 < 30" in r.reason


def test_small_effective_sample_suppressed():
    # p = 0.5, SE = 0.1: n_eff = 0.25 / 0.01 = 25 < 30 (n = 400: a design effect of 16)
    r = _one(estimate=0.5, se=0.1, ci_low=0.29, ci_high=0.71, n=400, df=40)
    assert r.n_eff == pytest.approx(25) and r.decision == "suppress"


def test_wide_interval_suppressed():
    # n_eff = 0.25 / 0.0064 = 39 >= 30 but the interval is 0.32 wide (>= 0.30)
    r = _one(estimate=0.5, se=0.08, ci_low=0.34, ci_high=0.66, n=200, df=50)
    assert r.n_eff == pytest.approx(39.0625) and r.decision == "suppress"
    assert "32,0 points (≥ 30)" in r.reason


def test_relative_width_suppressed():
    # p = 4 %, [0,5 ; 10]: width 0.095 > 0.05 and 0.095 / 0.04 = 238 % > 130 %
    r = _one(estimate=0.04, se=0.02, ci_low=0.005, ci_high=0.10, n=500, df=50)
    assert r.relative_width == pytest.approx(2.375) and r.decision == "suppress"
    assert "238" in r.reason


def test_narrow_interval_shown_despite_relative_width():
    # p = 1 %, [0,2 ; 4]: relative width 380 % but the interval is only 0.038 wide (<= 0.05)
    r = _one(estimate=0.01, se=0.005, ci_low=0.002, ci_high=0.04, n=1000, df=50)
    assert r.relative_width == pytest.approx(3.8) and r.decision == "show"


def test_few_degrees_of_freedom_flagged():
    # 78,1 % [77,1 ; 79,0], n = 180 respondents from 4 PSUs in one stratum: df = 3 < 8
    r = _one(estimate=0.781, se=0.003, ci_low=0.771, ci_high=0.790, n=180, df=3)
    assert r.n_eff == 180  # 0.171 / 0.000009 = 19 000, capped at n
    assert r.decision == "flag" and "3 degré(s) de liberté (< 8)" in r.reason


def test_unreliable_complement_flagged():
    # p = 97 %, [90 ; 99,5]: width 0.095, relative 9.8 % but for 1 - p = 3 %: 317 % > 130 %
    r = _one(estimate=0.97, se=0.015, ci_low=0.90, ci_high=0.995, n=300, df=40)
    assert r.complement_relative_width == pytest.approx(0.095 / 0.03)
    assert r.decision == "flag" and "complément" in r.reason


def test_zero_proportion_flagged_with_n_as_effective_size():
    r = _one(estimate=0.0, se=0.0, ci_low=0.0, ci_high=0.0, n=200, df=40)
    assert r.n_eff == 200 and r.decision == "flag"


def test_suppression_lists_every_failed_criterion():
    r = _one(estimate=0.5, se=0.1, ci_low=0.29, ci_high=0.71, n=400, df=3)
    assert r.decision == "suppress"
    assert "25 < 30" in r.reason and "42,0 points" in r.reason and "degré" in r.reason


@pytest.fixture(scope="module")
def clus1():
    return SurveyDesign(pd.read_csv(DATA), weights="pw", psu="dnum", fpc="fpc")


def test_engine_beta_interval_is_korn_graubard(clus1):
    # Korn & Graubard (1998): Clopper–Pearson at n* = n_eff (t_{n-1}/t_df)^2, x* = n* p
    res = clus1.proportion("sch_wide", by="stype", ci_method="beta")
    p, se, n, df = (res[c].to_numpy(float) for c in ("estimate", "se", "n", "df"))
    n_star = p * (1 - p) / se**2 * (stats.t.ppf(0.975, n - 1) / stats.t.ppf(0.975, df)) ** 2
    x = n_star * p
    lo = stats.beta.ppf(0.025, x, n_star - x + 1)
    hi = stats.beta.ppf(0.975, x + 1, n_star - x)
    np.testing.assert_allclose(res["ci_low"], lo, rtol=1e-10)
    np.testing.assert_allclose(res["ci_high"], hi, rtol=1e-10)
    # and the values R gives: svyby(~sch_wide, ~stype, dclus1, svyciprop, method = "beta")
    yes = res[res["level"] == "Yes"]
    np.testing.assert_allclose(yes["ci_low"], [0.859765358737351, 0.521760971207249,
                                               0.405708991672240], rtol=1e-6)


def test_design_decisions(clus1):
    out = nchs_proportions(clus1, "sch_wide", by="stype")
    by = out.set_index(["stype", "level"])
    # high schools: 14 schools (n_eff <= 14 < 30) from 7 df: suppressed
    assert (by.loc["H", "decision"] == "suppress").all()
    # middle schools: 25 schools: n_eff <= 25 < 30
    assert (by.loc["M", "decision"] == "suppress").all()
    # elementary: 144 schools, 14 df; Yes 91,7 % [86,0 ; 95,6] is shown, but its complement
    # No 8,3 % has width 0.096 > 0.05 and 0.096 / 0.083 = 116 % (<= 130 %): shown too
    assert by.loc[("E", "Yes"), "decision"] == "show"
    assert by.loc[("E", "No"), "relative_width"] == pytest.approx(
        (by.loc[("E", "No"), "ci_high"] - by.loc[("E", "No"), "ci_low"]) / (1 / 12))


def test_bad_input():
    with pytest.raises(PresentationError, match="df"):
        presentation_rule(pd.DataFrame({"estimate": [0.5], "se": [0.1], "ci_low": [0.3],
                                        "ci_high": [0.7], "n": [100]}))
    with pytest.raises(PresentationError, match="outside"):
        _one(estimate=49.3, se=1, ci_low=45, ci_high=53, n=100, df=40)


def test_annex_text_states_the_thresholds():
    text = presentation_rule_text()
    for part in ("Korn et Graubard", "inférieure à 30", "30 points", "130", "8 degrés", "nd",
                 "†", "Parker"):
        assert part in text
