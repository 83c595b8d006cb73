"""SurveyDesign.mean_vs_rest: group mean minus the mean of the other groups, on every
linearised design, equals the indicator coefficient of a design-based regression (svyglm)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.survey import SurveyDesign
from arefie_studies.survey._banner import _basis_stage_totals

DATA = Path(__file__).parents[1] / "reference" / "data"


def _design(file: str, **spec) -> SurveyDesign:
    df = pd.read_csv(DATA / file)
    for g in ("E", "H", "M"):
        df[f"is_{g}"] = (df["stype"] == g).astype(float)
    return SurveyDesign(df, **spec)


CASES = {
    "strat": lambda: _design("apistrat.csv", weights="pw", strata="stype", fpc="fpc"),
    "clus1-raked": lambda: _design("apiclus1.csv", weights="pw", psu="dnum", fpc="fpc").rake(
        {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1200, "Yes": 4994}}
    ),
    "clus2-multistage": lambda: _design(
        "apiclus2.csv", weights="pw", psu=["dnum", "snum"], fpc=["fpc1", "fpc2"]
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_mean_vs_rest_equals_svyglm_indicator(name):
    d = CASES[name]()
    res = d.mean_vs_rest("api00", "stype").set_index("stype")
    ref = d.mean("api00", by="stype").set_index("stype")
    np.testing.assert_allclose(res.loc[ref.index, "estimate"], ref.estimate, rtol=1e-12)
    for g in res.index:
        # R: coef / SE of svyglm(api00 ~ is_E, design)
        fit = d.glm(f"api00 ~ is_{g}", family="gaussian")
        assert res.loc[g, "diff"] == pytest.approx(fit.params[f"is_{g}"], rel=1e-9)
        assert res.loc[g, "se_diff"] == pytest.approx(fit.bse[f"is_{g}"], rel=1e-8)
    assert (res["df"] == d.degf() - 1).all()  # R's svyttest: degf(design) - 1
    for g in res.index:  # and its test is R's svyttest(api00 ~ I(stype == g))
        tt = d.ttest("api00", group=f"is_{g}")
        assert tt["t"].iloc[0] == pytest.approx(res.loc[g, "t"], rel=1e-8)
        assert tt["p_value"].iloc[0] == pytest.approx(res.loc[g, "p_value"], rel=1e-8)
    old = d.mean_vs_rest("api00", "stype", df_rule="degf")
    assert (old["df"] == d.degf()).all()


def test_mean_vs_rest_binary_equals_banner_cells_on_a_subset():
    d = CASES["clus1-raked"]()
    df = d.data
    d = d.subset(df["api99"] > 600)
    got = d.mean_vs_rest("is_E", "sch_wide", df_rule="degf").set_index("sch_wide")
    ref = d.banner_cells(["stype"], ["sch_wide"])
    ref = ref[ref.level == "E"].set_index("group")
    for a, b in (("estimate", "estimate"), ("diff", "diff"), ("se_diff", "se_diff"),
                 ("p_value", "p_value")):
        np.testing.assert_allclose(got[a], ref.loc[got.index, b], rtol=1e-9)


def test_sparse_and_dense_basis_agree():
    d = CASES["clus1-raked"]()
    rng = np.random.default_rng(1)
    rows = np.concatenate([np.arange(len(d.data))] * 2)
    col = rng.integers(0, 4, size=rows.size)
    vals = rng.normal(size=rows.size)
    a = _basis_stage_totals(d, rows, col, vals, 4)
    b = _basis_stage_totals(d, rows, col, vals, 4, dense=True)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-9, atol=1e-9)


def test_unknown_variable_is_named():
    d = CASES["strat"]()
    with pytest.raises(ValueError, match="nope"):
        d.mean_vs_rest("nope", "stype")
