"""Weighted Kaplan–Meier and Cox against R (survival 3.5-3, survey 4.1-1) and lifelines.

Reference values: data/survival_r_reference.json, written by data/make_survival_reference.R
(data: survival::lung without missing inst/ph.ecog, event = status == 2, synthetic weights
w = 1 + (row %% 3) * 0.5; design svydesign(ids=~inst, strata=~sex, weights=~w, nest=TRUE)).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter, KaplanMeierFitter

from arefie_studies.methods.survival import (
    SurvivalDataError,
    cox_regression,
    efron_score_residuals,
    kaplan_meier,
    median_survival,
    median_table,
)
from arefie_studies.survey import LonelyPSUError, SurveyDesign

HERE = Path(__file__).parent / "data"
REF = json.loads((HERE / "survival_r_reference.json").read_text())
COVS = ["age", "sex", "ph.ecog"]


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    return pd.read_csv(HERE / "lung.csv")


def _event_rows(curves):
    t = curves.table
    return t[t["n_event"] > 0]


def test_hand_worked_km():
    # times 1,2,2,3,4(censored),5 ; events 1,1,0,1,0,1
    df = pd.DataFrame({"t": [1, 2, 2, 3, 4, 5], "e": [1, 1, 0, 1, 0, 1]})
    tab = kaplan_meier(df, "t", "e", variance="greenwood").table
    # S(1)=5/6, S(2)=5/6*4/5=2/3, S(3)=2/3*2/3=4/9, S(5)=4/9*0=0
    np.testing.assert_allclose(tab["surv"], [5 / 6, 2 / 3, 4 / 9, 4 / 9, 0.0], atol=1e-15)
    assert tab["n_risk"].tolist() == [6, 5, 3, 2, 1]
    # Greenwood var(log S(2)) = 1/(6*5) + 1/(5*4)
    se2 = tab["se"].iloc[1] / tab["surv"].iloc[1]
    assert se2 == pytest.approx(np.sqrt(1 / 30 + 1 / 20), rel=1e-14)


def test_unweighted_km_equals_lifelines_and_survfit(lung):
    km = kaplan_meier(lung, "time", "event", variance="greenwood")
    kmf = KaplanMeierFitter().fit(lung["time"], lung["event"])
    sf = kmf.survival_function_.iloc[1:, 0]  # lifelines adds time 0
    np.testing.assert_allclose(km.table["surv"], sf.to_numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(km.table["time"], sf.index.to_numpy())
    u = REF["km_unweighted"]
    np.testing.assert_allclose(km.table["surv"], u["surv"], atol=1e-14)
    # R: survfit(...)$std.err is the se of log S (Greenwood); conf.type="log"
    np.testing.assert_allclose(km.table["se"] / km.table["surv"], u["std_err"], rtol=1e-10)
    np.testing.assert_allclose(km.table["ci_low"], u["lower"], rtol=1e-10)
    np.testing.assert_allclose(km.table["ci_high"], u["upper"], rtol=1e-10)
    med = median_survival(km).iloc[0]
    m = REF["km_unweighted_median"]
    assert (med["median"], med["ci_low"], med["ci_high"]) == (m["median"], m["lower"], m["upper"])


def test_weighted_km_equals_survfit_weights(lung):
    km = kaplan_meier(lung, "time", "event", weights="w", by="sex")
    ev = _event_rows(km)
    r = REF["km_weighted"]
    np.testing.assert_allclose(ev["surv"], r["surv"], atol=1e-14)
    np.testing.assert_allclose(ev["time"], r["time"])
    # survfit's n.risk is the weighted number at risk
    np.testing.assert_allclose(ev["weighted_risk"], r["n_risk"], rtol=1e-14)
    np.testing.assert_allclose(median_survival(km)["median"], REF["km_weighted_median"]["median"])


def test_design_variance_equals_svykm(lung):
    km = kaplan_meier(lung, "time", "event", weights="w", strata="sex", psu="inst")
    ev = _event_rows(km).set_index("time")
    r = pd.DataFrame(REF["svykm"]).groupby("time").last()  # svykm: one row per event
    # R: svykm(Surv(time, event) ~ 1, des, se=TRUE)$varlog
    np.testing.assert_allclose(
        (ev.loc[r.index, "se"] / ev.loc[r.index, "surv"]) ** 2, r["varlog"], rtol=1e-10
    )
    pl = pd.DataFrame(REF["svykm_pl"]).iloc[1:].groupby("time").last()
    # R: svykm(..., se=FALSE) product-limit
    np.testing.assert_allclose(
        km.table.set_index("time").loc[pl.index, "surv"], pl["surv"], atol=1e-14
    )


def test_survey_design_object_gives_svykm_variance(lung):
    des = SurveyDesign(lung, weights="w", strata="sex", psu="inst", nest=True)
    km = kaplan_meier(des, "time", "event", by="sex")
    ref = kaplan_meier(lung, "time", "event", weights="w", by="sex", strata="sex", psu="inst")
    np.testing.assert_allclose(km.table["se"], ref.table["se"], rtol=1e-12)
    ev = _event_rows(kaplan_meier(des, "time", "event")).set_index("time")
    r = pd.DataFrame(REF["svykm"]).groupby("time").last()
    np.testing.assert_allclose(
        (ev.loc[r.index, "se"] / ev.loc[r.index, "surv"]) ** 2, r["varlog"], rtol=1e-10
    )
    # a domain design (subset) = the group of the by= analysis
    sub = kaplan_meier(des.subset(lung["sex"] == 2), "time", "event")
    np.testing.assert_allclose(
        sub.table["se"], ref.table[ref.table["group"] == 2]["se"], rtol=1e-12
    )
    with pytest.raises(SurvivalDataError, match="leave weights/strata/psu/fpc as None"):
        kaplan_meier(des, "time", "event", weights="w")


def test_one_stage_formula_with_fpc_equals_survey_design(lung):
    # fpc: population number of PSUs per stratum (sex); survey-core's linearisation as reference
    d = lung.assign(npsu=np.where(lung["sex"] == 1, 40, 30))
    des = SurveyDesign(d, weights="w", strata="sex", psu="inst", fpc="npsu", nest=True)
    a = kaplan_meier(des, "time", "event", by="sex")
    b = kaplan_meier(
        d, "time", "event", weights="w", by="sex", strata="sex", psu="inst", fpc="npsu"
    )
    np.testing.assert_allclose(a.table["se"], b.table["se"], rtol=1e-12)
    c = kaplan_meier(d, "time", "event", weights="w", by="sex", strata="sex", psu="inst")
    assert np.all(b.table["se"] <= c.table["se"] + 1e-15)


def test_design_variance_by_group_equals_svykm_domains(lung):
    km = kaplan_meier(lung, "time", "event", weights="w", by="sex", strata="sex", psu="inst")
    for g, ref in REF["svykm_by_sex"].items():
        ev = _event_rows(km)
        ev = ev[ev["group"] == int(g)].set_index("time")
        r = pd.DataFrame(ref).groupby("time").last()
        # R: svykm(Surv(time, event) ~ sex, des, se=TRUE)[[g]]$varlog
        np.testing.assert_allclose(
            (ev.loc[r.index, "se"] / ev.loc[r.index, "surv"]) ** 2, r["varlog"], rtol=1e-10
        )


def test_integer_weights_equal_replicated_rows(lung):
    w = (np.arange(len(lung)) % 3 + 1).astype(float)
    lw = lung.assign(wi=w)
    rep = lung.loc[lung.index.repeat(w.astype(int))]
    a = kaplan_meier(lw, "time", "event", weights="wi", variance="greenwood").table
    b = kaplan_meier(rep, "time", "event", variance="greenwood").table
    np.testing.assert_allclose(a["surv"], b["surv"], atol=1e-14)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-12)
    np.testing.assert_allclose(a["weighted_risk"], b["n_risk"])


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 20), st.booleans(), st.integers(1, 4)), min_size=3, max_size=40
    )
)
def test_property_integer_weights_replicate(rows):
    df = pd.DataFrame(rows, columns=["t", "e", "w"])
    df["e"] = df["e"].astype(int)
    a = kaplan_meier(df, "t", "e", weights="w", variance="greenwood").table
    b = kaplan_meier(df.loc[df.index.repeat(df["w"])], "t", "e", variance="greenwood").table
    np.testing.assert_allclose(a["surv"], b["surv"], atol=1e-13)
    assert np.all(np.diff(a["surv"]) <= 1e-15) and np.all((a["surv"] >= 0) & (a["surv"] <= 1))


def test_one_stage_columns_use_the_engine_variance(lung):
    """The DataFrame path (strata/psu/fpc columns) is the engine's linearisation: independent
    rows in one stratum give n/(n-1) Σ (w z − mean(w z))² (svyrecvar), a lonely PSU is named."""
    d = lung.assign(one=1)
    km = kaplan_meier(d, "time", "event", weights="w")
    ev = _event_rows(km)
    t0 = ev["time"].iloc[0]
    w = d["w"].to_numpy()
    y_all = w.sum()
    died = (d["time"] == t0).to_numpy() & (d["event"] == 1).to_numpy()
    at_risk = (d["time"] >= t0).to_numpy()
    dk = w[died].sum()
    # z_i(t0) = dN_i(t0)/Y(t0) − Y_i(t0) d(t0)/Y(t0)²
    z = died / y_all - at_risk * dk / y_all**2
    u = w * z
    n = len(u)
    var = n / (n - 1) * ((u - u.mean()) ** 2).sum()
    assert (ev["se"].iloc[0] / ev["surv"].iloc[0]) ** 2 == pytest.approx(var, rel=1e-12)
    lonely = d.assign(h=np.r_[np.zeros(len(d) - 1), 1], p=np.arange(len(d)))
    with pytest.raises(LonelyPSUError, match="only one PSU"):
        kaplan_meier(lonely, "time", "event", weights="w", strata="h", psu="p")


def test_cox_unit_weights_equal_lifelines(lung):
    res = cox_regression(lung, "time", "event", COVS)
    ref = CoxPHFitter().fit(lung[["time", "event", *COVS]], "time", "event")
    np.testing.assert_allclose(res.table["estimate"], ref.params_.to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(res.table["estimate"], REF["cox_unweighted"]["coef"], rtol=1e-8)
    np.testing.assert_allclose(res.table["se"], REF["cox_unweighted"]["se"], rtol=1e-6)
    assert not res.robust


def test_cox_weighted_cluster_robust_equals_coxph_without_ties(lung):
    d = lung.assign(time_u=lung["time"] + np.arange(1, len(lung) + 1) / 1000)
    res = cox_regression(d, "time_u", "event", COVS, weights="w", cluster="inst")
    r = REF["cox_weighted_untied"]
    # R: coxph(Surv(time_u, event) ~ age + sex + ph.ecog, weights = w, cluster = inst)
    np.testing.assert_allclose(res.table["estimate"], r["coef"], rtol=1e-8)
    np.testing.assert_allclose(res.table["se"], r["robust_se"], rtol=1e-8)
    assert res.robust
    np.testing.assert_allclose(res.table["hazard_ratio"], np.exp(r["coef"]), rtol=1e-8)


def test_cox_weighted_cluster_robust_equals_coxph_with_ties(lung):
    res = cox_regression(lung, "time", "event", COVS, weights="w", cluster="inst")
    r = REF["cox_weighted"]
    # R: coxph(Surv(time, event) ~ age + sex + ph.ecog, weights = w, cluster = inst) (Efron)
    np.testing.assert_allclose(res.table["estimate"], r["coef"], rtol=1e-8)
    np.testing.assert_allclose(res.table["se"], r["robust_se"], rtol=1e-8)
    # the model-based (naive) variance is lifelines' inverse information = coxph's naive.var
    np.testing.assert_allclose(
        np.sqrt(np.diag(res.model.variance_matrix_)), r["naive_se"], rtol=1e-8
    )


def test_efron_score_residuals_sum_to_zero_and_formula_path(lung):
    res = cox_regression(lung, "time", "event", "age + sex + ph.ecog", weights="w", cluster="inst")
    ref = cox_regression(lung, "time", "event", COVS, weights="w", cluster="inst")
    np.testing.assert_allclose(res.table["se"], ref.table["se"], rtol=1e-10)
    x = lung[COVS].to_numpy(float)
    u = efron_score_residuals(
        x, lung["time"].to_numpy(float), lung["event"].to_numpy(float), lung["w"].to_numpy(float),
        ref.table["estimate"].to_numpy(),
    )  # fmt: skip
    np.testing.assert_allclose((lung["w"].to_numpy()[:, None] * u).sum(axis=0), 0, atol=1e-6)


def test_median_table_is_french(lung):
    km = kaplan_meier(lung, "time", "event", weights="w", by="sex")
    tab = median_table(km, unit="jours")
    assert list(tab.columns) == [
        "Groupe",
        "Effectif",
        "Événements",
        "Durée médiane (jours)",
        "IC à 95 %",
    ]
    assert tab["Durée médiane (jours)"].tolist() == ["270,0", "371,0"]
    early = lung.assign(event=0)
    early.loc[early["time"].nsmallest(3).index, "event"] = 1
    assert (
        median_table(kaplan_meier(early, "time", "event"))["Durée médiane (mois)"][0]
        == "non atteinte"
    )


def test_bad_input_errors(lung):
    with pytest.raises(SurvivalDataError, match=r"\['tme'\] not found.*Available columns"):
        kaplan_meier(lung, "tme", "event")
    bad = lung.assign(event=lung["event"] * 2)
    with pytest.raises(SurvivalDataError, match="event indicator must be 0/1"):
        kaplan_meier(bad, "time", "event")
    with pytest.raises(SurvivalDataError, match="negative or missing weights"):
        kaplan_meier(lung.assign(w=-lung["w"]), "time", "event", weights="w")
