"""Invariants (hypothesis) and hand-worked cases of the estimators."""

import numpy as np
import pandas as pd
import pytest
from _reference import REFERENCE_DIR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arefie_studies.survey import SurveyDesign, linearized_vcov

# no deadline, no too_slow health check: nothing here may depend on the machine's load
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def samples(draw):
    n_strata = draw(st.integers(1, 3))
    rows = []
    for h in range(n_strata):
        n_psu = draw(st.integers(2, 4))
        for c in range(n_psu):
            for _ in range(draw(st.integers(1, 4))):
                rows.append((h, f"{h}-{c}"))
    n = len(rows)
    w = draw(st.lists(st.floats(0.5, 50), min_size=n, max_size=n))
    y = draw(st.lists(st.floats(-100, 100), min_size=n, max_size=n))
    cat = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    grp = draw(st.lists(st.sampled_from(["g1", "g2"]), min_size=n, max_size=n))
    return pd.DataFrame({"h": [r[0] for r in rows], "psu": [r[1] for r in rows], "w": w, "y": y,
                         "cat": cat, "grp": grp})


@FAST
@given(samples(), st.floats(0.01, 1000))
def test_scaling_weights_leaves_means_and_proportions_unchanged(df, k):
    d1 = SurveyDesign(df, weights="w", strata="h", psu="psu")
    d2 = SurveyDesign(df.assign(w=df["w"] * k), weights="w", strata="h", psu="psu")
    for f in (lambda d: d.mean("y", by="grp"), lambda d: d.proportion("cat", by="grp")):
        a, b = f(d1), f(d2)
        np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(a["se"], b["se"], rtol=1e-7, atol=1e-12)


@FAST
@given(samples())
def test_proportions_sum_to_one_in_every_domain(df):
    d = SurveyDesign(df, weights="w", strata="h", psu="psu")
    res = d.proportion("cat", by="grp")
    np.testing.assert_allclose(res.groupby("grp")["estimate"].sum(), 1.0, rtol=1e-12)
    dom = d.subset(df["grp"] == "g1") if (df["grp"] == "g1").any() else d
    np.testing.assert_allclose(dom.proportion("cat")["estimate"].sum(), 1.0, rtol=1e-12)


@FAST
@given(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=60), st.integers(0, 500))
def test_srs_gives_the_textbook_se(y, extra):
    y = np.asarray(y)
    n = len(y)
    big_n = n + extra
    df = pd.DataFrame({"y": y, "N": float(big_n)})
    d = SurveyDesign(df, fpc="N")  # weights N/n derived from fpc
    res = d.mean("y")
    f = n / big_n
    se = np.sqrt((1 - f) * np.var(y, ddof=1) / n)
    assert res["estimate"].iloc[0] == pytest.approx(y.mean(), rel=1e-9, abs=1e-9)
    assert res["se"].iloc[0] == pytest.approx(se, rel=1e-7, abs=1e-9)
    assert res["df"].iloc[0] == n - 1


def test_hand_worked_stratified_cluster_mean():
    # two strata, two PSUs each, equal weights 2; y by PSU: A1 {1, 3}, A2 {5}, B1 {2}, B2 {4, 6}
    df = pd.DataFrame({
        "h": ["A", "A", "A", "B", "B", "B"], "c": [1, 1, 2, 1, 2, 2],
        "w": 2.0, "y": [1.0, 3.0, 5.0, 2.0, 4.0, 6.0],
    })
    d = SurveyDesign(df, weights="w", strata="h", psu="c", nest=True)
    res = d.mean("y")
    # ybar = 21/6 = 3.5; influence z_i = w (y - 3.5) / 12; PSU totals:
    # A1: 2(-2.5 - 0.5)/12 = -0.5, A2: 2(1.5)/12 = 0.25, B1: 2(-1.5)/12 = -0.25, B2: 2(0.5+2.5)/12 = 0.5
    # stratum A: mean -0.125, dev (-0.375, 0.375); B: mean 0.125, dev (-0.375, 0.375)
    # each stratum: n/(n-1) * (0.375^2 + 0.375^2) = 2 * 0.28125 = 0.5625; V = 1.125
    assert res["estimate"].iloc[0] == pytest.approx(3.5)
    assert res["se"].iloc[0] == pytest.approx(np.sqrt(1.125), rel=1e-12)
    assert res["df"].iloc[0] == 2  # 4 PSUs - 2 strata
    assert d.total("y")["estimate"].iloc[0] == pytest.approx(42.0)


def test_hand_worked_total_variance():
    df = pd.DataFrame({
        "h": ["A", "A", "A", "B", "B", "B"], "c": [1, 1, 2, 1, 2, 2],
        "w": 2.0, "y": [1.0, 3.0, 5.0, 2.0, 4.0, 6.0],
    })
    d = SurveyDesign(df, weights="w", strata="h", psu="c", nest=True)
    # PSU totals of w y: A1 8, A2 10, B1 4, B2 20; V = 2 * (1 + 1) + 2 * (64 + 64) = 260
    assert d.total("y")["se"].iloc[0] == pytest.approx(np.sqrt(260), rel=1e-12)


def test_subset_and_by_agree_and_match_r():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apistrat.csv")
    d = SurveyDesign(df, weights="pw", strata="stype")
    # R: svyby(~api00, ~stype, subset(svydesign(ids=~1, strata=~stype, weights=~pw, data=apistrat),
    #           sch.wide == "Yes"), svymean)
    by = d.subset(df["sch_wide"] == "Yes").mean("api00", by="stype")
    np.testing.assert_allclose(by["estimate"], [679.142857142857, 653.730769230769, 674.342857142857], rtol=1e-9)
    np.testing.assert_allclose(by["se"], [13.0787238730994, 20.9532776264908, 17.0355701496683], rtol=1e-9)
    for level, row in zip(["E", "H", "M"], by.itertuples(), strict=True):
        one = d.subset((df["sch_wide"] == "Yes") & (df["stype"] == level)).mean("api00")
        assert one["se"].iloc[0] == pytest.approx(row.se, rel=1e-12)


def test_missing_values_are_a_domain_not_deleted_rows():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apiclus2.csv")
    d = SurveyDesign(df, psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    res = d.mean("enroll")
    manual = d.subset(df["enroll"].notna()).mean("enroll")
    assert res["se"].iloc[0] == pytest.approx(manual["se"].iloc[0], rel=1e-12)
    assert res["n"].iloc[0] == df["enroll"].notna().sum()


def test_linearized_vcov_applies_calibrations_first():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apiclus1.csv")
    d = SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")

    class Centre:  # a stand-in calibration: residuals from the overall mean
        def residualize(self, x):
            return x - x.mean(axis=0)

    x = np.column_stack([df["api00"].to_numpy(), df["enroll"].to_numpy()]) * df["pw"].to_numpy()[:, None]
    plain = linearized_vcov(x, d)
    cal = d._replace(calibrations=(Centre(),))
    np.testing.assert_allclose(linearized_vcov(x, cal), linearized_vcov(Centre().residualize(x), d))
    assert plain.shape == (2, 2)
    np.testing.assert_allclose(plain, plain.T)
    # the estimator path uses the same contract (dense influence fallback)
    assert cal.mean("api00")["se"].iloc[0] > 0


def test_lonely_average_in_domains_counts_present_strata():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apistrat_lonely.csv")
    d = SurveyDesign(df, weights="pw", strata="stype", lonely_psu="average")
    # the lonely stratum H is absent from the E domain: no inflation there
    e_dom = d.subset(df["stype"] == "E").mean("api00")
    e_adj = SurveyDesign(df, weights="pw", strata="stype", lonely_psu="remove").subset(df["stype"] == "E").mean("api00")
    assert e_dom["se"].iloc[0] == pytest.approx(e_adj["se"].iloc[0], rel=1e-12)


def test_labels_and_tidy_columns():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apisrs.csv")
    df.attrs["variable_labels"] = {"api00": "API 2000"}
    d = SurveyDesign(df, weights="pw", fpc="fpc")
    res = d.mean("api00", by="stype")
    assert list(res.columns) == ["variable", "label", "stype", "estimate", "se", "ci_low",
                                 "ci_high", "df", "deff", "n"]
    assert (res["label"] == "API 2000").all()
    p = SurveyDesign(df, weights="pw", fpc="fpc", labels={"stype": "Type"}).proportion("stype")
    assert list(p.columns[:3]) == ["variable", "label", "level"]
    assert p["n"].tolist() == [200, 200, 200]


def test_level_absent_from_a_group_gets_zero():
    df = pd.DataFrame({"h": [0] * 6, "c": [1, 2, 3, 4, 5, 6], "w": 1.0,
                       "g": ["x", "x", "x", "y", "y", "y"], "q": ["a", "a", "b", "a", "a", "a"]})
    res = SurveyDesign(df, weights="w", psu="c").proportion("q", by="g")
    row = res[(res["g"] == "y") & (res["level"] == "b")].iloc[0]
    assert row["estimate"] == 0 and row["se"] == 0


def test_fpc_as_fraction_equals_fpc_as_population_size():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apiclus2.csv")
    n1 = df["dnum"].nunique()
    n2 = df.groupby("dnum")["snum"].transform("nunique")
    frac = df.assign(f1=n1 / df["fpc1"], f2=n2 / df["fpc2"])
    a = SurveyDesign(df, psu=["dnum", "snum"], fpc=["fpc1", "fpc2"]).mean("api00")
    b = SurveyDesign(frac, psu=["dnum", "snum"], fpc=["f1", "f2"]).mean("api00")
    np.testing.assert_allclose(b[["estimate", "se"]], a[["estimate", "se"]], rtol=1e-12)
    # R: svymean(~api00, svydesign(ids=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2))
    assert a["se"].iloc[0] == pytest.approx(30.0990273768366, rel=1e-9)


def test_by_two_columns_equals_subsets():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apistrat.csv")
    d = SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    res = d.proportion("awards", by=["stype", "sch_wide"])
    assert list(res.columns[:4]) == ["variable", "stype", "sch_wide", "level"]
    row = res[(res["stype"] == "M") & (res["sch_wide"] == "Yes") & (res["level"] == "Yes")].iloc[0]
    one = d.subset((df["stype"] == "M") & (df["sch_wide"] == "Yes")).proportion("awards")
    one = one[one["level"] == "Yes"].iloc[0]
    for col in ("estimate", "se", "ci_low", "ci_high", "df", "n"):
        assert row[col] == pytest.approx(one[col], rel=1e-12)
