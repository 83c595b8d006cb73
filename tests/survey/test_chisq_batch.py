"""``SurveyDesign.chisq_batch``: many Rao–Scott tests at once, with the numbers of
``design.chisq`` pair by pair on every path (one-stage, calibrated/multistage, one-by-one).

R: svychisq(~row + col, design, statistic = "F") for each pair; ``design.chisq`` itself is
checked against R in test_chisq.py / test_design_reference.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.survey import ArgumentError, ModelFormulaError, SurveyDesign
from arefie_studies.survey._chisq_batch import batch_path

DATA = Path(__file__).resolve().parents[1] / "reference" / "data"
RAKE = {"stype": {"E": 4421, "H": 755, "M": 1018}}


def _check(d, pairs, statistic="F"):
    got = d.chisq_batch(pairs, statistic=statistic)
    assert list(zip(got["row"], got["col"], strict=True)) == list(pairs)
    for r in got.itertuples(index=False):
        ref = d.chisq(r.row, r.col, statistic=statistic).to_frame().iloc[0]
        assert r.statistic == pytest.approx(ref.statistic, rel=1e-10)
        assert r.p_value == pytest.approx(ref.p_value, rel=1e-9)
        np.testing.assert_allclose([r.ndf, r.ddf], [ref.ndf, ref.ddf], rtol=1e-10)
        assert r.test == statistic and r.note == ""
    return got


@pytest.mark.parametrize(
    ("data", "spec", "pairs"),
    [
        ("apistrat.csv", {"weights": "pw", "strata": "stype", "fpc": "fpc"},
         [("awards", "stype"), ("yr_rnd", "sch_wide"), ("both", "comp_imp")]),
        ("apiclus1.csv", {"weights": "pw", "psu": "dnum", "fpc": "fpc"},
         [("awards", "stype"), ("yr_rnd", "sch_wide")]),
    ],
)
def test_one_stage_batch_equals_chisq(data, spec, pairs):
    d = SurveyDesign(pd.read_csv(DATA / data), **spec)
    assert batch_path(d) == "one-stage"
    _check(d, pairs)
    _check(d.subset(d.data["api00"] > 600), pairs)
    _check(d, pairs, statistic="Chisq")


@pytest.mark.parametrize("raked", [False, True])
def test_multistage_batch_equals_chisq(raked):
    d = SurveyDesign(pd.read_csv(DATA / "apiclus2.csv"), weights="pw", psu=["dnum", "snum"],
                     fpc=["fpc1", "fpc2"])
    if raked:
        d = d.rake(RAKE)
    assert batch_path(d) == "general"  # the batched path, not a loop of chisq
    _check(d, [("awards", "stype"), ("sch_wide", "both"), ("yr_rnd", "awards")])


def test_calibrated_subset_batch_equals_chisq():
    d = SurveyDesign(pd.read_csv(DATA / "apiclus1.csv"), weights="pw", psu="dnum", fpc="fpc")
    raked = d.rake(RAKE)
    assert batch_path(raked) == "general"
    _check(raked.subset(raked.data["api99"] > 600), [("awards", "stype"), ("both", "sch_wide")])


def test_replicate_and_wald_go_one_by_one():
    d = SurveyDesign(pd.read_csv(DATA / "apiclus1.csv"), weights="pw", psu="dnum", fpc="fpc")
    rep = d.replicate("JK1")
    assert batch_path(rep) == "one-by-one"
    _check(rep, [("awards", "stype")])
    assert batch_path(d, "Wald") == "one-by-one"
    _check(d, [("awards", "stype"), ("both", "sch_wide")], statistic="adjWald")


def test_single_level_pair_is_nan_with_a_note():
    df = pd.read_csv(DATA / "apistrat.csv")
    df["one"] = "x"
    d = SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    got = d.chisq_batch([("one", "stype"), ("awards", "stype")]).set_index("row")
    assert np.isnan(got.loc["one", "p_value"]) and "fewer than 2 levels" in got.loc["one", "note"]
    assert got.loc["awards", "p_value"] == pytest.approx(d.chisq("awards", "stype").p_value,
                                                          rel=1e-9)
    with pytest.raises(ModelFormulaError, match="at least 2 levels"):
        d.chisq("one", "stype")


def test_bad_arguments_are_named():
    d = SurveyDesign(pd.read_csv(DATA / "apistrat.csv"), weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(ModelFormulaError, match="nope"):
        d.chisq_batch([("nope", "stype")])
    with pytest.raises(ArgumentError, match="pairs must be"):
        d.chisq_batch(["awards"])
    with pytest.raises(ModelFormulaError, match="statistic='G'"):
        d.chisq_batch([("awards", "stype")], statistic="G")
