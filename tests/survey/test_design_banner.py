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


# ---- general path: calibrated designs, subsets, multistage ------------------------------------
def _assert_cells_equal_proportion(d, questions, breakdowns, rtol=1e-10):
    cells = d.banner_cells(questions, breakdowns)
    for (q, b), part in cells.groupby(["question", "breakdown"], sort=False):
        ref = d.proportion(q, by=b)
        assert part["group"].tolist() == ref[b].tolist()
        np.testing.assert_allclose(part["estimate"], ref["estimate"], rtol=1e-12)
        np.testing.assert_allclose(part["se"], ref["se"], rtol=rtol)
        np.testing.assert_allclose(part["ci_low"], ref["ci_low"], rtol=rtol)
        np.testing.assert_allclose(part["ci_high"], ref["ci_high"], rtol=rtol)
        np.testing.assert_allclose(part["df"], ref["df"], rtol=0)
        assert part["n"].tolist() == ref["n"].tolist()
    return cells


def _explicit_diff(df, d, q, b, group, level, dom=None):
    """diff and se_diff of one cell from explicit influence values through linearized_vcov."""
    w = d.weights
    valid = df[q].notna().to_numpy() & df[b].notna().to_numpy()
    if dom is not None:
        valid &= dom
    ing = valid & (df[b] == group).to_numpy()
    rest = valid & ~ing
    y = (df[q] == level).to_numpy().astype(float)
    p_g = np.sum(w * y * ing) / np.sum(w * ing)
    p_r = np.sum(w * y * rest) / np.sum(w * rest)
    u = w * ing * (y - p_g) / np.sum(w * ing) - w * rest * (y - p_r) / np.sum(w * rest)
    return p_g - p_r, np.sqrt(linearized_vcov(u, d)[0, 0])


@pytest.fixture(scope="module")
def calibrated(survey):
    _df, d = survey
    raked = d.rake({"sex": {"F": 0.5, "M": 0.5}, "age": {"a": 0.3, "b": 0.3, "c": 0.4}})
    return raked.calibrate(categorical={("sex", "age"): {
        ("F", "a"): 0.16, ("F", "b"): 0.15, ("F", "c"): 0.19,
        ("M", "a"): 0.14, ("M", "b"): 0.15, ("M", "c"): 0.21}},
        method="logit", bounds=(0.5, 2.0))


def test_banner_on_a_calibrated_design_equals_the_proportion_loop(survey, calibrated):
    df, _d = survey
    assert len(calibrated._calibrations) == 2
    cells = _assert_cells_equal_proportion(calibrated, ["q0", "q1", "q2"], ["sex", "age"])
    row = cells[(cells["question"] == "q2") & (cells["group"] == "c") & (cells["level"] == 1.0)]
    diff, se = _explicit_diff(df, calibrated, "q2", "age", "c", 1.0)
    assert row["diff"].iloc[0] == pytest.approx(diff, rel=1e-12)
    assert row["se_diff"].iloc[0] == pytest.approx(se, rel=1e-10)


def test_banner_on_a_subset_of_a_calibrated_design(survey, calibrated):
    df, _d = survey
    dom = (df["region"] != 2).to_numpy()
    sub = calibrated.subset(dom)
    cells = _assert_cells_equal_proportion(sub, ["q0", "q1"], ["sex", "age"])
    row = cells[(cells["question"] == "q1") & (cells["group"] == "F") & (cells["level"] == 4.0)]
    diff, se = _explicit_diff(df, sub, "q1", "sex", "F", 4.0, dom=dom)
    assert row["diff"].iloc[0] == pytest.approx(diff, rel=1e-12)
    assert row["se_diff"].iloc[0] == pytest.approx(se, rel=1e-10)


def test_banner_on_a_subset_and_a_multistage_design(survey):
    df, d = survey
    _assert_cells_equal_proportion(d.subset(df["sex"] == "F"), ["q0"], ["age"], rtol=1e-12)
    df2 = df.assign(fpc1=60, fpc2=200, unit=np.arange(len(df)) % 7)
    two = SurveyDesign(df2, weights="w", strata="region", psu=["ml", "unit"],
                       fpc=["fpc1", "fpc2"], nest=True, lonely_psu="average")
    assert len(two._stages) == 2
    _assert_cells_equal_proportion(two, ["q0", "q1"], ["age"])


def test_general_path_blocks_do_not_change_the_numbers(calibrated):
    from arefie_studies.survey._banner import general_table_var, table_stats

    r = table_stats(calibrated, "q0", ["age"], variance=False)
    whole = general_table_var(calibrated, "q0", "age", r)
    tiny = general_table_var(calibrated, "q0", "age", r, chunk_entries=1)  # one column a block
    np.testing.assert_allclose(tiny[0], whole[0], rtol=1e-12)
    np.testing.assert_allclose(tiny[1], whole[1], rtol=1e-12)


SEX_AGE = {("F", "a"): 0.16, ("F", "b"): 0.15, ("F", "c"): 0.19,
           ("M", "a"): 0.14, ("M", "b"): 0.15, ("M", "c"): 0.21}
ONE_STEP = {
    "poststratify": lambda d: d.poststratify(("sex", "age"), SEX_AGE),
    "rake": lambda d: d.rake({"sex": {"F": 0.5, "M": 0.5}, "age": {"a": 0.3, "b": 0.3, "c": 0.4}}),
    "linear": lambda d: d.calibrate(categorical={"sex": {"F": 0.5, "M": 0.5}},
                                    numeric={"num": 1.2 * float(d.weights.sum())}),
    "raking": lambda d: d.calibrate(categorical={("sex", "age"): SEX_AGE}, method="raking"),
    "logit": lambda d: d.calibrate(categorical={("sex", "age"): SEX_AGE}, method="logit",
                                   bounds=(0.5, 2.0)),
    "trim": lambda d: d.trim(upper=float(np.quantile(d.weights, 0.9))),
}


@pytest.mark.parametrize("kind", list(ONE_STEP))
def test_one_weighting_step_sparse_totals_equal_dense_blocks(survey, kind):
    """A single step takes the sparse path (no dense block); it equals the block path and
    the loop of proportion(q, by=b), on the full design and on a subset."""
    from arefie_studies.survey._banner import general_table_var, table_stats

    df, d = survey
    d = SurveyDesign(df.assign(num=np.arange(len(df)) % 5), weights="w", strata="region",
                     psu="ml", nest=True)
    cal = ONE_STEP[kind](d)
    assert len(cal._calibrations) == 1
    for design in (cal, cal.subset(df["region"] != 1)):
        for b in ("sex", "age"):
            r = table_stats(design, "q1", [b], variance=False)
            sparse = general_table_var(design, "q1", b, r)
            dense = general_table_var(design, "q1", b, r, dense=True)
            np.testing.assert_allclose(sparse[0], dense[0], rtol=1e-9, atol=1e-18)
            np.testing.assert_allclose(sparse[1], dense[1], rtol=1e-9, atol=1e-18)
    _assert_cells_equal_proportion(cal, ["q1"], ["sex", "age"], rtol=1e-9)


def test_subset_masks_bool_nullable_and_object(survey):
    df, d = survey
    m = (df["sex"] == "F").to_numpy()
    ref = d.subset(m).banner_cells(["q0"], ["age"])
    nullable = pd.Series(m, index=df.index, dtype="boolean")
    nullable.iloc[:10] = pd.NA  # missing counts as False (R's subset)
    m2 = m.copy()
    m2[:10] = False
    pd.testing.assert_frame_equal(d.subset(nullable).banner_cells(["q0"], ["age"]),
                                  d.subset(m2).banner_cells(["q0"], ["age"]))
    obj = np.asarray(m, dtype=object)
    pd.testing.assert_frame_equal(d.subset(obj).banner_cells(["q0"], ["age"]), ref)
    with pytest.raises(ValueError, match=r"boolean mask.*'[FM]'"):
        d.subset(np.where(m, "F", "M").astype(object))
