"""banner_cells: same cells as proportion(q, by=b); group-vs-rest difference and its test."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from arefie_studies.survey import SurveyDesign, linearized_vcov


@pytest.fixture(scope="module")
def survey():
    rng = np.random.default_rng(11)
    n = 3000
    region = rng.integers(0, 4, n)
    df = pd.DataFrame({
        "region": region, "ml": region * 10 + rng.integers(0, 6, n), "w": rng.lognormal(0, 0.4, n),
        "sex": rng.choice(["F", "M"], n), "age": rng.choice(["a", "b", "c"], n),
    })
    for j in range(3):
        q = rng.integers(1, 5, n).astype(float)
        q[rng.random(n) < 0.05] = np.nan
        df[f"q{j}"] = q
    return df, SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True)


def test_cells_equal_proportion(survey):
    _df, d = survey
    cells = d.banner_cells(["q0", "q1", "q2"], ["sex", "age"])
    assert len(cells) == 3 * (2 + 3) * 4
    for (q, b), part in cells.groupby(["question", "breakdown"], sort=False):
        ref = d.proportion(q, by=b)
        np.testing.assert_allclose(part["estimate"], ref["estimate"], rtol=1e-12)
        np.testing.assert_allclose(part["se"], ref["se"], rtol=1e-12)
        np.testing.assert_allclose(part["ci_low"], ref["ci_low"], rtol=1e-12)
        assert part["n"].tolist() == ref["n"].tolist()


def test_difference_versus_rest_by_explicit_influence(survey):
    df, d = survey
    cells = d.banner_cells(["q1"], ["age"])
    row = cells[(cells["group"] == "b") & (cells["level"] == 3.0)].iloc[0]
    w = df["w"].to_numpy()
    valid = df["q1"].notna().to_numpy()
    ing = valid & (df["age"] == "b").to_numpy()
    rest = valid & ~ing
    y = (df["q1"] == 3).to_numpy().astype(float)
    p_g = np.sum(w * y * ing) / np.sum(w * ing)
    p_r = np.sum(w * y * rest) / np.sum(w * rest)
    u = w * ing * (y - p_g) / np.sum(w * ing) - w * rest * (y - p_r) / np.sum(w * rest)
    se = np.sqrt(linearized_vcov(u, d)[0, 0])
    assert row["diff"] == pytest.approx(p_g - p_r, rel=1e-12)
    assert row["se_diff"] == pytest.approx(se, rel=1e-10)
    assert row["N"] == pytest.approx(np.sum(w * ing), rel=1e-12)
    df_design = d.degf()
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs((p_g - p_r) / se), df_design), rel=1e-8)


def test_zero_weights_after_replace_are_not_counted(survey):
    df, d = survey
    base = d.proportion("q0", by="sex")  # fills the shared cache
    w = df["w"].to_numpy().copy()
    w[:100] = 0.0
    d0 = d._replace(weights=w)
    res = d0.proportion("q0", by="sex")
    n_expected = (df["q0"].notna() & (w != 0)).groupby(df["sex"]).sum().to_numpy()
    assert res.groupby("sex")["n"].first().to_numpy().tolist() == n_expected.tolist()
    assert base["n"].sum() > res["n"].sum()
