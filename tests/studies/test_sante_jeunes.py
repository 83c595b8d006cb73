"""Étude santé jeunes: scores, calibration, indicators, comparisons, model, notebook, leak scan.

Indicators are checked against values recomputed here from the raw SPSS codes (pyreadstat
without value labels) with plain numpy — never through the study module's own functions.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from scipy import stats

from arefie_studies.studies import _sante_sections as X
from arefie_studies.studies import sante_jeunes as S
from arefie_studies.studies._common import StudyInputError, protected_shares

ROOT = Path(__file__).resolve().parents[2]
SAV = {w: ROOT / "data" / "synthetic" / f"sante_jeunes_{w}.sav" for w in (2020, 2024)}


@pytest.fixture(scope="module")
def ctx():
    return X.build_context(root=ROOT)


@pytest.fixture(scope="module")
def raw():
    """Raw numeric codes of the 2024 wave, user-missing codes (9, 999) as NaN."""
    df, _meta = pyreadstat.read_sav(str(SAV[2024]), user_missing=False)
    return df


def _wshare(y: np.ndarray, w: np.ndarray) -> float:
    ok = ~np.isnan(y)
    return float(np.sum(w[ok] * y[ok]) / np.sum(w[ok]))


# ----------------------------------------------------------------------------- scores
def test_scores_match_raw_codes(ctx, raw):
    d = ctx.design.data
    # rows keep the file order: check on the pseudonym-free key (row order is preserved)
    adrs = raw[[f"adrs_{j:02d}" for j in range(1, 11)]].to_numpy().sum(axis=1)
    np.testing.assert_array_equal(d["score_adrs"].to_numpy(), adrs)
    audit = raw[["audit_c1", "audit_c2", "audit_c3"]].to_numpy().sum(axis=1)
    np.testing.assert_array_equal(d["score_audit_c"].to_numpy(), audit)
    users = raw["cannabis_12m"].to_numpy() == 1
    cast = raw[[f"cast_{j}" for j in range(1, 7)]].to_numpy().sum(axis=1)
    np.testing.assert_array_equal(d["score_cast"].to_numpy()[users], cast[users])
    assert np.isnan(d["score_cast"].to_numpy()[~users]).all()
    weights = [10.06, -11.83, -8.28, -8.28, 14.80, -6.51, -7.10, -7.10, -9.47, -9.47, -7.10]
    ep = 75.14 + raw[[f"epices_{j:02d}" for j in range(1, 12)]].to_numpy() @ np.array(weights)
    np.testing.assert_allclose(d["score_epices"].to_numpy(), ep, atol=0.006)
    assert d["score_epices"].between(0, 100).all()
    imc = raw["poids"].to_numpy() / (raw["taille"].to_numpy() / 100) ** 2
    np.testing.assert_allclose(d["imc"].to_numpy(), imc)
    assert d["imc"].isna().sum() == int((raw["poids"].isna()).sum()) > 0  # 999 = "Ne sait pas"


def test_ipaq_by_hand():
    df = pd.DataFrame({"ipaq_vig_jours": [0, 3, 7], "ipaq_vig_minutes": [np.nan, 30, 240],
                       "ipaq_mod_jours": [2, 0, 1], "ipaq_mod_minutes": [20, np.nan, 10],
                       "ipaq_marche_jours": [5, 7, 0], "ipaq_marche_minutes": [10, 60, np.nan]})
    # 4*2*20 + 3.3*5*10 = 325 ; 8*3*30 + 3.3*7*60 = 2106 ; 8*7*180 (240 truncated) + 4*10 = 10120
    np.testing.assert_allclose(S.ipaq_met_minutes(df), [325.0, 2106.0, 10120.0])


def test_score_classes_use_published_cutoffs(ctx):
    d = ctx.design.data
    a = d["score_adrs"].to_numpy()
    cls = d["classe_adrs"].cat.codes.to_numpy()
    ok = ~np.isnan(a)
    np.testing.assert_array_equal(cls[ok], (a[ok] >= 3).astype(int) + (a[ok] >= 6))
    women = d["sexe"].astype(str).eq("Femme").to_numpy()
    au = d["score_audit_c"].to_numpy()
    np.testing.assert_array_equal(d["audit_risque"].to_numpy(),
                                  np.where(women, au >= 3, au >= 4).astype(float))
    ep = d["score_epices"].to_numpy()
    np.testing.assert_array_equal(d["classe_epices"].cat.codes.to_numpy(),
                                  (ep >= 30).astype(int) + (ep >= 55))


# ----------------------------------------------------------------------------- calibration
def test_calibration_reaches_population_margins(ctx):
    pop = pd.read_csv(ROOT / "data/reference/population_ml_2024.csv")
    d = ctx.design.data
    w = np.asarray(ctx.design.weights)
    assert w.sum() == pytest.approx(pop["effectif"].sum(), rel=1e-9)
    codes = {"sexe": {"Homme": 1, "Femme": 2},
             "departement": {"Aisne": 2, "Nord": 59, "Oise": 60, "Pas-de-Calais": 62, "Somme": 80}}
    sex = d["sexe"].astype(str).map(codes["sexe"]).to_numpy()
    age = d["tranche_age"].cat.codes.to_numpy() + 1
    got = pd.Series(w).groupby([sex, age]).sum()
    want = pop.groupby(["sexe", "tranche_age"])["effectif"].sum()
    np.testing.assert_allclose(got.sort_index().to_numpy(), want.sort_index().to_numpy(),
                               rtol=1e-8)
    dep = d["departement"].astype(str).map(codes["departement"]).to_numpy()
    qual = d["qualification"].cat.codes.to_numpy() + 1
    got = pd.Series(w).groupby([dep, qual]).sum()
    want = pop.groupby(["departement", "qualification"])["effectif"].sum()
    np.testing.assert_allclose(got.sort_index().to_numpy(), want.sort_index().to_numpy(),
                               rtol=1e-8)


def test_raking_equals_iterative_proportional_fitting(ctx):
    """Exponential calibration on two crossed margins = IPF (written here in numpy)."""
    d = ctx.design.data
    pop = pd.read_csv(ROOT / "data/reference/population_ml_2024.csv")
    a = d["sexe"].cat.codes.to_numpy() * 4 + d["tranche_age"].cat.codes.to_numpy()
    b = d["departement"].cat.codes.to_numpy() * 4 + d["qualification"].cat.codes.to_numpy()
    ta = pop.groupby(["sexe", "tranche_age"])["effectif"].sum().to_numpy()
    tb = pop.groupby(["departement", "qualification"])["effectif"].sum().to_numpy()
    w = np.full(len(d), pop["effectif"].sum() / len(d))
    for _ in range(500):
        w *= (ta / np.bincount(a, weights=w, minlength=8))[a]
        w *= (tb / np.bincount(b, weights=w, minlength=20))[b]
    np.testing.assert_allclose(np.asarray(ctx.design.weights), w, rtol=1e-6)


def test_logit_calibration_respects_bounds():
    ctx = X.build_context(root=ROOT, compare_wave=0, calibration="logit", bounds=(0.4, 3.5))
    diag = ctx.design.weighting_diagnostics()
    assert diag.summary["ratio_min"].iloc[0] >= 0.4 - 1e-9
    assert diag.summary["ratio_max"].iloc[0] <= 3.5 + 1e-9
    assert np.abs(diag.margins["rel_diff"]).max() < 1e-8


# ----------------------------------------------------------------------------- indicators
def test_indicators_match_weighted_shares_from_raw_codes(ctx, raw):
    w = np.asarray(ctx.design.weights)
    o = ctx.overall.set_index("indicator")
    renonc = raw["renoncement_soins"].to_numpy()
    cout = np.where(np.isnan(renonc), np.nan, (raw["renoncement_motif"].to_numpy() == 1) * 1.0)
    tabac = raw["tabac"].to_numpy()
    adrs = raw[[f"adrs_{j:02d}" for j in range(1, 11)]].to_numpy().sum(axis=1)
    imc = raw["poids"].to_numpy() / (raw["taille"].to_numpy() / 100) ** 2
    rap = raw["rapports_sexuels"].to_numpy()
    expected = {
        "renoncement": renonc,
        "renoncement_cout": cout,
        "tabac_quotidien": np.where(np.isnan(tabac), np.nan, (tabac == 4) * 1.0),
        "detresse": np.where(np.isnan(adrs), np.nan, (adrs >= 3) * 1.0),
        "depression": np.where(np.isnan(adrs), np.nan, (adrs >= 6) * 1.0),
        "surpoids_obesite": np.where(np.isnan(imc), np.nan, (imc >= 25) * 1.0),
        "preservatif": np.where(rap == 1, raw["preservatif"].to_numpy(), np.nan),
        "pollution": (raw["inquietude_pollution"].to_numpy() >= 3) * 1.0,
        "sans_complementaire": (raw["couverture_complementaire"].to_numpy() == 3) * 1.0,
    }
    for name, y in expected.items():
        assert o.loc[name, "estimate"] == pytest.approx(_wshare(y, w), abs=1e-12), name
        assert o.loc[name, "n"] == int((~np.isnan(y)).sum()), name
        assert o.loc[name, "n_yes"] == int(np.nansum(y)), name


def test_group_estimates_and_logit_ci(ctx, raw):
    w = np.asarray(ctx.design.weights)
    est = S.indicator_estimates(ctx.design, S.indicators_by_theme("addictions"), by="sexe")
    tabac = raw["tabac"].to_numpy()
    y = np.where(np.isnan(tabac), np.nan, (tabac == 4) * 1.0)
    for code, label in ((1, "Homme"), (2, "Femme")):
        r = est[(est["indicator"] == "tabac_quotidien") & (est["group"] == label)].iloc[0]
        sel = raw["sexe"].to_numpy() == code
        assert r["estimate"] == pytest.approx(_wshare(y[sel], w[sel]), abs=1e-12)
        # svyciprop(method="logit"): logit(p) +/- t_df se / (p (1 - p))
        p, se, df = r["estimate"], r["se"], r["df"]
        half = stats.t.ppf(0.975, df) * se / (p * (1 - p))
        lo, hi = (1 / (1 + np.exp(-(np.log(p / (1 - p)) + s * half))) for s in (-1, 1))
        assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), abs=1e-10)
        assert r["ci_low"] < p < r["ci_high"]


def test_wave_comparison_by_hand(ctx):
    comp = S.wave_comparison(ctx.overall, ctx.overall_prev).set_index("indicator")
    cur = ctx.overall.set_index("indicator").loc["detresse"]
    prev = ctx.overall_prev.set_index("indicator").loc["detresse"]
    diff = cur["estimate"] - prev["estimate"]
    se = np.hypot(cur["se"], prev["se"])
    r = comp.loc["detresse"]
    assert r["diff"] == pytest.approx(diff, abs=1e-14)
    assert r["diff_low"] == pytest.approx(diff - 1.959963984540054 * se, abs=1e-12)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(abs(diff / se)), rel=1e-10)
    # synthetic 2020 wave: ADRS >= 3 set at 30 %, 2024 at 33 % (unweighted targets)
    assert 0.2 < prev["estimate"] < cur["estimate"] + 0.05


def test_benchmarks_labelled_with_sources(ctx):
    bench = pd.read_csv(ROOT / "data/reference/benchmarks_sante.csv")
    bm = S.benchmark_comparison(ctx.overall, bench)
    row = bm[bm["indicator"] == "cannabis"].iloc[0]
    assert row["benchmark"] == pytest.approx(0.28)
    assert row["source"] == "OFDT, Baromètre santé" and row["annee"] == 2021
    assert row["population"] == "Population générale 18-25 ans"
    assert set(bm["indicator"]) >= {"tabac_quotidien", "detresse", "obesite", "renoncement_cout"}
    with pytest.raises(StudyInputError, match="valeur_pct"):
        S.benchmark_comparison(ctx.overall, bench.drop(columns="valeur_pct"))


def test_distress_model_matches_weighted_logistic_mle(ctx):
    import statsmodels.api as sm

    ors, fit = S.distress_model(ctx.design)
    d = ctx.design.data
    x = pd.get_dummies(d[[f"m_{c}" for c in S.MODEL_TERMS]], drop_first=True, dtype=float)
    y = d["detresse_01"].to_numpy()
    ok = ~np.isnan(y) & d[[f"m_{c}" for c in S.MODEL_TERMS]].notna().all(axis=1).to_numpy()
    res = sm.GLM(y[ok], sm.add_constant(x[ok]), family=sm.families.Binomial(),
                 freq_weights=np.asarray(ctx.design.weights)[ok]).fit(tol=1e-12)
    assert fit.nobs == ok.sum()
    got = ors.loc[~ors["reference"], "odds_ratio"].to_numpy()
    np.testing.assert_allclose(got, np.exp(res.params.to_numpy()[1:]), rtol=1e-6)
    assert (ors.loc[ors["reference"], "odds_ratio"] == 1).all()
    fem = ors[(ors["level"] == "Femme")].iloc[0]
    assert fem["odds_ratio"] > 1 and fem["ci_low"] > 1  # built into the synthetic data


# ----------------------------------------------------------------------------- disclosure
def test_protected_shares_by_hand():
    # group 0 has 5 "yes" (< 11): hidden; group 1 would reveal it through the margins
    np.testing.assert_array_equal(protected_shares([5, 30], [20, 40], 11), [True, True])
    # three groups: the complement of group 0 is the cheapest other group (25 / 30)
    np.testing.assert_array_equal(protected_shares([5, 30, 25], [20, 40, 30], 11),
                                  [True, False, True])
    assert not protected_shares([12, 30, 25], [20, 40, 30], 11).any()
    # an empty group is published as such (nothing to protect)
    np.testing.assert_array_equal(protected_shares([0, 30], [0, 40], 11), [True, False])


def test_small_groups_are_suppressed_in_tables(ctx):
    from arefie_studies.pipeline.leakscan import ScanRules, scan_html
    from arefie_studies.studies import _sante_report as R

    inds = S.indicators_by_theme("mentale")
    est = S.indicator_estimates(ctx.design, inds, by="tranche_age", threshold=60)
    minors = est[est["group"] == "Moins de 18 ans"]
    assert minors["hidden"].all()  # 71 minors: every share has a count under 60
    html = R.breakdown_table(inds, ctx.overall, {"tranche_age": est}, title="t", threshold=60,
                             source="s")
    assert 'data-suppressed="1"' in html
    assert scan_html(html, ScanRules(threshold=60)) == []
    shown = est[~est["hidden"]]
    assert (np.minimum(shown["n_yes"], shown["n"] - shown["n_yes"]) >= 60).all()


def test_errors_name_the_problem(tmp_path):
    bad = tmp_path / "pop.csv"
    pd.DataFrame({"sexe": [1], "effectif": [3]}).to_csv(bad, index=False)
    with pytest.raises(StudyInputError, match="tranche_age"):
        S.population_margins(bad, None)
    with pytest.raises(ValueError, match="expected one of"):
        S.departement_label("75")
    with pytest.raises(ValueError, match="calibration"):
        S.calibrated_design(pd.DataFrame({"departement": [1, 2], "ml": [1, 2]}),
                            {("x",): {"a": 1.0}}, method="linear")


# ----------------------------------------------------------------------------- notebook
@pytest.mark.slow
def test_notebook_runs_with_other_wave_and_threshold(tmp_path):
    """The notebook with non-default parameters (2020 wave, threshold 25, logit calibration,
    département variant), rendered to HTML: French, no code, no error, leak scan clean."""
    import papermill as pm

    from arefie_studies.pipeline.execute import kernel_pythonpath, pick_kernel
    from arefie_studies.pipeline.leakscan import rules_for_study, scan_html
    from arefie_studies.pipeline.render import render_html
    from arefie_studies.project.config import load_config

    out = tmp_path / "nb.ipynb"
    env = {"PYTHONPATH": kernel_pythonpath(ROOT), "MPLBACKEND": "Agg"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        pm.execute_notebook(str(ROOT / "notebooks/sante_jeunes.ipynb"), str(out),
                            parameters={"wave": 2020, "compare_wave": 0, "departement": "80",
                                        "calibration": "logit", "disclosure_threshold": 25,
                                        "variant": "departement-80"},
                            kernel_name=pick_kernel(), cwd=str(ROOT), progress_bar=False)
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    html = render_html(out, title="Étude santé jeunes", subtitle="Département : Somme",
                       variant="departement-80")
    assert "Somme" in html and "En 2020" in html
    assert "moins de 25 répondants" in html
    assert "logit" in html
    text = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"data:[^\"]+", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    for bad in ("Traceback", "nan", "NaN", "ind_", "score_adrs", "Error", "None"):
        assert re.search(rf"\b{bad}\b", text) is None, bad
    config = load_config(ROOT / "studies/sante_jeunes.yaml", ROOT)
    assert scan_html(html, rules_for_study(config, ROOT)) == []


def test_french_sentences_keep_acronyms_and_reject_bad_waves():
    assert X._lower_first("A renoncé à des soins") == "a renoncé à des soins"
    assert X._lower_first("IMC ≥ 30") == "IMC ≥ 30"
    est = pd.DataFrame({"indicator": ["tabac_quotidien"] * 2, "group": ["Homme", "Femme"],
                        "estimate": [0.44, 0.38], "hidden": [False, False]})
    key = [i for i in S.INDICATORS if i.name == "tabac_quotidien"]
    text = X._sex_sentence(est, pd.Series({"tabac_quotidien": 0.01}), key)
    assert "fume quotidiennement : 44\u202f% des jeunes hommes contre 38\u202f% des jeunes femmes" in text
    assert "Aucun" in X._sex_sentence(est, pd.Series({"tabac_quotidien": 0.2}), key)
    with pytest.raises(ValueError, match="earlier edition"):
        X.build_context(root=ROOT, wave=2020, compare_wave=2024)


def test_departement_table_hides_tests_of_hidden_shares(ctx):
    from arefie_studies.studies import _sante_report as R

    key = [i for i in S.INDICATORS if i.key][:4]
    mask = ctx.design.data["departement"].astype(str).eq("Aisne").to_numpy()
    dep = S.indicator_estimates(ctx.design.subset(mask), key, threshold=11)
    dep.loc[dep.index[0], "hidden"] = True
    tests = pd.Series({i.name: 0.5 for i in key})
    html = R.departement_table(key, dep, ctx.overall, tests, dep_label="Aisne", title="t",
                               threshold=11, source="s", themes=S.THEMES)
    assert html.count("p\u202f=\u202f0,500") == len(key) - 1
    assert html.count('data-suppressed="1"') == 1
