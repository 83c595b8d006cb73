"""banner() on calibrated designs (raking, logit calibration) and on subsets: every estimate,
mark and Rao–Scott p-value equals the engine's own estimators (``proportion(q, by=b)``,
``mean(q, by=b)``, ``chisq``, ``glm``) on the same design (apiclus1 from R survey: one-stage
cluster sample of 15 districts, weights pw, fpc)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.survey import SurveyDesign
from arefie_studies.tables import banner

DATA = Path(__file__).parents[1] / "reference" / "data"
RAKE = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1200, "Yes": 4994}}


def _base() -> SurveyDesign:
    df = pd.read_csv(DATA / "apiclus1.csv")
    # group indicators for the glm check of mean-vs-rest (a saturated regression on one
    # indicator: coefficient = group mean - rest mean, sandwich SE = linearised SE)
    for g in ("E", "H", "M"):
        df[f"is_{g}"] = (df["stype"] == g).astype(float)
    return SurveyDesign(df, weights="pw", psu="dnum", fpc="fpc")


def _designs() -> dict[str, SurveyDesign]:
    base = _base()
    raked = base.rake(RAKE)
    logit = base.calibrate(
        categorical={"stype": RAKE["stype"]}, numeric={"api99": 3914069},
        method="logit", bounds=(0.7, 1.7),
    )  # fmt: skip
    return {
        "raked": raked,
        "logit": logit,
        "raked-subset": raked.subset(raked.data["api99"] > 600),
        "subset": base.subset(base.data["api99"] > 600),
    }


DESIGNS = _designs()
QUESTIONS = ["awards", "both", "api00"]
BREAKDOWNS = ["stype", "sch_wide"]


@pytest.fixture(scope="module", params=list(DESIGNS))
def case(request):
    d = DESIGNS[request.param]
    return d, banner(d, QUESTIONS, BREAKDOWNS, threshold=1)


def test_calibrated_designs_are_not_the_fast_path():
    # the point of this file: weights differ from the base design's
    base = _base()
    assert not np.allclose(DESIGNS["raked"].weights, base.weights)
    assert not np.allclose(DESIGNS["logit"].weights, base.weights)


def test_proportions_equal_proportion_by(case):
    d, t = case
    c = t.cells
    for q in ("awards", "both"):
        for b in BREAKDOWNS:
            ref = d.proportion(q, by=b)
            got = c[(c.question == q) & (c.breakdown == b)]
            m = got.merge(
                ref.assign(group=ref[b].astype(str), level=ref["level"].astype(str)),
                on=["group", "level"], suffixes=("", "_ref"),
            )  # fmt: skip
            assert len(m) == len(got) == len(ref)
            for col in ("estimate", "se", "ci_low", "ci_high"):
                np.testing.assert_allclose(m[col], m[f"{col}_ref"], rtol=1e-9, atol=1e-12)


def test_whole_column_equals_proportion_and_mean(case):
    d, t = case
    c = t.cells[t.cells.breakdown == ""]
    ref = d.proportion("awards")
    got = c[c.question == "awards"].set_index("level")
    np.testing.assert_allclose(
        got.loc[ref.level.astype(str), "se"], ref.se, rtol=1e-9
    )
    m = d.mean("api00")
    assert c[c.question == "api00"].estimate.iloc[0] == pytest.approx(m.estimate.iloc[0])


def test_means_and_mean_vs_rest_equal_glm(case):
    d, t = case
    c = t.cells
    got = c[(c.question == "api00") & (c.breakdown == "stype")].set_index("group")
    ref = d.mean("api00", by="stype").set_index("stype")
    np.testing.assert_allclose(got.loc[ref.index, "estimate"], ref.estimate, rtol=1e-12)
    np.testing.assert_allclose(got.loc[ref.index, "se"], ref.se, rtol=1e-9)
    assert got.p_value.notna().all(), "mean-vs-rest must be tested on every design"
    for g in ("E", "H", "M"):
        # R: svyglm(api00 ~ is_E, design) — coefficient and SE of the indicator
        fit = d.glm(f"api00 ~ is_{g}", family="gaussian")
        assert got.loc[g, "diff"] == pytest.approx(fit.params[f"is_{g}"], rel=1e-9)
        assert got.loc[g, "diff_se"] == pytest.approx(fit.bse[f"is_{g}"], rel=1e-8)


def test_share_vs_rest_equals_glm(case):
    d, t = case
    c = t.cells
    got = c[(c.question == "awards") & (c.breakdown == "stype") & (c.level == "Yes")]
    got = got.set_index("group")
    for g in ("E", "M"):
        fit = d.glm(f"I((awards == 'Yes') * 1.0) ~ is_{g}", family="gaussian")
        assert got.loc[g, "diff"] == pytest.approx(fit.params[f"is_{g}"], rel=1e-9)
        assert got.loc[g, "diff_se"] == pytest.approx(fit.bse[f"is_{g}"], rel=1e-8)


def test_marks_follow_the_p_values(case):
    _, t = case
    c = t.cells[(t.cells.breakdown != "") & ~t.cells.suppressed]
    expect = np.where(c.p_value < 0.05, np.where(c["diff"] > 0, "▲", "▼"), "")
    assert (c["mark"].to_numpy() == expect).all()


def test_rao_scott_equals_chisq(case):
    d, t = case
    tests = t.tests.set_index(["question", "breakdown"])
    for q in ("awards", "both"):
        for b in BREAKDOWNS:
            # R: svychisq(~awards + stype, rclus1, statistic = "F")
            ref = d.chisq(q, b)
            assert tests.loc[(q, b), "p_value"] == pytest.approx(ref.p_value, rel=1e-9)
            assert tests.loc[(q, b), "statistic"] == pytest.approx(ref.statistic, rel=1e-9)


def test_subset_equals_subset_then_proportion():
    """Cells of a banner on a subset are the domain estimates (R's subset keeps the PSUs)."""
    d = DESIGNS["raked-subset"]
    t = banner(d, ["awards"], ["stype"], threshold=1, tests=False)
    c = t.cells[t.cells.breakdown == "stype"]
    n = c.groupby("group")["n"].sum()
    keep = d.data["api99"] > 600
    ref_n = d.data[keep & d.data.awards.notna()].groupby("stype").size()
    assert (n.loc[ref_n.index].to_numpy() == ref_n.to_numpy()).all()
    whole = DESIGNS["raked"].proportion("awards", by="stype")
    sub = d.proportion("awards", by="stype")
    assert not np.allclose(whole.estimate, sub.estimate)  # the subset matters
