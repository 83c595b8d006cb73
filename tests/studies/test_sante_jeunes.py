"""Étude santé jeunes: design, scores, calibration, indicators, comparisons, model, report, notebook.

Indicators are checked against values recomputed here from the raw SPSS codes (pyreadstat
without value labels) with plain numpy — never through the study module's own functions —
and the département domain estimates against R (survey 4.1.1).
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from html import escape
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from scipy import stats

from arefie_studies.project import load_study_inputs
from arefie_studies.studies import _sante_report as R
from arefie_studies.studies import glossary
from arefie_studies.studies import sante_jeunes as S
from arefie_studies.studies._common import StudyInputError
from arefie_studies.studies.contract import Figure, Heading, KeyFigures, Paragraph, Table
from arefie_studies.tables import protected_shares

ROOT = Path(__file__).resolve().parents[2]
SAV = {w: ROOT / "data" / "synthetic" / f"sante_jeunes_{w}.sav" for w in (2020, 2024)}
PARAMS = {"wave": 2024, "compare_wave": 2020, "calibration": "raking",
          "calibration_bounds": [0.2, 5.0], "disclosure_threshold": 11}


@pytest.fixture(scope="module")
def inputs():
    return load_study_inputs("sante_jeunes", ROOT)


@pytest.fixture(scope="module")
def res(inputs):
    return S.compute(inputs, PARAMS)


@pytest.fixture(scope="module")
def design(inputs):
    return S.design(inputs, 2024)


@pytest.fixture(scope="module")
def regional(res):
    return S.report(res, {**PARAMS, "departement": ""})


@pytest.fixture(scope="module")
def aisne(res):
    return S.report(res, {**PARAMS, "departement": "02"})


@pytest.fixture(scope="module")
def raw():
    """Raw numeric codes of the 2024 wave, user-missing codes (9, 999) as NaN."""
    df, _meta = pyreadstat.read_sav(str(SAV[2024]), user_missing=False)
    return df


def _wshare(y: np.ndarray, w: np.ndarray) -> float:
    ok = ~np.isnan(y)
    return float(np.sum(w[ok] * y[ok]) / np.sum(w[ok]))
# ----------------------------------------------------------------------------- scores
def test_scores_match_raw_codes(design, raw):
    d = design.data
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


def test_score_classes_use_published_cutoffs(design):
    d = design.data
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
def test_calibration_reaches_population_margins(design):
    pop = pd.read_csv(ROOT / "data/reference/population_ml_2024.csv")
    d = design.data
    w = np.asarray(design.weights)
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


def test_raking_equals_iterative_proportional_fitting(design):
    """Exponential calibration on two crossed margins = IPF (written here in numpy)."""
    d = design.data
    pop = pd.read_csv(ROOT / "data/reference/population_ml_2024.csv")
    a = d["sexe"].cat.codes.to_numpy() * 4 + d["tranche_age"].cat.codes.to_numpy()
    b = d["departement"].cat.codes.to_numpy() * 4 + d["qualification"].cat.codes.to_numpy()
    ta = pop.groupby(["sexe", "tranche_age"])["effectif"].sum().to_numpy()
    tb = pop.groupby(["departement", "qualification"])["effectif"].sum().to_numpy()
    w = np.full(len(d), pop["effectif"].sum() / len(d))
    for _ in range(500):
        w *= (ta / np.bincount(a, weights=w, minlength=8))[a]
        w *= (tb / np.bincount(b, weights=w, minlength=20))[b]
    np.testing.assert_allclose(np.asarray(design.weights), w, rtol=1e-6)


def test_logit_calibration_respects_bounds(inputs):
    diag = S.design(inputs, 2024, calibration="logit", bounds=(0.4, 3.5)).weighting_diagnostics()
    assert diag.summary["ratio_min"].iloc[0] >= 0.4 - 1e-9
    assert diag.summary["ratio_max"].iloc[0] <= 3.5 + 1e-9
    assert np.abs(diag.margins["rel_diff"]).max() < 1e-8


# ----------------------------------------------------------------------------- indicators
def test_indicators_match_weighted_shares_from_raw_codes(res, design, raw):
    w = np.asarray(design.weights)
    o = res.overall.set_index("indicator")
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


def test_group_estimates_and_logit_ci(res, design, raw):
    w = np.asarray(design.weights)
    est = res.by("sexe")
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


def test_wave_comparison_by_hand(res):
    comp = res.evolution.set_index("indicator")
    cur = res.overall.set_index("indicator").loc["detresse"]
    prev = res.overall_prev.set_index("indicator").loc["detresse"]
    diff = cur["estimate"] - prev["estimate"]
    se = np.hypot(cur["se"], prev["se"])
    r = comp.loc["detresse"]
    assert r["diff"] == pytest.approx(diff, abs=1e-14)
    assert r["diff_low"] == pytest.approx(diff - 1.959963984540054 * se, abs=1e-12)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(abs(diff / se)), rel=1e-10)
    # synthetic 2020 wave: ADRS >= 3 set at 30 %, 2024 at 33 % (unweighted targets)
    assert 0.2 < prev["estimate"] < cur["estimate"] + 0.05


def test_benchmarks_labelled_with_sources(res):
    bench = pd.read_csv(ROOT / "data/reference/benchmarks_sante.csv")
    bm = S.benchmark_comparison(res.overall, bench)
    row = bm[bm["indicator"] == "cannabis"].iloc[0]
    assert row["benchmark"] == pytest.approx(0.28)
    assert row["source"] == "OFDT, Baromètre santé" and row["annee"] == 2021
    assert row["population"] == "Population générale 18-25 ans"
    assert set(bm["indicator"]) >= {"tabac_quotidien", "detresse", "obesite", "renoncement_cout"}
    with pytest.raises(StudyInputError, match="valeur_pct"):
        S.benchmark_comparison(res.overall, bench.drop(columns="valeur_pct"))


def test_distress_model_matches_weighted_logistic_mle(res, design):
    import statsmodels.api as sm

    ors = res.model
    d = design.data
    x = pd.get_dummies(d[[f"m_{c}" for c in S.MODEL_TERMS]], drop_first=True, dtype=float)
    y = d["detresse_01"].to_numpy()
    ok = ~np.isnan(y) & d[[f"m_{c}" for c in S.MODEL_TERMS]].notna().all(axis=1).to_numpy()
    mle = sm.GLM(y[ok], sm.add_constant(x[ok]), family=sm.families.Binomial(),
                 freq_weights=np.asarray(design.weights)[ok]).fit(tol=1e-12)
    assert res.model_n == ok.sum()
    got = ors.loc[~ors["reference"], "odds_ratio"].to_numpy()
    np.testing.assert_allclose(got, np.exp(mle.params.to_numpy()[1:]), rtol=1e-6)
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


def test_small_groups_are_suppressed_in_tables(inputs):
    """Threshold 60: every share of the 71 minors is hidden, in the results and in the report's
    tables (no value, no count in the HTML), and the leak scan finds nothing."""
    from arefie_studies.pipeline.leakscan import ScanRules, scan_html

    res60 = S.compute(inputs, {**PARAMS, "disclosure_threshold": 60})
    est = res60.by("tranche_age")
    minors = est[est["group"] == "Moins de 18 ans"]
    assert minors["hidden"].all()
    shown = est[~est["hidden"]]
    assert (np.minimum(shown["n_yes"], shown["n"] - shown["n_yes"]) >= 60).all()
    for variant in ("", "80"):
        rep = S.report(res60, {**PARAMS, "disclosure_threshold": 60, "departement": variant})
        for table in rep.tables():
            assert scan_html(table.html, ScanRules(threshold=60)) == [], table.name
        assert "moins de 60 répondants" in rep.text()
    html = next(t.html for t in S.report(res60, PARAMS).tables() if t.name == "mentale_sexe_age")
    assert 'data-suppressed="1"' in html
    frame = next(t.frame for t in S.report(res60, PARAMS).tables() if t.name == "mentale_sexe_age")
    minors = frame[next(c for c in frame if "Moins de 18 ans" in c)]
    assert (minors == "s").all()


def test_errors_name_the_problem(inputs):
    with pytest.raises(StudyInputError, match="tranche_age"):
        S.population_margins(pd.DataFrame({"sexe": [1], "effectif": [3]}), None, source="pop.csv")
    with pytest.raises(ValueError, match="expected one of"):
        S.departement_label("75")
    with pytest.raises(ValueError, match="calibration"):
        S.calibrated_design(pd.DataFrame({"departement": [1, 2], "ml": [1, 2]}),
                            {("x",): {"a": 1.0}}, method="linear")
    with pytest.raises(StudyInputError, match="sante_2019"):
        S.design(inputs, 2019)
    with pytest.raises(ValueError, match="earlier edition"):
        S.compute(inputs, {**PARAMS, "wave": 2020, "compare_wave": 2024})
    no_refs = replace(inputs, references={})
    with pytest.raises(StudyInputError, match="reference 'population' is not declared"):
        S.design(no_refs, 2024)


# ----------------------------------------------------------------------------- contract
def test_compute_opens_no_file(inputs, monkeypatch, tmp_path):
    """compute reads only ``inputs``: with every file opener failing and the cwd elsewhere, it
    still gives the same results; the results pickle."""
    import builtins
    import io
    import pickle

    def no_file(*args, **kwargs):
        raise AssertionError(f"compute opened a file: {args[:1]}")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(builtins, "open", no_file)
    monkeypatch.setattr(io, "open", no_file)
    for name in ("read_csv", "read_parquet", "read_spss", "read_excel"):
        monkeypatch.setattr(pd, name, no_file)
    monkeypatch.setattr(pyreadstat, "read_sav", no_file)
    out = S.compute(inputs, {**PARAMS, "compare_wave": 0})
    monkeypatch.undo()
    again = pickle.loads(pickle.dumps(out))
    assert again.previous is None and again.evolution is None
    pd.testing.assert_frame_equal(again.overall, out.overall)


def test_design_is_the_one_compute_uses(inputs, res, design):
    """The public design: strata = départements, PSU = ML, raked to the population total; the
    results' overall shares are its shares."""
    assert design.n_strata == 5 and design.n_psu == 42
    pop = inputs.references["population"]["effectif"].sum()
    assert np.asarray(design.weights).sum() == pytest.approx(pop, rel=1e-10)
    est = design.proportion("ind_detresse", ci_method="logit")
    got = est[est["level"].astype(str) == "Oui"].iloc[0]
    row = res.overall.set_index("indicator").loc["detresse"]
    assert (row["estimate"], row["se"], row["ci_low"]) == (got["estimate"], got["se"],
                                                         got["ci_low"])
    d2 = S.design_for(2024, ROOT)
    np.testing.assert_array_equal(np.asarray(d2.weights), np.asarray(design.weights))


# ----------------------------------------------------------------------------- finding: 2020 values
def test_every_2020_value_is_the_one_results_value(res, regional):
    """Old report: Tableau 24 (2020 microdata) and Tableau 25 (the reference CSV's "Étude santé
    jeunes 2020" rows) gave two different 2020 values of détresse, tabac and surpoids. Now the
    2020 values come only from ``res.overall_prev`` and the study's own published figures are not
    used as references (listed and explained instead)."""
    prev = res.overall_prev.set_index("indicator")
    evo = next(t for t in regional.tables() if t.name == "evolution")
    col = evo.frame["2020"].droplevel("section")
    assert len(col) == sum(i.key for i in S.INDICATORS)
    label_to_name = {i.label: i.name for i in S.INDICATORS}
    shown = col[col.map(lambda v: isinstance(v, float))]
    names = [label_to_name[lab] for lab in shown.index]
    np.testing.assert_array_equal(shown.to_numpy(dtype=float),
                                  prev.loc[names, "estimate"].to_numpy())
    assert {"detresse", "tabac_quotidien", "surpoids_obesite"} <= set(names)
    for name in ("detresse", "tabac_quotidien", "surpoids_obesite"):
        assert f"{R.fmt_pct(prev.loc[name, 'estimate'])}" in evo.html
    # the theme charts' 2020 diamonds read the same frame
    figs = [b for b in regional if isinstance(b, Figure) and "losanges : 2020" in b.caption]
    assert len(figs) == len(S.THEMES)
    for f in figs:
        np.testing.assert_array_equal(f.draw.keywords["previous"]["estimate"],
                                      res.overall_prev["estimate"])
        np.testing.assert_array_equal(f.draw.keywords["previous"]["ci_low"],
                                      res.overall_prev["kg_low"])
    # no "2020" value of the study from the reference file, anywhere
    own = res.own_references
    assert set(own["indicateur"]) == {"tabagisme", "surpoids_obesite", "detresse_psychologique",
                                      "detresse_moderee", "depression"}
    assert not res.benchmarks["source"].str.startswith("Étude santé jeunes").any()
    for table in regional.tables():
        assert "Étude santé jeunes 2020" not in table.html, table.name
        for v in own["valeur_pct"]:  # 26 %, 25 %, 40 %, 32 %, 5 % never shown as 2020 values
            assert re.search(rf"(?<![\d,]){R.fmt_pct(v / 100, 0)} \(", table.html) is None
    bm = next(t for t in regional.tables() if t.name == "references")
    assert "Valeur de référence (autre source)" in bm.html
    assert "Population, année et source de la référence" in bm.html
    assert "ne sont pas repris comme repères" in regional.text()


# ----------------------------------------------------------------------------- finding: housing
def test_sans_logement_stable_follows_the_glossary(design, raw, regional, aisne):
    """Third-party housing (2) and youth hostels (4) count as « sans logement stable », as the
    shared glossary defines it; the definition is stated once, in the annex."""
    codes = raw["logement"].to_numpy()
    want = np.where(np.isnan(codes), np.nan, np.isin(codes, [2, 4, 5, 6]).astype(float))
    got = design.data["sans_logement_stable"].astype(object).map({"Oui": 1.0, "Non": 0.0})
    np.testing.assert_array_equal(got.to_numpy(dtype=float), want)
    assert S.VULNERABLE["sans_logement_stable"] == glossary.term("sans_logement_stable").label
    definition = glossary.term("sans_logement_stable").definition
    for rep in (regional, aisne):
        assert rep.text().count(definition) == 1
        annex = [b for b in rep if type(b).__name__ == "Annex" and definition in b.markdown]
        assert len(annex) == 1 and annex[0].section == "notes"
    with pytest.raises(StudyInputError, match="neither stable nor unstable"):
        frame = design.data.copy()
        frame["logement"] = frame["logement"].cat.add_categories(["Caravane"])
        frame.loc[frame.index[0], "logement"] = "Caravane"
        S.prepare(frame, load_study_inputs("sante_jeunes", ROOT).codebooks["sante_2024"])


# ----------------------------------------------------------------------------- finding: df, KG
def test_departement_domain_matches_r(res):
    """Domain estimates of a département: estimate, SE, logit CI and degf as R gives them.

    R 4.2.2, survey 4.1.1, on the design of :func:`S.design` (weights N/n, ids=~ml,
    strata=~departement; calibrate(~st + dq, calfun="raking") with st = sexe × tranche_age and
    dq = département × qualification, population from population_ml_2024.csv)::

        s <- subset(dc, departement == "Aisne")
        svyciprop(~I(ind_generaliste == "Oui"), s, method = "logit"); degf(s)
        # Aisne 0.780612047873272 SE 0.00285169719670449 [0.77140187086636, 0.789552382574064] 3
        # Nord  0.768249928644175 SE 0.0129224394286389  [0.739875844441124, 0.794389093600615] 17
    """
    r_ref = {"Aisne": (0.780612047873272, 0.00285169719670449, 0.77140187086636,
                       0.789552382574064, 3),
             "Nord": (0.768249928644175, 0.0129224394286389, 0.739875844441124,
                      0.794389093600615, 17)}
    by = res.by("departement").set_index(["group", "indicator"])
    for dep, (p, se, lo, hi, df) in r_ref.items():
        row = by.loc[(dep, "generaliste")]
        np.testing.assert_allclose([row["estimate"], row["se"], row["ci_low"], row["ci_high"]],
                                   [p, se, lo, hi], rtol=1e-6)
        assert row["df"] == df


def test_departement_df_and_korn_graubard(res, design):
    """Every domain estimate keeps n, SE, CI, df and the Korn–Graubard interval; df = PSUs −
    strata in the domain (counted here from the data); KG recomputed with scipy from (p, se, df,
    n) as svyciprop(method="beta") does with nrow(design) of the domain: every respondent of
    the département, those missing the indicator included (svyby(..., na.rm=TRUE))."""
    data = design.data
    by = res.by("departement")
    assert {"estimate", "se", "ci_low", "ci_high", "kg_low", "kg_high", "df", "n"} <= set(by)
    for dep, sub in by.groupby("group"):
        n_ml = data.loc[data["departement"].astype(str) == dep, "ml"].nunique()
        assert (sub["df"] == n_ml - 1).all(), dep
    p, se, df = (by[c].to_numpy(dtype=float) for c in ("estimate", "se", "df"))
    rows = data["departement"].astype(str).value_counts()
    n = by["group"].map(rows).to_numpy(dtype=float)
    ok = (p > 0) & (p < 1) & (se > 0)
    neff = p * (1 - p) / se**2 * (stats.t.ppf(0.025, n - 1) / stats.t.ppf(0.025, df)) ** 2
    lo = stats.beta.ppf(0.025, neff * p, neff * (1 - p) + 1)
    hi = stats.beta.ppf(0.975, neff * p + 1, neff * (1 - p))
    np.testing.assert_allclose(by["kg_low"].to_numpy()[ok], lo[ok], rtol=1e-6)
    np.testing.assert_allclose(by["kg_high"].to_numpy()[ok], hi[ok], rtol=1e-6)


def test_departement_figures_follow_the_presentation_rule(res, aisne, regional):
    """Old p. 6: Aisne « 78,1 % [77,1 ; 79,0] » (logit, 4 PSUs, no df). Now every département
    figure shows its Korn–Graubard interval and goes through the NCHS rule: with df = 3 < 8 it
    is flagged « † » (or « nd » when suppressed); the ad-hoc ‡ is gone."""
    dep = res.departement("02").set_index("indicator")
    assert (dep["df"] == 3).all()
    assert set(dep["decision"]) <= {"flag", "suppress"}  # df < 8: never plainly shown
    table = next(t for t in aisne.tables() if t.name == "indicateurs_02")
    row = dep.loc["generaliste"]
    assert row["decision"] == "flag"
    assert R.fmt_ci(row["kg_low"], row["kg_high"]) in table.html
    label = R._label(next(i for i in S.INDICATORS if i.name == "generaliste"))
    gen = re.search(rf"{re.escape(escape(label))}</th>(.*?)</td>", table.html).group(1)
    assert R.fmt_num(row["estimate"] * 100, 1) in gen and "†" in gen  # 78,1 % †
    assert "‡" not in table.html and "‡" not in aisne.text()
    frame = table.frame["Aisne"].droplevel("section")
    key = {R._label(i): i.name for i in S.INDICATORS if i.key}
    assert len(frame) == len(key)
    for lab, v in frame.items():
        x = dep.loc[key[lab]]
        assert v == ("s" if x["hidden"] else "nd" if x["decision"] == "suppress"
                     else x["estimate"]), lab
    fig = next(b for b in aisne if isinstance(b, Figure))
    assert (fig.draw.args[0]["ci_low"] == fig.draw.args[0]["kg_low"]).all()
    for table in regional.tables():
        if table.name.endswith("_departement"):
            assert "Korn–Graubard" in table.html and "‡" not in table.html


def test_presentation_rule_flags_few_psus_and_suppresses_small_n_eff(res, regional):
    """df < 8 -> flagged « † »; n_eff < 30 -> « nd » with nothing of the value left, in the
    rendered HTML of the Table blocks."""
    from arefie_studies.tables import presentation_rule

    by = res.by("departement")
    got = presentation_rule(by.assign(ci_low=by["kg_low"], ci_high=by["kg_high"]))
    assert (got["decision"].to_numpy() == by["decision"].to_numpy()).all()
    flag = by[(by["df"] < 8) & (by["decision"] == "flag") & ~by["hidden"]]
    assert len(flag)
    theme = {i.name: i.theme for i in S.INDICATORS}
    # n_eff < 30: no real domain gets there (disclosure hides small ones first), so Nord's
    # détresse gets an SE giving n_eff = 20 and goes through the same decision as compute
    from arefie_studies.studies._sante_estimates import with_presentation

    b = res.breakdowns.copy()
    sel = (b["breakdown"] == "departement") & (b["group"] == "Nord") & (b["indicator"] == "detresse")
    x = b[sel].iloc[0]
    assert x["decision"] == "show" and x["df"] >= 8
    b.loc[sel, "se"] = np.sqrt(x["estimate"] * (1 - x["estimate"]) / 20)
    b = with_presentation(b)
    assert b.loc[sel, "decision"].iloc[0] == "suppress"
    assert "taille d’échantillon effective 20 < 30" in b.loc[sel, "reason"].iloc[0]
    rep = S.report(replace(res, breakdowns=b), {**PARAMS, "departement": ""})
    label = R._label(next(i for i in S.INDICATORS if i.name == "detresse"))
    for name in ("mentale_departement", "comparaison_departements"):
        t = next(t for t in rep.tables() if t.name == name)
        if name == "mentale_departement":
            row = re.search(rf"{re.escape(escape(label))}</th>(.*?)</tr>", t.html).group(1)
            cell = row.split("</td>")[2]  # Ensemble, Aisne, Nord
        else:
            row = re.search(r"Nord</th>(.*?)</tr>", t.html).group(1)
            cell = row.split("</td>")[0]
        assert cell.endswith(">nd") and "data-n=" not in cell, name
        for v in (x["estimate"], x["kg_low"], x["kg_high"]):
            assert R.fmt_num(v * 100, 1) not in row, name
        assert (t.frame == "nd").any().any()
    det = next(i.label for i in S.INDICATORS if i.name == "detresse")
    fig = next(f for f in rep if isinstance(f, Figure) and f.caption.startswith(f"{det} par"))
    drawn = fig.draw()
    ax = drawn.axes[0]
    assert "non publié" in [tx.get_text() for tx in ax.texts]
    ticks = [tk.get_text() for tk in ax.get_yticklabels()]
    assert ticks[0] == "Nord" and len(ticks) == 5  # hidden rows first, without a value
    for line in ax.lines:
        assert R.fmt_num(x["estimate"], 6) not in str(line.get_xdata())
    assert len(ax.collections) + len(ax.lines) > 0
    assert "Nord : détresse" not in rep.text().lower()
    for _, x in flag.head(5).iterrows():
        t = next(t for t in regional.tables() if t.name == f"{theme[x['indicator']]}_departement")
        assert f"{R.fmt_num(x['estimate'] * 100, 1)}" in t.html and "†" in t.html
    assert R.presentation_rule_text() in regional.text()


# ----------------------------------------------------------------------------- report = results
def test_report_values_are_results_values(res, regional, aisne):
    """Sentences, key figures and tables are formatted from the results' rows."""
    o = res.overall.set_index("indicator")
    text = regional.text()
    for name in ("detresse", "renoncement", "tabac_quotidien", "surpoids_obesite"):
        assert f"{R.fmt_pct(o.loc[name, 'estimate'], 0)} " in text
        assert R.fmt_pct(o.loc[name, "estimate"]) in text  # key figure
        assert R.fmt_ci(o.loc[name, "kg_low"], o.loc[name, "kg_high"]) in text
    assert f"**{R.fmt_int(res.n)} jeunes**" in text and f"**{res.n_ml} Missions" in text
    sexe = next(t for t in regional.tables() if t.name == "mentale_sexe_age").frame
    by = res.by("sexe").set_index(["indicator", "group"])
    f = sexe["Sexe|Femme"]
    labels = {R._label(i): i.name for i in S.INDICATORS}
    for lab, v in f.items():
        x = by.loc[(labels[lab], "Femme")]
        assert v == ("s" if x["hidden"] else "nd" if x["decision"] == "suppress" else x["estimate"])
    comp = res.evolution.set_index("indicator")
    up = comp[(comp["p_value"] < 0.05) & (comp["diff"] > 0) & ~comp["hidden"]
              & comp.index.isin([i.name for i in S.INDICATORS if i.key])]
    for name, row in up.iterrows():
        assert R.fmt_pct_points(row["diff"]) in text, name
    assert f"Dans l’Aisne, {R._share(res.departement('02'), 'detresse')} des jeunes" in aisne.text()
    info = res.departements.set_index("departement").loc["02"]
    assert f"**{R.fmt_int(info['n'])} jeunes**" in aisne.text()
    ors = res.model[~res.model["reference"]]
    model = next(t for t in regional.tables() if t.name == "modele_detresse")
    for v in ors["odds_ratio"]:
        assert R.fmt_num(v, 2) in model.html


def test_chapters_and_finding_headings(res, regional, aisne):
    """One chapter mechanism: level-1 headings carry the notebook's anchors in every variant;
    level-2 headings state a finding read from the results."""
    for rep, chapters in ((regional, list(R.CHAPTERS.items())), (aisne, list(R.CHAPTERS.items())[:3])):
        ones = [(b.anchor, b.text) for b in rep if isinstance(b, Heading) and b.level == 1]
        assert ones == chapters
        assert all(len(rep.chapter(a)) > 1 for a, _ in chapters)
    with pytest.raises(KeyError, match="no chapter"):
        regional.chapter("chapitre")
    heads = [b.text for b in regional if isinstance(b, Heading) and b.level == 2]
    ev = res.evolution[res.evolution["indicator"].isin([i.name for i in S.INDICATORS if i.key])]
    ok = (~ev["hidden"] & (ev["decision"] != "suppress") & (ev["decision_prev"] != "suppress")
          & (ev["p_value"] < 0.05))
    up, down = int((ok & (ev["diff"] > 0)).sum()), int((ok & (ev["diff"] < 0)).sum())
    want = [f"{up} indicateur" if up else "aucun en hausse",
            f"et {down} indicateur" if down else "et aucun en baisse"]
    assert any(h.startswith("Depuis 2020, ") and all(w in h for w in want) for h in heads)
    mentale = R._theme_heading(res, "mentale", S.indicators_by_theme("mentale", key_only=True))
    assert mentale in heads
    p = res.tests.query("breakdown == 'sexe' and indicator == 'detresse'")["p_value"].iloc[0]
    if p < 0.05:
        assert "plus fréquent chez" in mentale


def test_key_figures_and_synthesis(res, regional):
    """The opening key figures are the results' values with their Korn–Graubard interval; the
    synthesis lists only significant differences, each with its intervals."""
    kf = next(b for b in regional if isinstance(b, KeyFigures))
    assert kf is regional.blocks[1]
    assert 4 <= len(kf.items) <= 6
    o = res.overall.set_index("indicator")
    d = next(k for k in kf.items if "détresse" in k.label)
    assert d.value == R.fmt_pct(o.loc["detresse", "estimate"])
    assert d.detail == f"IC 95 % {R.fmt_ci(o.loc['detresse', 'kg_low'], o.loc['detresse', 'kg_high'])}"
    assert any(k.value == R.fmt_int(res.n) for k in kf.items)
    items = R.synthesis(res)
    assert 3 <= len(items) <= 6
    for t in items:
        pv = re.search(r"p\u202f(?:=\u202f)?([<0-9,]+)", t).group(1)
        assert pv.startswith("<") or float(pv.replace(",", ".")) < 0.05, t
        assert "[" in t
    tests = res.tests.query("breakdown == 'sexe'").set_index("indicator")["p_value"]
    for i in S.INDICATORS:  # a non-significant sex difference is not a finding
        if i.key and tests[i.name] >= 0.05:
            assert not any(t.startswith(f"{i.label} :") and "jeunes femmes" in t for t in items)


def test_every_table_and_figure_has_champ_and_lecture(res, regional, aisne):
    for rep in (regional, aisne):
        blocks = rep.blocks
        for k, b in enumerate(blocks):
            if isinstance(b, Table):
                if b.name.startswith("calage"):   # the two calibration tables share one note
                    nxt = next(x for x in blocks[k + 1:] if not isinstance(x, Table))
                    assert "Champ" in nxt.markdown and "Lecture" in nxt.markdown
                else:
                    assert "Champ\u202f:" in b.html and "Lecture\u202f:" in b.html, b.name
                assert b.name and b.frame is not None, b.name
            if isinstance(b, Figure):
                nxt = blocks[k + 1]
                assert isinstance(nxt, Paragraph) and nxt.markdown.startswith("Champ"), b.caption
                assert "Lecture" in nxt.markdown, b.caption
        names = [t.name for t in rep.tables()]
        assert len(names) == len(set(names))
    text = regional.text()
    assert res.fieldwork and res.fieldwork in text
    assert res.contact and res.contact in text
    assert R.fmt_pct(res.n / res.population_total) in text
    assert "AREFIE (2026), *Étude santé jeunes*, édition 2024, rapport régional" in text


def test_comparison_holds_every_departement(res, regional, aisne):
    t = next(t for t in regional.tables() if t.name == "comparaison_departements")
    assert list(t.frame.index) == [*S.DEPARTEMENTS.values(), "Hauts-de-France"]
    by = res.by("departement").set_index(["group", "indicator"])
    for dep in S.DEPARTEMENTS.values():
        for name in R.COMPARED:
            x = by.loc[(dep, name)]
            label = next(i.label for i in S.INDICATORS if i.name == name)
            want = ("s" if x["hidden"] else "nd" if x["decision"] == "suppress" else x["estimate"])
            assert t.frame.loc[dep, label] == want
    figs = [b for b in regional if isinstance(b, Figure) and "par département" in b.caption]
    assert [f.draw.args[1] for f in figs] == list(R.COMPARED)
    for f in figs:
        assert set(f.draw.args[0]["row"]) == {*S.DEPARTEMENTS.values(), "Hauts-de-France"}
    x = by.loc[("Aisne", "detresse")]  # the département report places itself
    p = res.dep_tests.query("departement == '02' and indicator == 'detresse'")["p_value"].iloc[0]
    assert R.fmt_pct(x["estimate"]) in aisne.text()
    assert R.fmt_ci(x["kg_low"], x["kg_high"]) in aisne.text()
    assert ("pas significativement différente" in aisne.text()) == (p >= 0.05)


def test_french_sentences_keep_acronyms():
    assert R._lower_first("A renoncé à des soins") == "a renoncé à des soins"
    assert R._lower_first("IMC ≥ 30") == "IMC ≥ 30"
    est = pd.DataFrame({"indicator": ["tabac_quotidien"] * 2, "group": ["Homme", "Femme"],
                        "estimate": [0.44, 0.38], "hidden": [False, False],
                        "decision": ["show", "show"]})
    key = [i for i in S.INDICATORS if i.name == "tabac_quotidien"]

    def fake(p):
        tests = pd.DataFrame({"breakdown": ["sexe"], "indicator": ["tabac_quotidien"],
                              "p_value": [p]})
        return SimpleNamespace(by=lambda b: est, tests=tests)

    text = R._sex_sentence(fake(0.01), key)
    assert "fume quotidiennement : 44\u202f% des jeunes hommes contre 38\u202f% des jeunes femmes" in text
    assert "Aucun" in R._sex_sentence(fake(0.2), key)


def test_departement_table_hides_tests_of_hidden_shares(res, aisne):
    dep = res.departement("02").set_index("indicator")
    key = [i.name for i in S.INDICATORS if i.key]
    hidden = [n for n in key if dep.loc[n, "hidden"]]
    assert hidden  # tentative_suicide, activite_faible: counts under 11 in Aisne
    table = next(t for t in aisne.tables() if t.name == "indicateurs_02")
    for name in hidden:
        label = next(i for i in S.INDICATORS if i.name == name).label
        row = re.search(rf"{re.escape(escape(label))}</th>(.*?)</tr>", table.html).group(1)
        assert row.startswith('<td class="suppressed" data-suppressed="1">s</td>')
        assert row.endswith("<td>–</td><td>–</td>")  # no df, no test beside a hidden share
        assert "data-n" not in row.split("</td>")[0]


# ----------------------------------------------------------------------------- notebook
def _run_notebook(tmp_path, parameters, variant, subtitle):
    import papermill as pm

    from arefie_studies.pipeline.execute import kernel_pythonpath, pick_kernel
    from arefie_studies.pipeline.render import render_html

    out = tmp_path / "nb.ipynb"
    env = {"PYTHONPATH": kernel_pythonpath(ROOT), "MPLBACKEND": "Agg"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        nb = pm.execute_notebook(str(ROOT / "notebooks/sante_jeunes.ipynb"), str(out),
                                 parameters=parameters, kernel_name=pick_kernel(), cwd=str(ROOT),
                                 progress_bar=False)
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return nb, render_html(out, title="Étude santé jeunes", subtitle=subtitle, variant=variant)


def test_notebook_is_thin():
    import json

    nb = json.loads((ROOT / "notebooks/sante_jeunes.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "filterwarnings" not in code and "warnings" not in code
    assert "_sante" not in code and "import" in code
    assert 'run("sante_jeunes"' in code
    assert nb["metadata"]["kernelspec"] == {"name": "arefie-studies", "language": "python",
                                            "display_name": "Python (arefie-studies)"}
    assert 'chapter("introduction")' in code and ".part(" not in code


@pytest.mark.slow
def test_notebook_runs_with_other_wave_and_threshold(tmp_path):
    """The notebook with non-default parameters (2020 wave, threshold 25, logit calibration,
    département variant), rendered to HTML: French, no code, no error, no warning, leak scan
    clean."""
    from arefie_studies.pipeline.leakscan import rules_for_study, scan_html
    from arefie_studies.project.config import load_config

    nb, html = _run_notebook(tmp_path, {"wave": 2020, "compare_wave": 0, "departement": "80",
                                        "calibration": "logit", "disclosure_threshold": 25,
                                        "variant": "departement-80"},
                             "departement-80", "Département : Somme")
    streams = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert streams == []  # no warning anywhere (no filter hides them)
    assert "Somme" in html and "En 2020" in html
    assert "moins de 25 répondants" in html
    assert "logit" in html and "Korn–Graubard" in html
    text = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"data:[^\"]+", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    for bad in ("Traceback", "nan", "NaN", "ind_", "score_adrs", "Error", "None", "Warning"):
        assert re.search(rf"\b{bad}\b", text) is None, bad
    config = load_config(ROOT / "studies/sante_jeunes.yaml", ROOT)
    assert scan_html(html, rules_for_study(config, ROOT)) == []


def test_sample_table_hides_small_levels(res):
    """At a threshold above the smallest level (71 minors), the sample table shows the mark,
    not the count, in the HTML and in the download frame."""
    smallest = res.sample.loc[res.sample["n"] > 0, "n"].min()
    rep = S.report(replace(res, threshold=int(smallest) + 1), PARAMS)
    table = next(t for t in rep.tables() if t.name == "echantillon")
    row = table.frame[table.frame["Modalité"] == res.sample.loc[res.sample["n"] == smallest,
                                                                  "group"].iloc[0]]
    assert (row[["Répondants", "Échantillon brut", "Après calage"]] == "s").all().all()
    assert f">{R.fmt_int(smallest)}<" not in table.html


def test_departement_map_reads_the_decided_estimates():
    """The map of the départements shows the same decided values as the comparison table: a
    flagged estimate keeps its « † », a hidden one shows no number."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from arefie_studies.studies._sante_charts import departement_map

    cells = pd.DataFrame({
        "row": ["Hauts-de-France", "Aisne", "Nord", "Oise", "Pas-de-Calais", "Somme"],
        "column": "x", "estimate": [0.30, 0.34, 0.31, 0.32, 0.29, 0.07],
        "ci_low": [0.28, 0.2, 0.29, 0.27, 0.26, 0.01], "ci_high": [0.32, 0.5, 0.33, 0.37, 0.32, 0.3],
        "hidden": [False, False, False, False, False, True],
        "decision": ["show", "flag", "show", "show", "show", "show"], "mark": ["", "", "", "", "▼", ""]})
    fig = departement_map(cells, "x", region="Hauts-de-France", title="Part", source="Source : test.")
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "Aisne †" in texts and "34\u202f%" in texts and "31\u202f%" in texts
    assert "7\u202f%" not in texts and "non publié" in texts
    plt.close(fig)
