"""CEJ study on the contract: indicators recomputed independently from the raw extracts (plain
pandas / scipy / lifelines / statsmodels), the audit's findings (hidden cells carry nothing, no
margin pins a hidden cell, ML counts under the threshold, one definition of durable employment,
each ML's own accompanied youths, no hand-written CIs nor caches), report values read from the
results, ``compute`` opening no file, clear errors, and the notebook run with other parameters."""

from __future__ import annotations

import builtins
import importlib.util
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
from arefie_studies.tables import fmt_ci, fmt_pct

ROOT = Path(__file__).resolve().parents[2]
SYN = ROOT / "data" / "synthetic"
EXTRACTION = pd.Timestamp("2025-03-31")
PARAMS = {"extraction_date": "2025-03-31", "horizon": 12, "horizon_long": 18, "exit_months": [6, 12],
          "n_types": 0, "low_hours": 15, "km_group": "qualification", "followup_months": 24,
          "disclosure_threshold": 11}
THR = 11


@pytest.fixture(scope="module")
def inputs():
    from arefie_studies.project import load_study_inputs

    return load_study_inputs("cej", ROOT)


@pytest.fixture(scope="module")
def res(inputs):
    return cej.compute(inputs, PARAMS)


@pytest.fixture(scope="module")
def ml_codes(res):
    return list(res.overview["territory"])[1:]


@pytest.fixture(scope="module")
def reports(res, ml_codes):
    return {ml: cej.report(res, {**PARAMS, "ml": ml}) for ml in ["", *ml_codes]}


@pytest.fixture(scope="module")
def raw():
    j = pd.read_parquet(SYN / "cej_jeunes.parquet")
    ml = pd.read_csv(ROOT / "data/reference/missions_locales.csv", dtype={"ml_code": str})
    j["ml_code"] = j["ml"].map(dict(zip(ml["ml_nom"], ml["ml_code"], strict=True)))
    return {"jeunes": j, "situations": pd.read_parquet(SYN / "cej_situations.parquet"),
            "contrats": pd.read_parquet(SYN / "cej_contrats.parquet"),
            "activite": pd.read_parquet(SYN / "cej_activite_hebdo.parquet"),
            "allocations": pd.read_parquet(SYN / "cej_allocations.parquet"),
            "profils": pd.read_csv(ROOT / "data/reference/profil_ml_2024.csv", dtype={"ml_code": str})}


def _korn_graubard(k, n, rows=None):
    """Korn–Graubard interval (``svyciprop(method="beta")``) by hand: with unit weights and the
    youth as unit, var(p) = p(1-p)/(n-1) and the domain has n - 1 degrees of freedom, so the
    effective size is (n - 1) (t_{rows-1} / t_{n-1})² (``rows``: the design's rows, the domain's
    included) and the interval is Clopper–Pearson at x = p · n_eff."""
    rows = n if rows is None else rows
    p = k / n
    ne = (n - 1) * (stats.t.ppf(0.975, rows - 1) / stats.t.ppf(0.975, n - 1)) ** 2
    x = p * ne
    return stats.beta.ppf(0.025, x, ne - x + 1), stats.beta.ppf(0.975, x + 1, ne - x)


def _row(frame, **keys):
    sel = np.ones(len(frame), bool)
    for k, v in keys.items():
        sel &= (frame[k] == v).to_numpy()
    assert sel.sum() == 1, keys
    return frame[sel].iloc[0]


# ------------------------------------------------------------------ entries, profile, durations
def test_entries_by_month_and_departement(res, raw):
    j = raw["jeunes"]
    want = j.groupby([j["date_entree"].dt.to_period("M").astype(str), "departement"]).size()
    got = res.entries_month.set_index(["month", "departement"])["n"]
    assert got.sum() == len(j) == 12_000
    np.testing.assert_array_equal(got.reindex(want.index).to_numpy(), want.to_numpy())
    assert res.entries_month["month"].min() == "2022-03"
    ey = res.entries_year
    assert _row(ey, territory="204", year="Total")["n"] == int((j["ml_code"] == "204").sum())


def test_profile_vs_all_ml_youths(res, raw):
    prof = res.profile
    j, ref = raw["jeunes"], raw["profils"]
    k = int((j["sexe"] == "Femme").sum())
    r = _row(prof, territory="region", variable="sexe", level="Femme")
    assert r["estimate"] == pytest.approx(k / len(j), abs=1e-12) and r["n"] == k and r["base"] == len(j)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(_korn_graubard(k, len(j)), rel=1e-9)
    q = ref[ref["variable"] == "qualification"].groupby("modalite")["effectif"].sum()
    r = _row(prof, territory="region", variable="qualification", level="CAP-BEP")
    assert r["ml_share"] == pytest.approx(q["CAP-BEP"] / q.sum(), abs=1e-12)
    assert _row(prof, territory="region", variable="tranche_age", level="Moins de 18 ans")["n"] == int(
        (j["age_entree"] < 18).sum())
    sub = j[j["ml_code"] == "8004"]
    r = _row(prof, territory="8004", variable="qpv", level="Oui")
    assert r["n"] == int((sub["qpv"] == "Oui").sum())
    r8 = ref[(ref["ml_code"] == "8004") & (ref["variable"] == "qpv")].set_index("modalite")["effectif"]
    assert r["ml_share"] == pytest.approx(r8["Oui"] / r8.sum(), abs=1e-12)


def test_contract_durations_of_fully_observed_cohort(res, raw):
    c = raw["contrats"]
    c = c[c["date_debut"] < "2023-09-01"]  # 18 months before the extraction
    assert c["date_fin"].notna().all()  # every contract of that cohort has ended
    months = ((c["date_fin"] - c["date_debut"]).dt.days + 1) / 30.4375
    m = _row(res.duration_mean, territory="region")
    assert m["n"] == len(c) and m["estimate"] == pytest.approx(months.mean(), rel=1e-12)
    # svymean on a domain of the 12 000 youths (R: svymean(~d, subset(svydesign(ids=~1), cohort))):
    # linearised variance sum((y - mean)^2) N / (N - 1) / n_D^2; t interval on the domain's df
    big_n, n_d = 12_000, len(c)
    se = np.sqrt(((months - months.mean()) ** 2).sum() * big_n / (big_n - 1)) / n_d
    assert m["se"] == pytest.approx(se, rel=1e-10) and m["df"] == n_d - 1
    ci = stats.t.interval(0.95, n_d - 1, months.mean(), se)
    assert (m["ci_low"], m["ci_high"]) == pytest.approx(ci, rel=1e-10)
    d = res.durations[res.durations["territory"] == "region"]
    assert d["n"].sum() == len(c)
    assert _row(d, level="4 à 6 mois")["n"] == int(months.round().between(4, 6).sum())


# ------------------------------------------------------------------ hours and allowance
def test_weekly_hours_share_under_15h(res, raw):
    from arefie_studies.survey import SurveyDesign

    a = raw["activite"]
    ov = _row(res.hours, territory="region")
    assert ov["estimate"] == pytest.approx((a["heures"] < 15).mean(), abs=1e-12)
    assert ov["weeks"] == len(a)
    assert ov["estimate_hours"] == pytest.approx(a["heures"].mean(), rel=1e-12)
    # the linearised ratio with the youth as unit (survey::svyratio), t interval on n - 1 df
    y = a.assign(low=(a["heures"] < 15).astype(float), one=1.0).groupby("id_jeune")[["low", "one"]].sum()
    est = SurveyDesign(y.reset_index().assign(w=1.0), weights="w").ratio("low", "one")
    se = float(est["se"].iloc[0])
    assert ov["se"] == pytest.approx(se, rel=1e-9)
    assert ov["ci_low"] == pytest.approx(ov["estimate"] - stats.t.ppf(0.975, len(y) - 1) * se, rel=1e-9)
    ids = set(raw["jeunes"].loc[raw["jeunes"]["ml_code"] == "5901", "id_jeune"])
    sub = a[a["id_jeune"].isin(ids)]
    assert _row(res.hours, territory="5901")["estimate"] == pytest.approx((sub["heures"] < 15).mean(), abs=1e-12)
    e = raw["jeunes"].set_index("id_jeune")["date_entree"]
    mois = np.clip(np.floor((a["semaine"] - a["id_jeune"].map(e)).dt.days / 30.4375).astype(int) + 1, 1, 18)
    bm = _row(res.hours_by_month, territory="region", mois=3)
    assert bm["estimate"] == pytest.approx((a.loc[mois == 3, "heures"] < 15).mean(), abs=1e-12)


def test_allowance(res, raw):
    al = raw["allocations"]
    a = res.allowance
    m = _row(a, territory="region", indicator="monthly_mean")
    assert m["payments"] == len(al) and m["estimate"] == pytest.approx(al["montant"].mean(), rel=1e-12)
    full = np.where(al["mois"] < "2023-04-01", 500.44, np.where(al["mois"] < "2025-04-01", 528.0, 561.68))
    minor = np.where(al["mois"] < "2023-04-01", 300.27, np.where(al["mois"] < "2025-04-01", 316.80, 337.01))
    reduced = ~(np.isclose(al["montant"], full) | np.isclose(al["montant"], minor))
    t = _row(res.allowance_types, territory="region", level="Montant réduit (revenus d'activité)")
    assert t["n"] == int(reduced.sum())
    assert res.allowance_years["amount"].sum() == pytest.approx(al["montant"].sum(), rel=1e-12)
    per = al.groupby("id_jeune")["montant"].sum()
    tot = _row(a, territory="region", indicator="youth_total")
    assert tot["estimate"] == pytest.approx(per.mean(), rel=1e-12)
    assert (tot["ci_low"], tot["ci_high"]) == pytest.approx(
        stats.t.interval(0.95, len(per) - 1, per.mean(), stats.sem(per)), rel=1e-9)


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
def test_exits_match_episodes_by_hand(res, raw, k):
    st = _state_at(raw, k).reindex(raw["jeunes"]["id_jeune"])
    e = res.exits[(res.exits["territory"] == "region") & (res.exits["breakdown"] == "") & (res.exits["mois"] == k)]
    e = e.set_index("indicator")
    emp = st.isin(["Emploi durable", "Emploi court", "Contrat en alternance"])
    base = int(st.notna().sum())
    r = e.loc["emploi"]
    assert r["base"] == base and r["n"] == int(emp.sum())
    assert r["ci_low"] == pytest.approx(_korn_graubard(int(emp.sum()), base, len(st))[0], rel=1e-9)
    # durable employment as the glossary defines it: alternance is NOT in it, it has its own row
    assert e.loc["emploi_durable", "n"] == int((st == "Emploi durable").sum())
    assert e.loc["alternance", "n"] == int((st == "Contrat en alternance").sum())
    assert 0.45 < r["estimate"] < 0.80


def test_sequences_are_void_after_extraction(res, raw):
    j = raw["jeunes"]
    observed = (2025 * 12 + 3) - (j["date_entree"].dt.year * 12 + j["date_entree"].dt.month) + 1
    lengths = (res.sequences >= 0).sum(axis=1)
    np.testing.assert_array_equal(lengths, np.minimum(observed.to_numpy(), 18))


def test_typology_types_named_and_ordered(res):
    assert 4 <= res.k <= 6
    q = res.typology_quality
    assert res.k == int(q.loc[q["ASW"].idxmax(), "k"])
    names = list(res.type_names)
    assert len(set(names)) == res.k and all(re.match(r"^\d\. [A-ZÉ]", n) for n in names)
    words = {"emploi", "alternance", "formation", "recherche", "contact", "études", "immersions", "retrait",
             "volontariat", "emplois"}
    assert all(any(w in n.lower() for w in words) for n in names)
    assert not (res.types < 0).any()
    idx = [Q.ALPHABET.index(s) for s in Q.EMPLOYED]
    emp = np.isin(res.sequences[:, :12], idx).mean(axis=1)
    assert pd.Series(emp).groupby(res.types).mean().is_monotonic_decreasing
    from arefie_studies.methods import StateSequences

    five = Q.compute_typology(StateSequences.from_codes(res.sequences[:3000, :12].astype(np.int64), Q.ALPHABET),
                              n_types=5)
    assert five.k == 5 and len(five.names) == 5


# ------------------------------------------------------------------ time to first employment
def test_first_employment_km_and_cox(res, raw):
    from lifelines import CoxPHFitter, KaplanMeierFitter

    s, j = raw["situations"], raw["jeunes"]
    first = s[s["situation"].isin(["Emploi", "Contrat en alternance"])].groupby("id_jeune")["date_debut"].min()
    t = (j["id_jeune"].map(first) - j["date_entree"]).dt.days / 30.4375
    cens = np.minimum((EXTRACTION - j["date_entree"]).dt.days / 30.4375, 24)
    ev = t.notna() & (t <= cens)
    tt = np.where(ev, t, cens)
    med = res.km_summary[res.km_summary["territory"] == "region"].set_index("group")
    for g in ("Sans diplôme ou brevet", "Baccalauréat"):
        m = (j["qualification"] == g).to_numpy()
        kmf = KaplanMeierFitter().fit(tt[m], ev.to_numpy()[m])
        assert med.loc[g, "median"] == pytest.approx(kmf.median_survival_time_, rel=1e-12)
        assert med.loc[g, "emp6"] == pytest.approx(1 - float(kmf.survival_function_at_times(6).iloc[0]), rel=1e-9)
    one = res.km_summary[res.km_summary["territory"] == "204"].set_index("group")
    m = (j["ml_code"] == "204").to_numpy()
    kmf = KaplanMeierFitter().fit(tt[m], ev.to_numpy()[m])
    assert one.loc["ML de Thiérache", "median"] == pytest.approx(kmf.median_survival_time_, rel=1e-12)
    cox = res.cox
    X = pd.DataFrame({"t": np.maximum(tt, 1e-3), "e": ev.astype(int),
                      "bac": (j["qualification"] == "Baccalauréat").astype(float),
                      "cap": (j["qualification"] == "CAP-BEP").astype(float),
                      "sup": (j["qualification"] == "Diplôme supérieur au bac").astype(float)})
    for col, lv in (("sexe", "Femme"), ("qpv", "Oui"), ("rqth", "Oui")):
        X[lv + col] = (j[col] == lv).astype(float)
    age = np.digitize(j["age_entree"], [18, 22, 26])
    for i, a in ((0, "Moins de 18 ans"), (2, "22-25 ans"), (3, "26 ans et plus")):
        X[a] = (age == i).astype(float)
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
def test_ml_links_by_hand(res, inputs):
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.5, 0.1, 15), rng.normal(0.55, 0.1, 27)
    w = M.welch_diff(a, b)
    r = stats.ttest_ind(b, a, equal_var=False)
    ci = r.confidence_interval(0.95)
    assert (w["ci_low"], w["ci_high"], w["p_value"]) == pytest.approx((ci.low, ci.high, r.pvalue), rel=1e-10)
    x, y = rng.integers(1, 5, 42), rng.normal(size=42)
    sp = M.spearman_ci(x, y)
    assert sp["rho"] == pytest.approx(stats.spearmanr(x, y)[0], rel=1e-12)
    z = np.arctanh(sp["rho"])
    assert sp["ci_high"] == pytest.approx(np.tanh(z + 1.959963984540054 * np.sqrt(1.06 / 39)), rel=1e-9)
    out = res.ml_outcomes
    assert len(out) == 42
    e = inputs.frames["enquete_ml"]
    ref = inputs.references["missions_locales"]
    code = e["ml"].astype(str).map(dict(zip(ref["ml_nom"], ref["ml_code"].astype(str), strict=True)))
    row = _row(res.links, variable="phase_collective", outcome="semaines_moins_15h")
    yes = out.loc[code[e["phase_collective"].astype(str) == "Oui"], "semaines_moins_15h"]
    assert row["moy_avec"] == pytest.approx(yes.mean(), rel=1e-12) and row["n_avec"] == len(yes)
    assert out.loc["204", "semaines_moins_15h"] == pytest.approx(_row(res.hours, territory="204")["estimate"])


# ------------------------------------------------------------------ the audit's findings
def _tables_html(rep) -> str:
    return "".join(t.html for t in rep.tables())


def test_hidden_cells_carry_nothing_in_any_ml_report(reports):
    """Finding: the per-ML reports carried the true count of suppressed cells (data-n="7"
    data-suppressed="1"). No hidden cell carries a count, nor does any shown cell rest on 1–10."""
    n_hidden = 0
    for ml, rep in reports.items():
        html = _tables_html(rep)
        for td in re.findall(r"<td[^>]*data-suppressed[^>]*>", html):
            assert "data-n" not in td, (ml, td)
            n_hidden += 1
        small = [int(n) for n in re.findall(r'data-n="(\d+)"', html) if 0 < int(n) < THR]
        assert small == [], (ml, small)
        for t in rep.tables():  # the download frame holds the marker where the HTML hides a cell
            marks = int(t.frame.isin(["s", "nd"]).to_numpy().sum())
            assert marks == t.html.count('data-suppressed="1"') + t.html.count('data-not-shown="1"'), (ml, t.name)
    assert n_hidden > 0  # small MLs do hide cells


DISTRIBUTIONS = ("profile", "durations", "end_reasons", "allowance_types", "types_by_territory")


def _feasible_widths(n: np.ndarray, hidden: np.ndarray, total_hidden: bool) -> np.ndarray:
    """Width of the interval an attacker gets for each hidden cell of a 1-D distribution shown
    with its total: the hidden cells sum to total - shown, each lies in [0, that sum]."""
    if total_hidden:
        return np.full(hidden.sum(), np.inf)
    return np.full(hidden.sum(), n.sum() - n[~hidden].sum(), dtype=float)


def test_no_margin_pins_a_hidden_cell(res, ml_codes):
    """Finding: in ml-204's durations table two hidden cells held 7 youths together, each
    recoverable to 0–7 from the shown cells and total. Every hidden cell of every ML's tables
    must keep a feasible range at least the threshold wide."""
    checked = 0
    for name in DISTRIBUTIONS:
        f = getattr(res, name)
        keys = ["territory", "group"] + (["variable"] if "variable" in f.columns else [])
        for key, g in f.groupby(keys, sort=False):
            hid = g["hidden"].to_numpy(bool)
            if not hid.any():
                continue
            all_hidden = hid.all()
            widths = _feasible_widths(g["n"].to_numpy(float), hid, all_hidden)
            assert (widths >= THR).all(), (name, key, g[["level", "n", "hidden"]].to_dict("records"))
            checked += 1
    ey = res.entries_year
    for t in ml_codes:
        g = ey[(ey["territory"] == t) & (ey["year"] != "Total")]
        total_hidden = bool(_row(ey, territory=t, year="Total")["hidden"])
        hid = g["hidden"].to_numpy(bool)
        if hid.any():
            assert (_feasible_widths(g["n"].to_numpy(float), hid, total_hidden) >= THR).all(), t
    assert checked > 20
    # the audited case: ml-204 durations
    d = res.durations[res.durations["territory"] == "204"]
    assert d["hidden"].sum() >= 2 and d.loc[d["hidden"], "n"].sum() >= THR


def test_the_range_check_catches_the_old_rule(res):
    """The audited rule (primary suppression + bridges of the table with its margins, one column
    per ML; ``protect_table(min_width=0)``) leaves ml-204's hidden durations pinned to a narrow
    range: the check above bites. ``protect_table``'s default now gives them room."""
    from arefie_studies.tables import protect_table

    d = res.durations[res.durations["territory"] == "204"]
    n = d["n"].to_numpy(float)
    _, hid = protect_table(n[:, None], THR, min_width=0)
    old = hid[:-1, 0]
    assert old.sum() >= 2 and n[old].sum() < THR
    assert (_feasible_widths(n, old, bool(hid[-1, 0])) < THR).all()
    _, hid = protect_table(n[:, None], THR)
    new = hid[:-1, 0]
    assert (_feasible_widths(n, new, bool(hid[-1, 0])) >= THR).all()


def test_binary_indicators_hide_both_counts(res):
    """A share k / base reveals k and base - k: both must be at least the threshold when shown."""
    for name in ("exits", "types_profile"):
        f = getattr(res, name)
        shown = f[~f["hidden"] & (f["base"] > 0)]
        small = shown[((shown["n"] > 0) & (shown["n"] < THR))
                      | ((shown["base"] - shown["n"] > 0) & (shown["base"] - shown["n"] < THR))]
        assert small.empty, (name, small.head())


def test_ml_survey_counts_follow_the_threshold(res, reports):
    """Finding: the survey table showed 6, 9, 10 Missions Locales while the annex says no cell
    rests on fewer than 11. ML counts are decided like youth counts, and the annex says so."""
    m = res.modalities
    shown = m[~m["hidden"]]
    assert not ((shown["n"] > 0) & (shown["n"] < THR)).any()
    assert m["hidden"].any()  # the synthetic survey has rare modalities
    for _, g in m.groupby("variable"):
        if g["hidden"].any():
            assert g.loc[g["hidden"], "n"].sum() >= THR and g["hidden"].sum() >= 2
    lk = res.links
    b = lk[lk["kind"] == "binary"]
    assert (b["hidden"] == (b[["n_sans", "n_avec"]].min(axis=1) < THR)).all()
    mods = next(t for t in reports[""].tables() if t.name == "modalites").frame
    shown_counts = [int(v.replace("\u202f", "")) for v in mods["Missions Locales"] if v != "s"]
    assert shown_counts and all(v == 0 or v >= THR for v in shown_counts)
    assert (mods["Missions Locales"] == "s").sum() == m["hidden"].sum()
    html = _tables_html(reports[""])
    for a, c in re.findall(r"\((\d+) / (\d+) ML\)", html):
        assert int(a) >= THR and int(c) >= THR
    text = reports[""].text()
    assert f"moins de {THR} jeunes ni sur moins de {THR}\nMissions Locales" in text


def test_one_definition_of_durable_employment(res, reports):
    """Finding: "emploi durable" included alternance in one table only. Everywhere it follows the
    glossary: the state, the exits, the table notes, the chronogram legend, the ML outcomes."""
    from arefie_studies.studies.glossary import term

    assert "n’est pas un emploi durable" in term("emploi_durable").definition
    assert Q.DURABLE == ("Emploi durable",)
    legend = dict(zip(Q.ALPHABET, [lab for _, lab, _ in Q.STATES], strict=True))
    assert "altern" not in legend["Emploi durable"].lower()
    for rep in (reports[""], reports["204"]):
        all_text = rep.text() + _tables_html(rep)
        assert "CDD > 6 mois, alternance" not in all_text and "6 mois ou alternance" not in all_text
        assert "En alternance" in _tables_html(rep)
        assert term("emploi_durable").definition in rep.text()  # stated once, in the annex
        assert rep.text().count(term("emploi_durable").definition) == 1
    e = res.exits
    d12 = e[(e["breakdown"] == "") & (e["mois"] == 12) & (e["indicator"] == "emploi_durable")]
    assert res.ml_outcomes["durable_12"].to_dict() == pytest.approx(
        d12[d12["territory"] != "region"].set_index("territory")["estimate"].to_dict())


def test_accompanied_youths_column_is_the_mls_own(reports, raw):
    """Finding: "Tous les jeunes accompagnés – ML de X" showed the regional values for every ML."""
    ref = raw["profils"]
    got = {}
    for ml in ("204", "5901"):
        t = next(t for t in reports[ml].tables() if t.name == "profil")
        f = t.frame
        r = ref[(ref["ml_code"] == ml) & (ref["variable"] == "sexe")].set_index("modalite")["effectif"]
        want = fmt_pct(r["Femme"] / r.sum())
        col = next(c for c in f.columns if c.startswith("Tous les jeunes accompagnés"))
        got[ml] = f.loc[("Sexe", "Femme"), col]
        assert got[ml] == want
        assert "Tous les jeunes accompagnés – ML " in t.html
    assert got["204"] != got["5901"]


def test_no_hand_written_intervals_nor_caches():
    """Findings: ``cej.wilson_ci / mean_ci / ratio_ci`` and the hand-bumped caches are gone."""
    for name in ("wilson_ci", "mean_ci", "ratio_ci", "report_class", "load_cej"):
        assert not hasattr(cej, name)
    assert importlib.util.find_spec("arefie_studies.studies._cej_cache") is None
    assert importlib.util.find_spec("arefie_studies.studies._cej_tables") is None
    src = "".join(p.read_text() for p in (ROOT / "src/arefie_studies/studies").glob("*cej*.py"))
    for bad in ("def wilson_ci", "def mean_ci", "def ratio_ci", "data-n", "<table", "_cache", "version\"",
                "stdtrit", "ndtri", "filterwarnings"):
        assert bad not in src, bad


def test_report_values_are_the_results(res, reports):
    """Key figures, sentences and tables read the same rows of the results."""
    rep = reports["204"]
    from arefie_studies.studies.contract import KeyFigures

    kf = next(b for b in rep.blocks if isinstance(b, KeyFigures))
    e6 = _row(res.exits, territory="204", breakdown="", mois=6, indicator="emploi")
    items = {k.label: k for k in kf.items}
    assert items["en emploi 6 mois après l'entrée"].value == fmt_pct(e6["estimate"])
    assert items["en emploi 6 mois après l'entrée"].detail.startswith("IC à 95 % " + fmt_ci(e6["ci_low"],
                                                                                           e6["ci_high"]))
    assert items["jeunes entrés en CEJ"].value == str(_row(res.overview, territory="204")["youths"])
    assert f"{fmt_pct(e6['estimate'])} des jeunes sont en emploi {fmt_ci(e6['ci_low'], e6['ci_high'])}" in rep.text()
    sorties = next(t for t in rep.tables() if t.name == "sorties")
    assert sorties.frame.loc["ML de Thiérache", "6 mois après l'entrée|En emploi"] == e6["estimate"]
    assert fmt_pct(e6["estimate"]) in sorties.html
    d = _row(res.durations, territory="region", level="4 à 6 mois")
    assert f"{fmt_pct(d['estimate'])}" in next(t for t in reports[""].tables() if t.name == "durees").html


def test_compute_opens_no_file(inputs, monkeypatch, tmp_path):
    def forbidden(*a, **k):
        raise AssertionError(f"compute opened a file: {a[:1]}")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(builtins, "open", forbidden)
    for fn in ("read_csv", "read_parquet", "read_spss", "read_excel"):
        monkeypatch.setattr(pd, fn, forbidden)
    small = {**PARAMS, "n_types": 4}
    r = cej.compute(inputs, small)
    assert r.k == 4 and len(r.overview) == 43


def test_french_wording(reports):
    from arefie_studies.studies import _cej_figures as F

    text = reports[""].text()
    assert "le cej" not in reports["204"].text() and "le CEJ commence" in reports["204"].text()
    assert "(RQTH) (" in text or "(QPV) (" in text  # Cox terms named by their factor, no bare « Oui (0,89) »
    assert not re.search(r"(pour : | ; |, )(Oui|Non) \(", text)
    assert all(not (m.endswith(".") and len(m) <= 4 and m[:-1] in ("mars", "juin", "mai")) for m in F.MONTHS_ABBR)
    assert F.MONTHS_ABBR[11] == "déc." and F.MONTHS_ABBR[2] == "mars" and F.MONTHS_ABBR[5] == "juin"


def test_pickles_and_chapters(res, reports):
    import pickle

    again = pickle.loads(pickle.dumps(res))
    assert again.overview.equals(res.overview)
    from arefie_studies.studies.contract import Heading

    for ml in ("", "204"):
        rep = reports[ml]
        anchors = [b.anchor for b in rep if isinstance(b, Heading) and b.level == 1]
        assert anchors == list(cej.CHAPTERS)
        assert sum(len(rep.chapter(a)) for a in ["", *anchors]) == len(rep)
    assert not hasattr(cej, "chapters")


# ------------------------------------------------------------------ errors
def test_errors_name_the_problem(res, inputs):
    with pytest.raises(cej.CejInputError, match=r"parameter ml: unknown Mission Locale code '9999'.*5901"):
        cej.report(res, {**PARAMS, "ml": "9999"})
    with pytest.raises(cej.CejInputError, match=r"km_group.*qualification"):
        cej.compute(inputs, {**PARAMS, "km_group": "revenu"})
    with pytest.raises(cej.CejInputError, match=r"exit_months.*horizon_long"):
        cej.compute(inputs, {**PARAMS, "exit_months": [6, 18]})
    from arefie_studies.studies._cej_data import need

    with pytest.raises(cej.CejInputError, match=r"cej_jeunes.*available"):
        need(pd.DataFrame({"a": [1]}), ["id_jeune"], "cej_jeunes")


# ------------------------------------------------------------------ the notebook
@pytest.mark.slow
def test_notebook_runs_for_one_ml_with_other_parameters(tmp_path):
    """A per-ML report with non-default parameters (20 h threshold, exits at 3 and 9 months,
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
    html = render_html(out, title="Déploiement du Contrat d'engagement jeune", subtitle="ML du Santerre",
                       variant="ML du Santerre")
    assert "ML du Santerre" in html and "moins de 20 h" in html and "9 mois après l'entrée" in html
    assert "moins de 15 jeunes" in html and "1 à 14 jeunes" in html  # the unit of the CEJ tables: youths
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


# ------------------------------------------------------------------ issue 11: what partners read
def test_small_domains_flagged_or_not_shown_in_the_rendered_table():
    """NCHS rule on the Korn–Graubard interval: a domain with few clusters (df < 8) but enough
    effective size is flagged «†»; a domain with n_eff < 30 is «nd» with nothing of its value
    left in the HTML (neither the estimate nor its interval)."""
    from arefie_studies.studies._cej_estimates import distribution
    from arefie_studies.studies._cej_report import _cells, _table

    rng = np.random.default_rng(3)
    # ML "A": 6 youths × 40 payments each (a youth is a cluster: df = 5), independent kinds
    # ML "B": 40 youths × 1 payment with a rare kind -> n_eff = 39 but the interval is wide
    # relative to p; ML "C": 25 youths × 1 payment -> n_eff 24 < 30
    a = pd.DataFrame({"ml_code": "A", "id": np.repeat([f"a{i}" for i in range(6)], 40),
                      "kind": rng.choice(["x", "y"], 240, p=[0.5, 0.5])})
    c = pd.DataFrame({"ml_code": "C", "id": [f"c{i}" for i in range(25)],
                      "kind": ["x"] * 12 + ["y"] * 13})
    f = pd.concat([a, c], ignore_index=True)
    d = distribution(f, "kind", 11, psu="id")
    ra, rc = _row(d, territory="A", level="x"), _row(d, territory="C", level="x")
    assert ra["df"] < 8 and ra["decision"] == "flag"
    assert rc["decision"] == "suppress"
    cells = _cells(d[d["territory"].isin(["A", "C"])], row="level", column="territory")
    html = _table(cells, title="t", columns=[("A", "ML A"), ("C", "ML C")], thr=11).html
    assert html.count("†") >= 2  # the flagged cells (and the note)
    assert html.count('data-not-shown="1"') == 2  # both levels of C (12 and 13 youths)
    for x in ("x", "y"):
        r = _row(d, territory="C", level=x)
        assert fmt_pct(r["estimate"]) not in html and fmt_ci(r["ci_low"], r["ci_high"]) not in html
    assert fmt_pct(ra["estimate"]) in html


def test_presentation_rule_stated_in_the_annex_and_decisions_stored(res, reports):
    from arefie_studies.studies.contract import Annex
    from arefie_studies.tables import presentation_rule_text

    annex = [b for b in reports[""] if isinstance(b, Annex) and b.section == "variance"]
    assert len(annex) == 1 and presentation_rule_text() in annex[0].markdown
    for name in ("exits", "profile", "durations", "types_by_territory"):
        f = getattr(res, name)
        assert set(f["decision"]) <= {"show", "flag", "suppress"}
    assert (res.durations["decision"] == "suppress").any()  # small MLs have « nd » cells


def test_every_table_block_has_its_frame_and_a_unique_name(reports):
    for ml in ("", "204"):
        tables = reports[ml].tables()
        names = [t.name for t in tables]
        assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in names) and len(set(names)) == len(names)
        for t in tables:
            assert isinstance(t.frame, pd.DataFrame) and len(t.frame)


def test_key_figures_are_the_results(res, reports):
    from arefie_studies.studies.contract import KeyFigures

    kf = next(b for b in reports[""] if isinstance(b, KeyFigures))
    assert 4 <= len(kf.items) <= 6
    items = {k.label: k for k in kf.items}
    d12 = _row(res.exits, territory="region", breakdown="", mois=12, indicator="emploi_durable")
    k = items["en emploi durable 12 mois après l'entrée"]
    assert k.value == fmt_pct(d12["estimate"]) and fmt_ci(d12["ci_low"], d12["ci_high"]) in k.detail
    pos = _row(res.exits, territory="region", breakdown="", mois=6, indicator="positive")
    k = next(i for i in kf.items if i.label.startswith("en sortie positive 6 mois"))
    assert k.value == fmt_pct(pos["estimate"])
    kf = next(b for b in reports["204"] if isinstance(b, KeyFigures))
    x = _row(res.casemix, territory="204")
    k = next(i for i in kf.items if "observé / attendu" in i.label)
    assert k.value == f"{x['estimate']:.2f}".replace(".", ",")


def _synthesis(rep) -> str:
    from arefie_studies.studies.contract import Paragraph

    return next(b.markdown for b in rep if isinstance(b, Paragraph) and "Ce qu'il faut retenir" in b.markdown)


def test_synthesis_lists_only_significant_differences(res, reports):
    text = _synthesis(reports[""])
    bullets = [b for b in text.splitlines() if b.startswith("- ")]
    assert 3 <= len(bullets) <= 6
    cm = res.casemix[res.casemix["territory"] != "region"]
    names = dict(zip(res.overview["territory"], res.overview["name"], strict=True))
    adjusted = next(b for b in bullets if "observé / attendu" in b)
    for _, x in cm.iterrows():  # every ML named in the adjusted bullet differs, every differing one is named
        assert (f"{names[x['territory']]} (" in adjusted) == bool(x["differs"]), names[x["territory"]]
    # one ML: an indicator whose interval holds the regional value is not a finding
    for ml in ("204", "5901"):
        text = _synthesis(reports[ml])
        c = res.ml_compare[res.ml_compare["territory"] == ml].set_index("indicator")
        for ind, label in (("emploi", "En emploi 6 mois"), ("emploi_durable", "En emploi durable 12 mois"),
                           ("semaines_basses", "Semaines de moins de 15 h")):
            assert (f"- {label}" in text) == bool(c.loc[ind, "differs"]), (ml, ind)


def test_comparison_table_holds_every_territory(res, reports):
    t = next(t for t in reports[""].tables() if t.name == "comparaison_ml")
    names = list(res.overview["name"])
    assert list(t.frame.index) == names and len(names) == 43
    e6 = _row(res.exits, territory="5901", breakdown="", mois=6, indicator="emploi")
    assert t.frame.loc[res.name("5901"), "En emploi 6 mois après l'entrée"] == e6["estimate"]
    assert any(t.name == "comparaison_ml" for t in reports["204"].tables())


def test_case_mix_ratio_by_hand(res, raw):
    """Observed/expected durable employment of one ML = Σy / Σp̂ with p̂ from a statsmodels
    logistic regression on the profile (unit weights: the same maximum-likelihood fit), and its
    interval the linearised ratio's (svyratio) with the youth as unit."""
    import statsmodels.formula.api as smf

    j = raw["jeunes"].set_index("id_jeune")
    st = _state_at(raw, 12).reindex(j.index)
    f = j[st.notna().to_numpy()].copy()
    f["y"] = (st[st.notna()] == "Emploi durable").astype(float)
    f["tranche_age"] = pd.cut(f["age_entree"], [-np.inf, 17, 21, 25, np.inf],
                              labels=["Moins de 18 ans", "18-21 ans", "22-25 ans", "26 ans et plus"]).astype(str)
    fit = smf.logit("y ~ C(sexe) + C(tranche_age) + C(qualification) + C(qpv) + C(rqth) + C(logement)",
                    data=f).fit(disp=0, tol=1e-12)
    f["p"] = fit.predict(f)
    g = f[f["ml_code"] == "204"]
    ratio = g["y"].sum() / g["p"].sum()
    x = _row(res.casemix, territory="204")
    assert x["estimate"] == pytest.approx(ratio, rel=1e-6)
    assert x["observed"] == g["y"].sum() and x["n"] == len(g)
    # linearised variance of a domain ratio in an SRS design of N rows: N/(N-1) Σ (d_i - d̄)²
    d = np.where(f["ml_code"] == "204", (f["y"] - ratio * f["p"]) / g["p"].sum(), 0.0)
    se = np.sqrt(len(d) / (len(d) - 1) * ((d - d.mean()) ** 2).sum())
    assert x["se"] == pytest.approx(se, rel=1e-6)
    assert x["differs"] == (x["ci_low"] > 1 or x["ci_high"] < 1)
    assert _row(res.casemix, territory="region")["observed"] == pytest.approx(
        _row(res.casemix, territory="region")["expected"], rel=1e-8)  # a logit with intercept fits the total


def test_ml_report_places_itself_with_its_interval(res, reports):
    text = reports["204"].text()
    x = _row(res.ml_compare, territory="204", indicator="emploi")
    assert f"En emploi 6 mois après l'entrée : {fmt_pct(x['estimate'])} {fmt_ci(x['ci_low'], x['ci_high'])}, " in text
    assert re.search(r"\d+e sur 42 — (pas )?significativement différent de la région", text)
    assert "Rang" not in "".join(t.name for t in reports["204"].tables())


def test_champ_and_lecture_under_every_table_and_figure(reports):
    from arefie_studies.studies.contract import Figure, Paragraph

    for ml in ("", "204"):
        rep = reports[ml]
        for t in rep.tables():
            assert "<p>Champ : " in t.html and "<p>Lecture : " in t.html, t.name
        blocks = list(rep)
        for i, b in enumerate(blocks):
            if isinstance(b, Figure):
                nxt = blocks[i + 1]
                assert isinstance(nxt, Paragraph) and nxt.markdown.startswith("Champ : ") and "Lecture : " in \
                    nxt.markdown, b.caption


def test_furniture_from_the_results_and_config(res, reports):
    from arefie_studies.project import study_config

    cfg = study_config("cej", ROOT)
    text = reports[""].text()
    answered = int(res.ml_answers["ml_code"].notna().sum())
    assert f"{answered} Missions Locales répondantes sur 42" in text
    assert f"**Contact.** {cfg.contact}" in text and f"Collecte : {cfg.fieldwork}." in text
    assert f"Observatoire AREFIE ; partenaires : {cfg.partners}." in text and f"édition {cfg.wave}" in text
    from dataclasses import replace

    bare = cej.report(replace(res, meta={**res.meta, "contact": ""}), {**PARAMS, "ml": ""}).text()
    assert "**Contact.**" not in bare  # no contact configured: no empty line
    assert "AREFIE (2026), *Déploiement du Contrat d'engagement jeune*" in text
    assert "Hauts-de-France." in text.split("Pour citer ce rapport.")[1]
    assert res.name("204") + "." in reports["204"].text().split("Pour citer ce rapport.")[1]


def test_kaplan_meier_shares_follow_the_presentation_rule(res):
    """1 − S(t) of each curve gets the NCHS decision from its Greenwood se (n_eff = p(1−p)/se²)."""
    from arefie_studies.tables import presentation_rule

    s = res.km_summary
    x = s[(s["territory"] == "204")].iloc[0]
    one = pd.DataFrame({"estimate": [x["emp12"]], "se": [x["emp12_se"]], "ci_low": [x["emp12_low"]],
                        "ci_high": [x["emp12_high"]], "n": [x["n"]], "df": [x["n"] - 1]})
    assert presentation_rule(one)["decision"].iloc[0] == x["emp12_decision"]
    assert set(s["emp6_decision"]) <= {"show", "flag", "suppress"}


def test_report_names_the_clara_method_when_the_typology_used_it(res):
    """A national cohort's typology (CLARA, quality ``k, AMS, method``): the quality table shows
    the average medoid silhouette and the notes and methods text say CLARA, not Ward."""
    import dataclasses

    q = pd.DataFrame({"k": [4, 5, 6], "AMS": [0.61, 0.65, 0.68], "method": "CLARA"})
    clara = dataclasses.replace(res, typology_quality=q, k=6)
    rep = cej.report(clara, {**PARAMS, "ml": ""})
    html, text = _tables_html(rep), rep.text()
    assert "Silhouette moyenne aux médoïdes (AMS)" in html and "0,68" in html
    assert "(ASW)" not in html
    assert "seqclararange" in html + text and "médoïdes CLARA" in text
    assert "de Ward" not in text
    regional = cej.report(res, {**PARAMS, "ml": ""})
    assert "de Ward" in regional.text() and "(ASW)" in _tables_html(regional)
