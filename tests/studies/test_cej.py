"""CEJ study: indicators recomputed independently from the raw extracts (plain pandas / scipy /
lifelines), typology and cache, disclosure in per-ML tables, clear errors, and the notebook run
with non-default parameters (a small ML, other thresholds and exit months) with its leak scan."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from arefie_studies.studies import _cej_ml as M
from arefie_studies.studies import _cej_sequences as Q
from arefie_studies.studies import cej

ROOT = Path(__file__).resolve().parents[2]
SYN = ROOT / "data" / "synthetic"
EXTRACTION = pd.Timestamp("2025-03-31")


@pytest.fixture(scope="module")
def rep(tmp_path_factory):
    from arefie_studies.studies._cej_report import CejReport

    return CejReport(ROOT, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def raw():
    j = pd.read_parquet(SYN / "cej_jeunes.parquet")
    ml = pd.read_csv(ROOT / "data/reference/missions_locales.csv", dtype={"ml_code": str})
    j["ml_code"] = j["ml"].map(dict(zip(ml["ml_nom"], ml["ml_code"], strict=True)))
    return {"jeunes": j, "situations": pd.read_parquet(SYN / "cej_situations.parquet"),
            "contrats": pd.read_parquet(SYN / "cej_contrats.parquet"),
            "activite": pd.read_parquet(SYN / "cej_activite_hebdo.parquet"),
            "allocations": pd.read_parquet(SYN / "cej_allocations.parquet")}


def _wilson(k, n):
    from statsmodels.stats.proportion import proportion_confint

    return proportion_confint(k, n, alpha=0.05, method="wilson")


# ------------------------------------------------------------------ entries, profile, durations
def test_entries_by_month_and_departement(rep, raw):
    tab = cej.entries_by_month(rep.j)
    j = raw["jeunes"]
    want = j.groupby([j["date_entree"].dt.to_period("M"), "departement"]).size().unstack(fill_value=0)
    assert tab["Total"].sum() == len(j) == 12_000
    for dep in want.columns:
        np.testing.assert_array_equal(tab[dep].reindex(want.index).to_numpy(), want[dep].to_numpy())
    assert tab.index.min() == pd.Period("2022-03", "M")


def test_profile_vs_all_ml_youths(rep, raw):
    prof = cej.profile_vs_ml(rep.j, rep.data.ml_profiles).set_index(["variable", "level"])
    j = raw["jeunes"]
    k = int((j["sexe"] == "Femme").sum())
    r = prof.loc[("sexe", "Femme")]
    assert r["share"] == pytest.approx(k / len(j), abs=1e-12)
    lo, hi = _wilson(k, len(j))
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
    ref = pd.read_csv(ROOT / "data/reference/profil_ml_2024.csv")
    q = ref[ref["variable"] == "qualification"].groupby("modalite")["effectif"].sum()
    assert prof.loc[("qualification", "CAP-BEP"), "ml_share"] == pytest.approx(q["CAP-BEP"] / q.sum(), abs=1e-12)
    # age groups from the age at entry, by hand
    young = int((j["age_entree"] < 18).sum())
    assert prof.loc[("tranche_age", "Moins de 18 ans"), "n"] == young
    # one ML: both sides restricted to it
    one = cej.profile_vs_ml(rep.j, rep.data.ml_profiles, "8004").set_index(["variable", "level"])
    sub = j[j["ml_code"] == "8004"]
    assert one.loc[("qpv", "Oui"), "n"] == int((sub["qpv"] == "Oui").sum())
    r8 = ref[(ref["ml_code"] == 8004) & (ref["variable"] == "qpv")].set_index("modalite")["effectif"]
    assert one.loc[("qpv", "Oui"), "ml_share"] == pytest.approx(r8["Oui"] / r8.sum(), abs=1e-12)


def test_contract_durations_of_fully_observed_cohort(rep, raw):
    d = cej.contract_durations(rep.j, "2023-10-01", EXTRACTION)
    c = raw["contrats"]
    c = c[c["date_debut"] < "2023-10-01"]
    assert c["date_fin"].notna().all()  # every contract of that cohort has ended
    months = ((c["date_fin"] - c["date_debut"]).dt.days + 1) / 30.4375
    m, lo, hi, n = d.attrs["mean"]
    assert n == len(c) and m == pytest.approx(months.mean(), rel=1e-12)
    assert (lo, hi) == pytest.approx(stats.t.interval(0.95, n - 1, months.mean(), stats.sem(months)), rel=1e-10)
    assert d["n"].sum() == len(c)
    assert d.loc[d["classe"] == "4 à 6 mois", "n"].item() == int(months.round().between(4, 6).sum())


# ------------------------------------------------------------------ hours and allowance
def test_weekly_hours_share_under_15h(rep, raw):
    a = raw["activite"]
    ov = rep.hours["overall"]
    assert ov["share"] == pytest.approx((a["heures"] < 15).mean(), abs=1e-12)
    assert ov["weeks"] == len(a)
    assert ov["mean_hours"] == pytest.approx(a["heures"].mean(), rel=1e-12)
    # the CI is the linearised ratio with the youth as PSU (survey::svyratio)
    from arefie_studies.survey import SurveyDesign

    y = a.assign(low=(a["heures"] < 15).astype(float), one=1.0).groupby("id_jeune")[["low", "one"]].sum()
    est = SurveyDesign(y.reset_index().assign(w=1.0), weights="w").ratio("low", "one")
    assert ov["se"] == pytest.approx(float(est["se"].iloc[0]), rel=1e-9)
    assert ov["share"] == pytest.approx(float(est["estimate"].iloc[0]), rel=1e-12)
    # normal-quantile interval (R: confint(svyratio(...)) with the default qnorm)
    assert ov["ci_low"] == pytest.approx(ov["share"] - 1.959963984540054 * float(est["se"].iloc[0]), rel=1e-9)
    # by ML: weeks of the youths of one ML
    ids = set(raw["jeunes"].loc[raw["jeunes"]["ml_code"] == "5901", "id_jeune"])
    sub = a[a["id_jeune"].isin(ids)]
    ml = rep.hours_by() if not rep.regional else None
    hb = cej.hours_summary(rep.hours_ym, (rep.j["ml_code"] == "5901").to_numpy())["overall"]
    assert ml is None and hb["share"] == pytest.approx((sub["heures"] < 15).mean(), abs=1e-12)
    # by month of contract (month 1 = first 30.4 days after entry)
    e = raw["jeunes"].set_index("id_jeune")["date_entree"]
    mois = np.clip(np.floor((a["semaine"] - a["id_jeune"].map(e)).dt.days / 30.4375).astype(int) + 1, 1, 18)
    bm = rep.hours["by_month"].set_index("mois")
    assert bm.loc[3, "share"] == pytest.approx((a.loc[mois == 3, "heures"] < 15).mean(), abs=1e-12)


def test_allowance(rep, raw):
    al = raw["allocations"]
    a = rep.allowance
    m, _lo, _hi, n = a["monthly_mean"]
    assert n == len(al) and m == pytest.approx(al["montant"].mean(), rel=1e-12)
    full = np.where(al["mois"] < "2023-04-01", 500.44, np.where(al["mois"] < "2025-04-01", 528.0, 561.68))
    minor = np.where(al["mois"] < "2023-04-01", 300.27, np.where(al["mois"] < "2025-04-01", 316.80, 337.01))
    reduced = ~(np.isclose(al["montant"], full) | np.isclose(al["montant"], minor))
    t = a["types"].set_index("type")
    assert t.loc["Montant réduit (revenus d'activité)", "n"] == int(reduced.sum())
    assert a["by_year"]["montant"].sum() == pytest.approx(al["montant"].sum(), rel=1e-12)
    assert a["youth_total"][0] == pytest.approx(al.groupby("id_jeune")["montant"].sum().mean(), rel=1e-12)


# ------------------------------------------------------------------ trajectories
def _state_at(raw, k: int) -> pd.Series:
    """Situation in the k-th calendar month after the month of entry, by hand: among the episodes
    covering that month, the one that started last (TraMineR SPELL → STS)."""
    s = raw["situations"].copy()
    entry = s.groupby("id_jeune")["date_debut"].transform("min").dt.to_period("M")
    target = entry + k
    p0 = s["date_debut"].dt.to_period("M")
    p1 = s["date_fin"].dt.to_period("M")
    cover = (p0 <= target) & (p1.isna() | (p1 >= target))
    c = s[cover].sort_values(["id_jeune", "date_debut"]).groupby("id_jeune").tail(1).set_index("id_jeune")
    state = np.where(c["situation"] == "Emploi",
                     np.where(c["type_contrat"].isin(["CDI", "CDD de plus de 6 mois"]), "Emploi durable",
                              "Emploi court"), c["situation"])
    return pd.Series(state, index=c.index)


@pytest.mark.parametrize("k", [6, 12])
def test_exits_match_episodes_by_hand(rep, raw, k):
    st = _state_at(raw, k).reindex(raw["jeunes"]["id_jeune"])
    e = Q.exits_at(rep.seqs, k).set_index("indicator")
    emp = st.isin(["Emploi durable", "Emploi court", "Contrat en alternance"])
    dur = st.isin(["Emploi durable", "Contrat en alternance"])
    base = int(st.notna().sum())
    r = e.loc["En emploi (y c. alternance)"]
    assert r["base"] == base and r["n"] == int(emp.sum())
    assert r["ci_low"] == pytest.approx(_wilson(int(emp.sum()), base)[0], abs=1e-12)
    assert e.loc["En emploi durable (CDI, CDD > 6 mois, alternance)", "n"] == int(dur.sum())
    assert 0.45 < r["share"] < 0.80


def test_sequences_are_void_after_extraction(rep, raw):
    j = raw["jeunes"]
    observed = (2025 * 12 + 3) - (j["date_entree"].dt.year * 12 + j["date_entree"].dt.month) + 1
    np.testing.assert_array_equal(rep.seqs.lengths, np.minimum(observed.to_numpy(), 18))


def test_typology_types_named_and_cached(rep, tmp_path):
    typ = rep.typology
    assert 4 <= typ.k <= 6
    assert typ.k == int(typ.quality.loc[typ.quality["ASW"].idxmax(), "k"])
    names = list(rep.types.categories)
    assert len(set(names)) == typ.k and all(re.match(r"^\d\. [A-ZÉ]", n) for n in names)
    words = {"emploi", "alternance", "formation", "recherche", "contact", "études", "immersions", "retrait",
             "volontariat", "emplois"}
    assert all(any(w in n.lower() for w in words) for n in names)
    assert not (rep.types.codes < 0).any()
    # employment types come first (ordered by their months in employment)
    idx = [rep.seqs_h.alphabet.index(s) for s in Q.EMPLOYED]
    emp = np.isin(rep.seqs_h.codes, idx).mean(axis=1)
    by_type = pd.Series(emp).groupby(rep.types.codes).mean()
    assert by_type.is_monotonic_decreasing
    # the cache gives back the same partition, and a fixed k is honoured
    again = Q.typology(rep.seqs_h, rep.cache_dir, 0)
    np.testing.assert_array_equal(again.assign(rep.seqs_h).codes, rep.types.codes)
    five = Q.compute_typology(rep.seqs_h.subset(np.arange(3000)), n_types=5)
    assert five.k == 5 and len(five.names) == 5


# ------------------------------------------------------------------ time to first employment
def test_first_employment_km_and_cox(rep, raw):
    from lifelines import CoxPHFitter, KaplanMeierFitter

    s, j = raw["situations"], raw["jeunes"]
    first = s[s["situation"].isin(["Emploi", "Contrat en alternance"])].groupby("id_jeune")["date_debut"].min()
    t = (j["id_jeune"].map(first) - j["date_entree"]).dt.days / 30.4375
    cens = np.minimum((EXTRACTION - j["date_entree"]).dt.days / 30.4375, 24)
    ev = t.notna() & (t <= cens)
    tt = np.where(ev, t, cens)
    fj = rep.first_job
    np.testing.assert_allclose(fj["t_emploi"], tt, rtol=1e-12)
    assert int(fj["emploi"].sum()) == int(ev.sum())
    curves = rep.km()
    from arefie_studies.methods.survival import median_survival

    med = median_survival(curves).set_index("group")
    for g in ("Sans diplôme ou brevet", "Baccalauréat"):
        m = (j["qualification"] == g).to_numpy()
        kmf = KaplanMeierFitter().fit(tt[m], ev.to_numpy()[m])
        assert med.loc[g, "median"] == pytest.approx(kmf.median_survival_time_, rel=1e-12)
    cox = rep.cox()
    X = pd.DataFrame({"t": np.maximum(tt, 1e-3), "e": ev.astype(int),
                      "bac": (j["qualification"] == "Baccalauréat").astype(float),
                      "cap": (j["qualification"] == "CAP-BEP").astype(float),
                      "sup": (j["qualification"] == "Diplôme supérieur au bac").astype(float)})
    for col, lv in (("sexe", "Femme"), ("qpv", "Oui"), ("rqth", "Oui")):
        X[lv + col] = (j[col] == lv).astype(float)
    for a in ("Moins de 18 ans", "22-25 ans", "26 ans et plus"):
        X[a] = (rep.j["tranche_age"].astype(str) == a).astype(float).to_numpy()
    for lg in ("Logement autonome", "Hébergement précaire ou sans logement", "Non renseigné"):
        X[lg] = (j["logement"] == lg).astype(float)
    for d in ("Aisne", "Oise", "Pas-de-Calais", "Somme"):
        X[d] = (j["departement"] == d).astype(float)
    fit = CoxPHFitter().fit(X, "t", "e")
    hr = cox.set_index("modalite")["hazard_ratio"]
    assert hr["Baccalauréat"] == pytest.approx(np.exp(fit.params_["bac"]), rel=1e-6)
    assert hr["Somme"] == pytest.approx(np.exp(fit.params_["Somme"]), rel=1e-6)
    assert (cox["ci_low"] < cox["hazard_ratio"]).all() and (cox["hazard_ratio"] < cox["ci_high"]).all()


# ------------------------------------------------------------------ survey of the 42 ML
def test_ml_links_by_hand(rep):
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.5, 0.1, 15), rng.normal(0.55, 0.1, 27)
    w = M.welch_diff(a, b)
    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert (w["ci_low"], w["ci_high"], w["p_value"]) == pytest.approx((ci.low, ci.high, res.pvalue), rel=1e-10)
    x, y = rng.integers(1, 5, 42), rng.normal(size=42)
    sp = M.spearman_ci(x, y)
    assert sp["rho"] == pytest.approx(stats.spearmanr(x, y)[0], rel=1e-12)
    z = np.arctanh(sp["rho"])
    assert sp["ci_high"] == pytest.approx(np.tanh(z + 1.959963984540054 * np.sqrt(1.06 / 39)), rel=1e-9)
    out = rep.ml_outcomes
    assert len(out) == 42 and out["jeunes"].sum() == 12_000
    lk = M.link_modalities(rep.data.enquete, out, rep.data.ml_ref)
    assert len(lk) == len(M.MODALITIES) * len(M.OUTCOMES)
    row = lk[(lk["variable"] == "phase_collective") & (lk["outcome"] == "semaines_moins_15h")].iloc[0]
    e = rep.data.enquete.assign(code=rep.data.enquete["ml"].astype(str).map(
        dict(zip(rep.data.ml_ref["ml_nom"], rep.data.ml_ref["ml_code"], strict=True))))
    yes = out.loc[e.loc[e["phase_collective"] == "Oui", "code"], "semaines_moins_15h"]
    assert row["moy_avec"] == pytest.approx(yes.mean(), rel=1e-12) and row["n_avec"] == len(yes)
    assert "42 Missions Locales" in rep.links_text() or "42 Missions Locales" in rep.table_links() + rep.links_text()


# ------------------------------------------------------------------ disclosure and errors
def test_per_ml_tables_hide_small_cells(tmp_path, rep):
    from arefie_studies.pipeline.leakscan import ScanRules, scan_html
    from arefie_studies.studies._cej_report import CejReport

    small = CejReport(ROOT, ml="204", threshold=11, cache_dir=rep.cache_dir)
    html = small.table_profile() + small.table_durations() + small.table_end_reasons() + small.table_types_ml()
    assert 'data-suppressed="1"' in html  # the ML has fewer than 11 minors, RQTH, ...
    assert scan_html(html, ScanRules(threshold=11)) == []
    # a hidden level forces a second hidden cell in the same distribution (no recovery by difference)
    prof = re.findall(r"<tr>(.*?)</tr>", small.table_profile())
    age_rows = [r for r in prof if "ans" in r][:4]
    assert sum("data-suppressed" in r.split("</td>")[0] for r in age_rows) >= 2


def test_errors_name_the_problem(rep):
    from arefie_studies.studies._cej_report import CejReport

    with pytest.raises(cej.CejInputError, match=r"parameter ml: unknown Mission Locale code '9999'.*5901"):
        CejReport(ROOT, ml="9999", cache_dir=rep.cache_dir)
    with pytest.raises(cej.CejInputError, match=r"km_group.*qualification"):
        CejReport(ROOT, km_group="revenu", cache_dir=rep.cache_dir)
    with pytest.raises(cej.CejInputError, match=r"cej_jeunes.*available"):
        cej._need(pd.DataFrame({"a": [1]}), ["id_jeune"], "cej_jeunes")


# ------------------------------------------------------------------ the notebook
@pytest.mark.slow
def test_notebook_runs_for_one_ml_with_other_parameters(tmp_path):
    """A light per-ML report with non-default parameters (20 h threshold, exits at 3 and 9 months,
    disclosure threshold 15), rendered: French, no code or error, leak scan clean."""
    import papermill as pm

    from arefie_studies.pipeline.execute import kernel_pythonpath, pick_kernel
    from arefie_studies.pipeline.leakscan import rules_for_study, scan_html
    from arefie_studies.pipeline.render import render_html
    from arefie_studies.project.config import load_config

    out = tmp_path / "run" / "cej.ipynb"
    out.parent.mkdir()
    env = {"PYTHONPATH": kernel_pythonpath(ROOT), "MPLBACKEND": "Agg"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        pm.execute_notebook(str(ROOT / "notebooks/cej.ipynb"), str(out),
                            parameters={"ml": "8004", "low_hours": 20, "exit_months": [3, 9],
                                        "disclosure_threshold": 15, "variant": "ml-8004",
                                        "output_dir": str(out.parent)},
                            kernel_name=pick_kernel(), cwd=str(ROOT), progress_bar=False)
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert list((tmp_path / "_cache" / "cej").glob("typology-*.npz"))  # cache next to the run folder
    html = render_html(out, title="Déploiement du Contrat d'engagement jeune", subtitle="ML du Santerre",
                       variant="ML du Santerre")
    assert "ML du Santerre" in html and "moins de 20 h" in html and "En emploi à 9 mois" in html
    assert "sur moins de 15 jeunes" in html and "1 à 14 répondants" in html
    text = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"data:[^\"]+", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    for bad in ("Traceback", "nan", "NaN", "None", "Error", "ml_code", "id_jeune", "low_weeks"):
        assert re.search(rf"\b{bad}\b", text) is None, bad
    config = load_config(ROOT / "studies/cej.yaml", ROOT)
    rules = rules_for_study(config, ROOT)
    assert rules.threshold == 11
    from dataclasses import replace

    assert scan_html(html, replace(rules, threshold=15)) == []
