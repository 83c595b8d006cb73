"""Baromètre régional: indicators recomputed independently, suppression, errors, notebook + leak scan.

Independent checks read the Parquet files with pyarrow (raw numeric codes, no study code) and
recompute with plain numpy/pandas: weighted shares, the linearised SE of the region-vs-rest
difference (Horvitz–Thompson influence values summed per ML, between-ML variance within
regions), Kish sizes and the Clopper–Pearson bound.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from arefie_studies.studies import barometre as B

ROOT = Path(__file__).resolve().parents[2]
FILES = {"jeunes": ROOT / "data" / "synthetic" / "barometre_jeunes.parquet",
         "entreprises": ROOT / "data" / "synthetic" / "barometre_entreprises.parquet"}
WAVE = 2025


@pytest.fixture(scope="module")
def young():
    return B.load_survey("jeunes", root=ROOT)


@pytest.fixture(scope="module")
def raw():
    """Raw codes of the youth file (pyarrow, no study code)."""
    return pq.read_table(FILES["jeunes"]).to_pandas()


def _wshare(df: pd.DataFrame, item: str) -> float:
    code = df[item].to_numpy(dtype=float)
    known = np.isin(code, [1, 2, 3, 4])
    w = df["poids"].to_numpy(dtype=float)
    return float(np.sum(w[known] * (code[known] <= 2)) / np.sum(w[known]))


# ----------------------------------------------------------------------------- recodes
def test_recode_keeps_four_answers_and_drops_dont_know(young, raw):
    assert young.items["sat_globale"] == "Satisfaction globale à l'égard de la Mission Locale"
    assert young.likert == ("Très satisfait", "Plutôt satisfait", "Plutôt pas satisfait",
                            "Pas du tout satisfait")
    code = raw["sat_accueil"].to_numpy()
    d = young.data
    assert d["sat_accueil"].isna().sum() == int((code == 9).sum()) > 0
    assert (d["ok_sat_accueil"] == B.SATISFIED).sum() == int(np.isin(code, [1, 2]).sum())
    assert (d["ok_sat_accueil"] == B.NOT_SATISFIED).sum() == int(np.isin(code, [3, 4]).sum())
    assert "id_reponse" not in d.columns  # identifiers are never read
    assert len(young.ml_names) == 42


# ----------------------------------------------------------------------------- % satisfied
def test_satisfied_share_equals_weighted_mean(young, raw):
    share = B.satisfied_share(young, WAVE).set_index(["item", "group"])
    wave = raw[raw["annee"] == WAVE]
    groups = {B.REGION: wave[wave["region"] == 32], B.REST: wave[wave["region"] != 32],
              B.NATION: wave}
    for item in young.items:
        for group, df in groups.items():
            assert share.loc[(item, group), "estimate"] == pytest.approx(_wshare(df, item), rel=1e-12)
            known = np.isin(df[item].to_numpy(), [1, 2, 3, 4]).sum()
            assert share.loc[(item, group), "n"] == known
    # the published anchor: about 96 % satisfied overall nationally in 2025
    assert 0.94 < share.loc[("sat_globale", B.NATION), "estimate"] < 0.98


def test_likert_distribution_sums_to_one(young, raw):
    dist = B.region_likert(young, WAVE)
    tot = dist.groupby(["item", "group"])["estimate"].sum()
    np.testing.assert_allclose(tot.to_numpy(), 1.0, rtol=1e-12)
    wave = raw[(raw["annee"] == WAVE) & (raw["region"] == 32)]
    w = wave["poids"].to_numpy()
    code = wave["sat_projet"].to_numpy()
    known = np.isin(code, [1, 2, 3, 4])
    very = np.sum(w[known] * (code[known] == 1)) / np.sum(w[known])
    row = dist[(dist["item"] == "sat_projet") & (dist["group"] == B.REGION)
               & (dist["level"] == "Très satisfait")]
    assert row["estimate"].iloc[0] == pytest.approx(very, rel=1e-12)


def test_region_vs_rest_se_by_hand(young, raw):
    """SE of (region − rest) for one item: influence values, ML totals, between-ML variance
    within each region (svydesign(~ml, strata=~region, nest=TRUE) on one wave)."""
    item = "sat_confiance"
    diff = B.region_vs_rest(young, WAVE).set_index("item").loc[item]
    df = raw[(raw["annee"] == WAVE)].copy()
    code = df[item].to_numpy(dtype=float)
    known = np.isin(code, [1, 2, 3, 4])
    y = (code <= 2).astype(float)
    w = df["poids"].to_numpy(dtype=float) * known
    in_r = (df["region"] == 32).to_numpy()
    p_r = np.sum(w * y * in_r) / np.sum(w * in_r)
    p_c = np.sum(w * y * ~in_r) / np.sum(w * ~in_r)
    z = np.where(in_r, w * (y - p_r) / np.sum(w * in_r), -w * (y - p_c) / np.sum(w * ~in_r))
    df["z"] = z
    tot = df.groupby(["region", "ml"])["z"].sum().reset_index()
    var = 0.0
    for _, g in tot.groupby("region"):
        n_h = len(g)
        var += n_h / (n_h - 1) * np.sum((g["z"] - g["z"].mean()) ** 2)
    assert diff["diff"] == pytest.approx(p_r - p_c, rel=1e-12)
    assert diff["se_diff"] == pytest.approx(np.sqrt(var), rel=1e-9)
    # t test on the design df: PSUs minus strata
    n_psu = df.groupby("region")["ml"].nunique()
    assert diff["df"] == n_psu.sum() - len(n_psu)
    t = (p_r - p_c) / np.sqrt(var)
    assert diff["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), diff["df"]), rel=1e-9)
    assert 0 <= diff["chisq_p"] <= 1


def test_region_vs_rest_against_r(young):
    """R survey 4.1.1 on the 2025 wave of the synthetic file (seed 2024), item sat_confiance
    (the wave exported to CSV: region, ml, poids, sat_confiance)::

        d$item <- ifelse(d$sat_confiance %in% 1:4, d$sat_confiance, NA)
        d$ok <- ifelse(is.na(d$item), NA, as.numeric(d$item <= 2))
        d$zone <- factor(ifelse(d$region == 32, "HdF", "Reste")); d$itemf <- factor(d$item)
        des <- svydesign(ids=~ml, strata=~region, weights=~poids, nest=TRUE, data=d)
        b <- svyby(~ok, ~zone, subset(des, !is.na(ok)), svymean, covmat=TRUE)
        #   HdF 0.958379795622088 (SE 0.00712893525819309)  Reste 0.935833474620008 (0.00245792367416382)
        svycontrast(b, c(1, -1))      # 0.0225463210020804, SE 0.00754076300539432; degf(des) 417
        svyciprop(~ok, subset(des, zone == "HdF" & !is.na(ok)), method="logit")
        #   0.958379795622089 [0.941349480258911, 0.970619370639775]
        svychisq(~itemf + zone, des, statistic="F")   # F = 9.0286, p-value = 2.72851869679e-05
    """
    share = B.satisfied_share(young, WAVE).set_index(["item", "group"])
    reg = share.loc[("sat_confiance", B.REGION)]
    rest = share.loc[("sat_confiance", B.REST)]
    # R: coef(b), SE(b)
    assert reg["estimate"] == pytest.approx(0.958379795622088, rel=1e-9)
    assert reg["se"] == pytest.approx(0.00712893525819309, rel=1e-6)
    assert rest["estimate"] == pytest.approx(0.935833474620008, rel=1e-9)
    assert rest["se"] == pytest.approx(0.00245792367416382, rel=1e-6)
    # R: svyciprop(method="logit")
    assert reg["ci_low"] == pytest.approx(0.941349480258911, rel=1e-6)
    assert reg["ci_high"] == pytest.approx(0.970619370639775, rel=1e-6)
    diff = B.region_vs_rest(young, WAVE).set_index("item").loc["sat_confiance"]
    # R: svycontrast(b, c(1, -1)), degf(des), svychisq(statistic="F")
    assert diff["diff"] == pytest.approx(0.0225463210020804, rel=1e-9)
    assert diff["se_diff"] == pytest.approx(0.00754076300539432, rel=1e-6)
    assert diff["df"] == 417
    assert diff["chisq_p"] == pytest.approx(2.72851869679e-05, rel=1e-6)


def test_trends_cover_every_wave_with_ci(young, raw):
    tr = B.trends(young, ["sat_globale"])
    assert sorted(tr["annee"].unique()) == list(range(2018, 2026))
    reg = tr[tr["group"] == B.REGION].set_index("annee")
    for year in (2018, 2021, 2025):
        df = raw[(raw["annee"] == year) & (raw["region"] == 32)]
        assert reg.loc[year, "estimate"] == pytest.approx(_wshare(df, "sat_globale"), rel=1e-12)
    assert (tr["ci_low"] < tr["estimate"]).all() and (tr["estimate"] < tr["ci_high"]).all()
    nat = tr[tr["group"] == B.NATION].set_index("annee")["estimate"]
    assert nat.loc[2025] > nat.loc[2018]  # satisfaction rises since 2018 (generator design)


# ----------------------------------------------------------------------------- ML vs region
def test_ml_shares_and_suppression(young, raw):
    waves = (2024, 2025)
    thr = 40
    ml = B.ml_vs_region(young, waves, thr, items=["sat_globale"])
    df = raw[(raw["region"] == 32) & raw["annee"].isin(waves)]
    n = df[np.isin(df["sat_globale"], [1, 2, 3, 4])].groupby("ml").size()
    assert dict(zip(ml["ml"], ml["n"], strict=True)) == n.to_dict()
    primary = ml["n"] < thr
    assert (ml["primary"] == primary).all()
    assert ml.loc[primary, "hidden"].all()
    hidden = int(ml["hidden"].sum())
    assert hidden != 1  # never a single hidden ML: it could be recovered from the region total
    assert ml.loc[ml["hidden"], "estimate"].isna().all()
    shown = ml[~ml["hidden"]]
    assert len(shown) > 0
    for code, est in zip(shown["ml"], shown["estimate"], strict=True):
        assert est == pytest.approx(_wshare(df[df["ml"] == code], "sat_globale"), rel=1e-12)


def test_ml_boundary_ci_and_test(young, raw):
    """An ML at 100 %: Clopper–Pearson lower bound q^(1/n_kish), never a significant gap
    from a zero variance."""
    ml = B.ml_vs_region(young, (2024, 2025), 11)
    full = ml[ml["estimate"] == 1.0]
    assert len(full) > 0
    row = full.iloc[0]
    df = raw[(raw["region"] == 32) & raw["annee"].isin((2024, 2025)) & (raw["ml"] == row["ml"])]
    w = df.loc[np.isin(df[row["item"]], [1, 2, 3, 4]), "poids"].to_numpy()
    n_kish = w.sum() ** 2 / np.sum(w ** 2)
    assert row["ci_low"] == pytest.approx(0.025 ** (1 / n_kish), rel=1e-9)
    assert row["ci_high"] == 1.0
    assert (full["p_value"] > 0.01).all()
    assert (ml["ci_low"].dropna() < ml["ci_high"].dropna()).all()


def test_ml_against_r(young):
    """R survey 4.1.1, youths of the region in 2024-2025 (synthetic, seed 2024), ML de Lille::

        options(survey.lonely.psu="adjust")
        h$ok <- ifelse(h$sat_globale %in% 1:4, as.numeric(h$sat_globale <= 2), NA)
        des <- svydesign(ids=~1, strata=~ml, weights=~poids, data=h)
        svyciprop(~ok, subset(des, ml == 5901 & !is.na(ok)), method="beta")
        #   0.979126679855998 (SE 0.0121196032156887) [0.939288208187749, 0.995827013173393]
        h$lille <- factor(ifelse(h$ml == 5901, "a", "b"))   # design rebuilt
        b <- svyby(~ok, ~lille, subset(des, !is.na(ok)), svymean, covmat=TRUE)
        svycontrast(b, c(1, -1))   # 0.0138626625203733, SE 0.0128797891057071; degf 1938
    """
    ml = B.ml_vs_region(young, (2024, 2025), 11, items=["sat_globale"]).set_index("ml").loc[5901]
    assert ml["estimate"] == pytest.approx(0.979126679855998, rel=1e-9)
    assert ml["se"] == pytest.approx(0.0121196032156887, rel=1e-6)
    assert ml["ci_low"] == pytest.approx(0.939288208187749, rel=1e-6)
    assert ml["ci_high"] == pytest.approx(0.995827013173393, rel=1e-6)
    assert ml["diff"] == pytest.approx(0.0138626625203733, rel=1e-9)
    assert ml["se_diff_lin"] == pytest.approx(0.0128797891057071, rel=1e-6)
    assert ml["df"] == 1938
    # the test's SE uses the null-variance floor for the ML: p_r (1 - p_r) / n_kish
    assert ml["se_diff"] >= ml["se_diff_lin"]


def test_kish_sizes_by_hand():
    frame = pd.DataFrame({"ml": [1, 1, 2, 2, 2], "poids": [1.0, 3.0, 2.0, 2.0, 5.0],
                          "x": [1, 1, 1, np.nan, 1]})
    k = B.kish_sizes(frame, "x")
    assert k[1] == pytest.approx(16 / 10)
    assert k[2] == pytest.approx(49 / 29)


# ----------------------------------------------------------------------------- errors
def test_clear_errors(young):
    with pytest.raises(B.BarometreError, match="Possible values are: jeunes, entreprises"):
        B.load_survey("salariés", root=ROOT)
    with pytest.raises(B.BarometreError, match=r"wave=2017.*available years: \[2018"):
        B.satisfied_share(young, 2017)
    with pytest.raises(B.BarometreError, match="ml_pool_waves=0"):
        B.pooled_waves(young, 2025, 0)
    with pytest.raises(B.BarometreError, match=r"waves: no jeunes answer for year\(s\) \[2010\]"):
        B.load_survey("jeunes", root=ROOT, waves=[2010, 2025])


# ----------------------------------------------------------------------------- the contract
PARAMS = {"wave": WAVE, "ml_pool_waves": 2, "ml_pool_waves_entreprises": 3, "disclosure_threshold": 11}


@pytest.fixture(scope="module")
def results():
    from arefie_studies.project import load_study_inputs

    return B.compute(load_study_inputs("barometre", ROOT), PARAMS)


def test_compute_reads_only_its_inputs(monkeypatch, tmp_path):
    """compute() works from the declared inputs alone: no file is opened, no project is looked up."""
    import builtins

    from arefie_studies.project import load_study_inputs

    inputs = load_study_inputs("barometre", ROOT)
    monkeypatch.chdir(tmp_path)

    def no_open(*args, **kwargs):
        raise AssertionError(f"compute opened a file: {args[:1]}")

    monkeypatch.setattr(builtins, "open", no_open)
    res = B.compute(inputs, PARAMS)
    assert res.wave == WAVE and res.threshold == 11 and res.synthetic


def test_report_figures_read_the_results(results):
    """The key sentence, the share table and the ML table quote the same values as the results."""
    from arefie_studies.tables import fmt_ci, fmt_pct

    rep = B.report(results, {"ml": ""})
    text = rep.text()
    share = results.share["jeunes"].set_index(["item", "group"]).loc[("sat_globale", B.REGION)]
    value = fmt_pct(share["estimate"])
    ci = fmt_ci(share["ci_low"], share["ci_high"])
    assert f"**{value}**" in text and ci in text
    region_table = next(t.html for t in rep.tables() if t.name == "jeunes-region")
    assert value in region_table and ci in region_table
    ml = results.ml["jeunes"]
    shown = ml[(ml["item"] == "sat_globale") & ~ml["hidden"]].iloc[0]
    ml_table = next(t.html for t in rep.tables() if t.name == "jeunes-ml")
    assert fmt_ci(shown["ci_low"], shown["ci_high"]) in ml_table
    # one ML's report reads its own row of the same results
    code = int(shown["ml"])
    own = B.report(results, {"ml": str(code)})
    assert fmt_ci(shown["ci_low"], shown["ci_high"]) in own.tables()[0].html
    assert f"**{fmt_pct(shown['estimate'])}**" in own.text()


def test_report_unknown_ml_is_a_clear_error(results):
    with pytest.raises(B.BarometreError, match=r"ml='9999': not a Mission Locale of Hauts-de-France"):
        B.report(results, {"ml": "9999"})


def test_hidden_cells_carry_no_count(results):
    """Every hidden cell of every report (regional and the 42 MLs) carries no number."""
    reports = [B.report(results, {"ml": ""})] + [B.report(results, {"ml": str(m)}) for m in results.ml_names]
    hidden = 0
    for rep in reports:
        for t in rep.tables():
            for cell in re.findall(r"<td[^>]*data-suppressed=\"1\"[^>]*>.*?</td>", t.html):
                hidden += 1
                assert "data-n" not in cell
    assert hidden > 0


def test_results_cache_key_covers_the_variance_code(tmp_path, monkeypatch):
    """The defect: changing the linearised variance left the cached barometre results in place.
    Now the cache key holds the library's source tree."""
    import shutil

    import arefie_studies
    import arefie_studies.project.cache as cache_mod
    from arefie_studies.project import load_config, results_key

    config = load_config(ROOT / "studies" / "barometre.yaml", ROOT)
    copy = tmp_path / "arefie_studies"
    shutil.copytree(Path(arefie_studies.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_mod, "library_tree", lambda: copy)
    params = {**PARAMS, "ml": ""}
    before = results_key(config, params, ROOT)
    variance = copy / "survey" / "_variance.py"
    variance.write_text(variance.read_text().replace("return", "return 4 *", 1))
    assert results_key(config, params, ROOT) != before
    assert results_key(config, {**params, "ml": "5901"}, ROOT) != before  # still the new code


# ----------------------------------------------------------------------------- second pass
def _row_html(html: str, label: str) -> str:
    from html import escape

    m = re.search(rf'<tr[^>]*><th scope="row"[^>]*>{re.escape(escape(label))}</th>(.*?)</tr>', html)
    assert m, label
    return m.group(1)


def test_ml_presentation_rule_by_hand(results):
    """Each published ML estimate's decision follows the NCHS criteria computed by hand
    (n_eff = p(1-p)/se² capped at n, CI width, relative widths, df of the ML)."""
    ml = results.ml["jeunes"]
    ruled = ml[ml["decision"] != "hidden"]
    assert set(ruled["decision"]) >= {"flag", "suppress"}
    frame = results.ml["jeunes"]
    for r in ruled.itertuples():
        if r.decision == "suppress":
            assert np.isnan(r.estimate) and np.isnan(r.ci_low) and np.isnan(r.diff)
            continue
        p, se, w = r.estimate, r.se, r.ci_high - r.ci_low
        n_eff = r.n if p in (0.0, 1.0) or se == 0 else min(p * (1 - p) / se ** 2, r.n)
        suppress = n_eff < 30 or w >= 0.30 or (w > 0.05 and w / p > 1.30)
        flag = r.df_ci < 8 or (w > 0.05 and p < 1 and w / (1 - p) > 1.30) or p in (0.0, 1.0)
        assert not suppress
        assert (r.decision == "flag") == flag
    assert (frame.loc[frame["decision"] == "hidden", "hidden"]).all()


def test_flagged_and_not_shown_ml_cells_in_rendered_tables(results, young):
    """An ML with few degrees of freedom (df < 8) is flagged « † »; one with n_eff < 30 is
    « nd » with nothing of its value left (table, caterpillar data, text)."""
    from dataclasses import replace

    from arefie_studies.tables import fmt_ci, fmt_pct

    ml = B.ml_vs_region(young, results.ml_waves["jeunes"], results.threshold, items=["sat_globale"],
                        presentation=False)
    ok = ml[~ml["hidden"] & (ml["n"] > 60)]
    a, b = ok.index[0], ok.index[1]
    ml.loc[a, "df_ci"] = 5.0  # few PSUs
    old_b = ml.loc[b].copy()
    ml.loc[b, "se"] = 0.2  # n_eff = p(1-p)/se² < 30
    ruled = B.ml_presentation(ml)
    assert ruled.loc[a, "decision"] == "flag" and "degré(s) de liberté" in ruled.loc[a, "reason"]
    assert ruled.loc[b, "decision"] == "suppress" and "effective" in ruled.loc[b, "reason"]
    others = results.ml["jeunes"][results.ml["jeunes"]["item"] != "sat_globale"]
    res = replace(results, ml={**results.ml, "jeunes": pd.concat([ruled, others], ignore_index=True)})
    rep = B.report(res, {"ml": ""})
    html = next(t.html for t in rep.tables() if t.name == "jeunes-ml")
    row_a = _row_html(html, ruled.loc[a, "ml_nom"])
    assert "†" in row_a and fmt_pct(ruled.loc[a, "estimate"]) in row_a
    row_b = _row_html(html, old_b["ml_nom"])
    assert 'data-not-shown="1">nd</td>' in row_b
    assert fmt_pct(old_b["estimate"]) not in row_b and fmt_ci(old_b["ci_low"], old_b["ci_high"]) not in row_b
    frame = next(t.frame for t in rep.tables() if t.name == "jeunes-ml")
    assert frame.loc[old_b["ml_nom"]].iloc[1] == "nd"
    # the ML's own report says it is not published, with no value
    own = B.report(res, {"ml": str(old_b["ml"])})
    assert fmt_ci(old_b["ci_low"], old_b["ci_high"]) not in own.text()
    assert all(fmt_ci(old_b["ci_low"], old_b["ci_high"]) not in t.html for t in own.tables())


def test_every_hidden_cell_reads_s(results):
    """Every hidden cell of every report shows the same « s » (no "moins de N réponses" that
    would tell primary from complementary cells)."""
    reports = [B.report(results, {"ml": ""})] + [B.report(results, {"ml": str(m)}) for m in results.ml_names]
    n = 0
    for rep in reports:
        for t in rep.tables():
            for cell in re.findall(r'<td[^>]*data-suppressed="1"[^>]*>(.*?)</td>', t.html):
                n += 1
                assert cell == "s"
            assert "moins de" not in t.html.split('<div class="table-notes">')[0]
            assert "insuffisant" not in t.html
    assert n > 0


def test_key_figures_and_synthesis_read_the_results(results):
    from arefie_studies.studies.contract import KeyFigures
    from arefie_studies.tables import fmt_ci, fmt_pct

    rep = B.report(results, {"ml": ""})
    kf = next(b for b in rep.blocks if isinstance(b, KeyFigures))
    assert 4 <= len(kf.items) <= 6
    share = results.share["jeunes"].set_index(["item", "group"]).loc[("sat_globale", B.REGION)]
    assert kf.items[0].value == fmt_pct(share["estimate"])
    assert fmt_ci(share["ci_low"], share["ci_high"]) in kf.items[0].detail
    from arefie_studies.studies._barometre_report import synthesis

    bullets = synthesis(results)
    assert 1 <= len(bullets) <= 6
    diff = results.diff["jeunes"]
    region_bullet = next(b for b in bullets if "reste de la France" in b and "jeunes" in b)
    for r in diff.itertuples():
        if r.p_value >= 0.05:  # a non-significant gap is not a finding
            assert r.label.lower() not in region_bullet
    sig = diff[diff["p_value"] < 0.05].iloc[0]
    assert fmt_ci(sig["ci_low"], sig["ci_high"]) in region_bullet
    ch = results.change["entreprises"]
    assert not any("entreprises partenaires de la région : de" in b for b in bullets) or (
        ch[(ch["item"] == "sat_globale") & (ch["group"] == B.REGION)]["p_value"] < 0.05).any()


def test_trend_change_by_hand(results):
    tr = results.trend["jeunes"]
    tr = tr[(tr["item"] == "sat_globale") & (tr["group"] == B.REGION)].set_index("annee")
    c = results.change["jeunes"]
    c = c[(c["item"] == "sat_globale") & (c["group"] == B.REGION) & (c["since"] == "first")].iloc[0]
    se = np.sqrt(tr.loc[2018, "se"] ** 2 + tr.loc[2025, "se"] ** 2)
    assert c["diff"] == pytest.approx(tr.loc[2025, "estimate"] - tr.loc[2018, "estimate"], rel=1e-12)
    assert c["se"] == pytest.approx(se, rel=1e-12)
    assert c["p_value"] == pytest.approx(2 * stats.norm.sf(abs(c["diff"]) / se), rel=1e-9)
    heading = "La satisfaction globale des jeunes progresse depuis 2018"
    texts = [b.text for b in B.report(results, {"ml": ""}).blocks if type(b).__name__ == "Heading"]
    assert (heading in texts) == (c["p_value"] < 0.05 and c["diff"] > 0)


def test_comparison_table_holds_every_ml(results):
    rep = B.report(results, {"ml": ""})
    for population in ("jeunes", "entreprises"):
        t = next(t for t in rep.tables() if t.name == f"{population}-ml")
        assert list(t.frame.index) == [*results.ml_names.values(), B.REGION]
    names = [t.name for t in rep.tables()]
    assert len(names) == len(set(names)) and all(t.frame is not None for t in rep.tables())


def test_ml_report_places_the_ml(results):
    """Rank = 1 + published MLs with a higher estimate; the position table and text quote the
    estimate, the interval and the gap with the rest of the region."""
    from arefie_studies.tables import fmt_ci, fmt_pct_points

    ml = results.ml["jeunes"]
    g = ml[(ml["item"] == "sat_globale") & ml["decision"].isin(["show", "flag"])]
    row = g.iloc[0]
    assert row["rank"] == 1 + int((g["estimate"] > row["estimate"]).sum())
    assert row["ranked"] == len(g)
    rep = B.report(results, {"ml": str(int(row["ml"]))})
    pos = next(t.html for t in rep.tables() if t.name == "jeunes-position")
    assert f"{int(row['rank'])}e sur {len(g)}" in pos
    assert fmt_ci(row["ci_low"], row["ci_high"]) in pos
    assert fmt_ci(row["diff_low"], row["diff_high"]) in pos and fmt_pct_points(row["diff"]) in pos


def test_champ_lecture_under_every_table_and_figure(results):
    from arefie_studies.studies.contract import Annex, Figure, Paragraph, Table
    from arefie_studies.tables import presentation_rule_text

    for params in ({"ml": ""}, {"ml": "5901"}):
        rep = B.report(results, params)
        blocks = rep.blocks
        for i, b in enumerate(blocks):
            if isinstance(b, Table):
                assert "Champ" in b.html and "Lecture" in b.html and "Source" in b.html
            if isinstance(b, Figure):
                nxt = blocks[i + 1]
                assert isinstance(nxt, Paragraph) and "Champ" in nxt.markdown and "Lecture" in nxt.markdown
        annex = "\n".join(b.markdown for b in blocks if isinstance(b, Annex))
        assert presentation_rule_text() in annex
        assert "AREFIE (2026)" in annex and "observatoire@arefie.fr" in annex
        assert "mars à mai" in annex  # fieldwork, from the config


def test_study_modules_write_no_html_table():
    """Tables come from tables.Table: no hand-written table HTML or data-n in the modules."""
    src = Path(B.__file__).parent
    for name in ("barometre.py", "_barometre_report.py", "_barometre_figures.py"):
        code = (src / name).read_text(encoding="utf-8")
        for token in ("<table", "<td", "<tr", "<th", "data-n", "value_cell_html", "hidden_cell_html"):
            assert token not in code, (name, token)


def test_every_report_passes_the_leak_scan(results):
    """Regional and 42 ML reports: tables and text clean for the study's own rules."""
    from arefie_studies.pipeline.leakscan import rules_for_study, scan_html
    from arefie_studies.project.config import load_config

    rules = rules_for_study(load_config(ROOT / "studies" / "barometre.yaml", ROOT), ROOT)
    for ml in ["", *map(str, results.ml_names)]:
        rep = B.report(results, {"ml": ml})
        html = "\n".join(t.html for t in rep.tables()) + "".join(
            f"<p>{line}</p>" for line in rep.text().splitlines())
        assert scan_html(html, rules) == [], ml


# ----------------------------------------------------------------------------- notebook
def _run(tmp: Path, params: dict) -> Path:
    import papermill as pm

    out = tmp / f"nb-{params.get('variant', 'x')}.ipynb"
    env = {"PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        pm.execute_notebook(str(ROOT / "notebooks" / "barometre.ipynb"), str(out),
                            parameters={**params, "output_dir": str(tmp)}, kernel_name="python3",
                            cwd=str(ROOT), progress_bar=False)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out


def test_notebook_other_wave_threshold_render_and_leak_scan(tmp_path):
    """Regional notebook on the 2024 wave with a threshold of 5, rendered by the pipeline's
    renderer, then the pipeline's leak scan; a per-ML notebook (not rendered) shows the « s »
    mark for an ML with 2 company answers."""
    from arefie_studies.pipeline.leakscan import rules_for_study, scan_files
    from arefie_studies.pipeline.render import render_report
    from arefie_studies.project.config import load_config

    nb = _run(tmp_path, {"wave": 2024, "disclosure_threshold": 5, "variant": "regional"})
    files = render_report(nb, tmp_path / "out", title="Baromètre régional de satisfaction",
                          subtitle="Hauts-de-France", variant="Rapport régional",
                          metadata={"study": "barometre", "wave": 2024})
    html = files["html"].read_text(encoding="utf-8")
    body = html.split('<main class="report-body">', 1)[1].split("</main>", 1)[0]
    body = re.sub(r'src="data:[^"]*"', "", body)  # embedded images
    assert 'href="#jeunes-ml"' in html and 'id="jeunes-ml"' in body  # contents links resolve
    assert "Satisfaction des jeunes accompagnés en 2024" in body
    assert "Chiffres clés" in body and "Champ" in body and "Lecture" in body
    assert "2023-2024" in body  # ML results pool the two waves up to 2024
    assert "Annexe méthodologique" in html and "Kish" in html
    assert "Kish" not in body  # annex texts moved out of the body
    assert not re.search(r"\bsat_\w+|ok_sat|Traceback|Error\b|NaN|nan\s?%", body)
    assert re.search(r"\d,\d\u202f%", body)  # French percentages
    config = load_config(ROOT / "studies" / "barometre.yaml", ROOT)
    rules = rules_for_study(config, ROOT)
    assert rules.threshold == 11
    from dataclasses import replace

    findings = scan_files(sorted((tmp_path / "out").iterdir()), replace(rules, threshold=5),
                          relative_to=tmp_path / "out")
    assert findings == []
    # with the study's own threshold (11), some 2023-2024 company cells are below it -> the
    # scan must catch them: proves the cells carry their counts
    strict = scan_files([files["html"]], rules, relative_to=tmp_path / "out")
    assert any(f.kind == "small_cell" for f in strict)

    # same wave and threshold: the per-ML run reads the tables the regional run cached
    ml_nb = _run(tmp_path, {"wave": 2024, "ml": "6006", "disclosure_threshold": 5,
                            "variant": "ml-6006"})
    import nbformat

    text = "".join(
        "".join(o.get("data", {}).get("text/html", "")) + "".join(o.get("data", {}).get("text/markdown", ""))
        for c in nbformat.read(str(ml_nb), as_version=4).cells if c.cell_type == "code"
        for o in c.get("outputs", []))
    # 2 company answers: hidden with the one « s » mark (no "fewer than N" on primary cells)
    assert "ML du Valois" in text and 'data-suppressed="1">s</td>' in text
    assert "effectif insuffisant" not in text and "moins de 5 réponses</td>" not in text
    assert not re.search(r"\bsat_\w+|ok_sat|Traceback|6006", text)  # labels, never names or codes


# ----------------------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 2, 3, 4, 9, None]), st.sampled_from([11, 32, 84]),
                          st.floats(0.2, 5.0)), min_size=1, max_size=60))
def test_recode_property(rows):
    raw = pd.DataFrame({"annee": 2025, "region": [r for _, r, _ in rows], "ml": 1,
                        "poids": [w for _, _, w in rows],
                        "sat_x": pd.array([c for c, _, _ in rows], dtype="Int64")})
    likert = ("Très satisfait", "Plutôt satisfait", "Plutôt pas satisfait", "Pas du tout satisfait")
    out = B.recode(raw, ["sat_x"], likert)
    code = raw["sat_x"].to_numpy(dtype=float, na_value=np.nan)
    # "Ne sait pas" (9) and blanks are missing in both versions; 1-2 satisfied, 3-4 not
    assert (out["sat_x"].isna().to_numpy() == ~np.isin(code, [1, 2, 3, 4])).all()
    assert ((out["ok_sat_x"] == B.SATISFIED).to_numpy() == np.isin(code, [1, 2])).all()
    assert ((out["ok_sat_x"] == B.NOT_SATISFIED).to_numpy() == np.isin(code, [3, 4])).all()
    known = np.isin(code, [1, 2, 3, 4])
    assert (out["sat_x"].cat.codes.to_numpy()[known] == code[known] - 1).all()
    assert ((out["zone"] == B.REGION).to_numpy() == (raw["region"] == 32).to_numpy()).all()
    assert (out["strate"] == 2025 * 100 + raw["region"]).all()


def test_ml_map_shows_published_estimates_only(results):
    """The map of the 42 MLs reads the same decided estimates as the caterpillar: a hidden or
    « nd » area shows « non publié » and no number."""
    import matplotlib.pyplot as plt

    from arefie_studies.studies._barometre_figures import ml_map
    from arefie_studies.tables import fmt_pct

    fig = ml_map(results, "jeunes", "sat_globale")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    ml = results.ml["jeunes"]
    ml = ml[ml["item"] == "sat_globale"]
    hidden = ml[~ml["decision"].isin(["show", "flag"])]
    shown = ml[ml["decision"].isin(["show", "flag"])]
    assert sum("non publié" in t for t in texts) == len(hidden) > 0
    assert any(fmt_pct(shown["estimate"].iloc[0], 0) in t for t in texts)
    plt.close(fig)


def test_synthesis_cuts_a_long_list_without_a_dangling_ellipsis(results):
    """Issue 11: « … ; …. » closed the regional bullet when over four items differed."""
    import dataclasses

    from arefie_studies.studies._barometre_report import synthesis

    diff = results.diff["jeunes"].assign(p_value=0.001)
    assert len(diff) > 4
    forced = dataclasses.replace(results, diff={**results.diff, "jeunes": diff})
    bullet = next(b for b in synthesis(forced) if b.startswith("Les jeunes accompagnés de la région"))
    more = len(diff) - 4
    assert bullet.endswith(f" ; et {more} autre{'s' if more > 1 else ''}.")
    assert "…" not in bullet and ".." not in bullet
    assert bullet.count(" ; ") == 4
    assert f"sur {len(diff)} items" in bullet


def test_ml_key_figure_is_never_zero_of_zero(results):
    """Issue 11: « 0 / 0 » Missions Locales above / below is no key figure; the range of the
    published ML results is shown instead, read from the results."""
    import dataclasses

    from arefie_studies.studies.contract import KeyFigures
    from arefie_studies.tables import fmt_pct

    ml = results.ml["jeunes"].assign(significant=False)
    quiet = dataclasses.replace(results, ml={**results.ml, "jeunes": ml})
    kf = next(b for b in B.report(quiet, {"ml": ""}).blocks if isinstance(b, KeyFigures))
    assert not any(i.value == "0 / 0" for i in kf.items)
    own = ml[(ml["item"] == "sat_globale") & ml["decision"].isin(["show", "flag"])]
    item = next(i for i in kf.items if "selon la Mission Locale" in i.label)
    assert item.value == f"{fmt_pct(own['estimate'].min())} à {fmt_pct(own['estimate'].max())}"
    assert f"{len(own)} sur {int((ml['item'] == 'sat_globale').sum())}" in item.detail
    # with significant gaps the count is the key figure, as before
    kf = next(b for b in B.report(results, {"ml": ""}).blocks if isinstance(b, KeyFigures))
    sig = results.ml["jeunes"]
    sig = sig[(sig["item"] == "sat_globale") & sig["significant"]]
    if len(sig):
        up, down = int((sig["diff"] > 0).sum()), int((sig["diff"] < 0).sum())
        assert any(i.value == f"{up} / {down}" for i in kf.items)
