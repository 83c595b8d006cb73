"""Bad input: each error names the column or argument and gives a hint."""

import warnings

import numpy as np
import pandas as pd
import pytest
from _reference import REFERENCE_DIR

from arefie_studies.survey import (
    CalibrationError,
    DesignSpecError,
    EmptyDomainError,
    EmptyGroupWarning,
    FpcError,
    LonelyPSUError,
    MissingVariableError,
    NestingError,
    ReplicateDesign,
    ReplicateWeightsError,
    SurveyDesign,
    SurveyError,
    VariableTypeError,
    WeightsError,
)


@pytest.fixture(scope="module")
def strat():
    return pd.read_csv(REFERENCE_DIR / "data" / "apistrat.csv")


def test_errors_are_value_errors():
    assert issubclass(SurveyError, ValueError)
    assert issubclass(MissingVariableError, SurveyError)


def test_missing_design_column_lists_close_matches(strat):
    with pytest.raises(MissingVariableError, match=r"'stpye' given as strata=.*Did you mean 'stype'.*Available columns: cds"):
        SurveyDesign(strat, weights="pw", strata="stpye")


def test_missing_analysis_variable(strat):
    d = SurveyDesign(strat, weights="pw", strata="stype")
    with pytest.raises(MissingVariableError, match=r"'api01' given as var=.*Did you mean 'api00'"):
        d.mean("api01")
    with pytest.raises(MissingVariableError, match=r"'region' given as by="):
        d.mean("api00", by="region")


def test_non_numeric_weights(strat):
    df = strat.assign(pw=strat["pw"].astype(object))
    df.loc[[3, 7], "pw"] = "n/a"
    with pytest.raises(WeightsError, match=r"weights column 'pw' holds text .*: 2 value\(s\) are not numbers "
                                           r"\(first rows: 3, 7, e.g. 'n/a'\)"):
        SurveyDesign(df, weights="pw", strata="stype")


def test_negative_and_missing_weights(strat):
    df = strat.copy()
    df.loc[5, "pw"] = -1.0
    with pytest.raises(WeightsError, match=r"'pw' has 1 negative value\(s\) \(first rows: 5\).*>= 0"):
        SurveyDesign(df, weights="pw", strata="stype")
    df.loc[5, "pw"] = np.nan
    df.loc[9, "pw"] = np.nan
    with pytest.raises(WeightsError, match=r"'pw' has 2 missing value\(s\) \(first rows: 5, 9\)"):
        SurveyDesign(df, weights="pw", strata="stype")


def test_psu_in_two_strata_without_nest():
    df = pd.DataFrame({"s": [1, 1, 1, 1, 2, 2, 2, 2], "c": [1, 1, 2, 2, 1, 1, 2, 2],
                       "w": 1.0, "y": np.arange(8.0)})
    with pytest.raises(NestingError, match=r"PSU ids repeat across strata in column 'c'.*use nest=True"):
        SurveyDesign(df, weights="w", strata="s", psu="c")
    d = SurveyDesign(df, weights="w", strata="s", psu="c", nest=True)
    assert d.n_psu == 4


def test_lonely_psu_fail_names_stratum():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apistrat_lonely.csv")
    with pytest.raises(LonelyPSUError, match=r"Stratum 'H' has only one PSU at stage 1.*lonely_psu='adjust'"):
        SurveyDesign(df, weights="pw", strata="stype")


def test_fpc_smaller_than_sample(strat):
    df = strat.copy()
    df.loc[df["stype"] == "H", "fpc"] = 10  # 50 schools sampled in H
    with pytest.raises(FpcError, match=r"population size \(10\) smaller than the number of sampled units \(50\) in stratum 'H'"):
        SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")


def test_fpc_mixed_fraction_and_size(strat):
    df = strat.assign(fpc=strat["fpc"].astype(float))
    df.loc[0, "fpc"] = 0.5
    with pytest.raises(FpcError, match="mix values below and above 1"):
        SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")


def test_empty_domain_is_an_error(strat):
    d = SurveyDesign(strat, weights="pw", strata="stype")
    dom = d.subset(strat["stype"] == "Z", label="stype == 'Z'")
    with pytest.raises(EmptyDomainError, match=r"No observation of 'api00' in domain \"stype == 'Z'\""):
        dom.mean("api00")
    df = strat.assign(x=np.where(strat["stype"] == "E", np.nan, 1.0))
    d2 = SurveyDesign(df, weights="pw", strata="stype")
    with pytest.raises(EmptyDomainError, match="No observation of 'x'"):
        d2.subset(df["stype"] == "E").mean("x")
    # by= covers the groups where the variable is observed; E is reported, not silently lost
    with pytest.warns(EmptyGroupWarning, match=r"'stype'.*no non-missing value of 'x'.*'E'"):
        assert d2.mean("x", by="stype")["stype"].tolist() == ["H", "M"]
    kept = d2.mean("x", by="stype", keep_empty_groups=True)
    assert kept["stype"].tolist() == ["H", "M", "E"]
    assert kept["n"].tolist() == [kept["n"][0], kept["n"][1], 0]
    assert np.isnan(kept["estimate"].iloc[2]) and not np.isnan(kept["estimate"].iloc[:2]).any()


@pytest.mark.parametrize(("method", "var", "kwargs"), [
    ("mean", "x", {}),
    ("total", "x", {}),
    ("total", "x", {"deff": "replace"}),
    ("ratio", "x", {}),
    ("mean", "xc", {}),
    ("total", "xc", {}),
    ("proportion", "xc", {}),
    ("proportion", "xc", {"ci_method": "likelihood"}),
    ("proportion", "xc", {"deff": "replace"}),
])
def test_kept_empty_groups_are_listed_without_a_warning(strat, method, var, kwargs):
    # asked for explicitly (R's svyby(drop.empty.groups=FALSE) lists them without a warning):
    # the group is in the table with n = 0 and NaN estimates; the default still warns
    df = strat.assign(x=np.where(strat["stype"] == "E", np.nan, strat["api00"]),
                      xc=pd.Series(np.where(strat["api00"] > 650, "hi", "lo"), index=strat.index)
                      .where(strat["stype"] != "E"))
    d = SurveyDesign(df, weights="pw", strata="stype")
    args = (var, "enroll") if method == "ratio" else (var,)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmptyGroupWarning)
        out = getattr(d, method)(*args, by="stype", keep_empty_groups=True, **kwargs)
    empty = (out["stype"] == "E").to_numpy()
    assert empty[-1] and empty.sum() == (2 if var == "xc" else 1)
    assert (out.loc[empty, "n"] == 0).all() and out.loc[empty, "estimate"].isna().all()
    assert out.loc[~empty, "estimate"].notna().all()
    with pytest.warns(EmptyGroupWarning, match=r"'E'.*keep_empty_groups=True"):
        default = getattr(d, method)(*args, by="stype", **kwargs)
    assert "E" not in set(default["stype"])


def test_mean_of_text_column_suggests_proportion(strat):
    d = SurveyDesign(strat, weights="pw", strata="stype")
    with pytest.raises(VariableTypeError, match=r"'sch_wide'.*not numeric.*\.proportion\('sch_wide'\)"):
        d.ratio("sch_wide", "enroll")


def test_bad_options(strat):
    with pytest.raises(DesignSpecError, match=r"lonely_psu='drop' is not an option.*fail, adjust"):
        SurveyDesign(strat, weights="pw", strata="stype", lonely_psu="drop")
    d = SurveyDesign(strat, weights="pw", strata="stype")
    with pytest.raises(ValueError, match=r"ci_method='exact' is not available.*logit"):
        d.proportion("stype", ci_method="exact")
    with pytest.raises(ValueError, match="mask has 3 values; the data has 200 rows"):
        d.subset([True, False, True])
    with pytest.raises(DesignSpecError, match="JK1 replicates need an unstratified design"):
        d.replicate("JK1")
    with pytest.raises(DesignSpecError, match="only one primary sampling unit"):
        SurveyDesign(strat.assign(one=1), weights="pw", psu="one")


def test_frozen(strat):
    d = SurveyDesign(strat, weights="pw", strata="stype")
    with pytest.raises(AttributeError, match=r"frozen; use \.update"):
        d.lonely_psu = "adjust"
    with pytest.raises(ValueError):
        d.weights[0] = 3.0


def test_replicate_weights_with_nan():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apiclus1_bootstrap.csv")
    df.loc[[4, 11], "bw3"] = np.nan
    cols = [f"bw{i}" for i in range(1, 51)]
    with pytest.raises(ReplicateWeightsError, match=r"2 missing value\(s\) in column\(s\) 'bw3' \(first rows: 4, 11\)"):
        ReplicateDesign(df, weights="pw", replicate_weights=cols, type="bootstrap")
    with pytest.raises(MissingVariableError, match="'bw51' given as replicate_weights="):
        ReplicateDesign(df, weights="pw", replicate_weights=[*cols, "bw51"], type="bootstrap")


def test_numpy_scalars_print_as_numbers_in_messages(strat):
    df = strat.assign(st=np.where(strat["stype"] == "H", 83, 84).astype(np.int64))
    df = df[(df["st"] == 84) | (df.index == df.index[df["st"] == 83][0])]
    with pytest.raises(LonelyPSUError) as err:
        SurveyDesign(df, weights="pw", strata="st")
    assert "83" in str(err.value) and "np.int64" not in str(err.value)


def test_all_zero_weights_are_an_error_not_a_nan(strat):
    with pytest.raises(WeightsError, match="0 on every row"):
        SurveyDesign(strat.assign(w0=0.0), weights="w0", strata="stype")
    d = SurveyDesign(strat.assign(w0=np.where(strat["stype"] == "E", 0.0, strat["pw"])),
                     weights="w0", strata="stype", lonely_psu="certainty")
    with pytest.raises(WeightsError, match=r"Every weight .* is 0"):
        d.subset(strat["stype"] == "E").mean("api00")


def test_duplicated_column_names_are_named(strat):
    df = strat[["api00", "api99", "pw", "stype"]].copy()
    df.columns = ["api", "api", "pw", "stype"]
    with pytest.raises(DesignSpecError, match=r"duplicated column names: 'api'"):
        SurveyDesign(df, weights="pw", strata="stype")


def test_olr_needs_an_ordinal_outcome_with_three_levels(strat):
    d = SurveyDesign(strat, weights="pw", strata="stype")
    with pytest.raises(SurveyError, match="3 or more"):
        d.olr("sch_wide ~ ell")


def test_kept_empty_groups_do_not_leak_into_the_next_call(strat):
    df = strat.assign(x=np.where(strat["stype"] == "E", np.nan, 1.0))
    d = SurveyDesign(df, weights="pw", strata="stype")
    with pytest.warns(EmptyGroupWarning):
        d.quantile("x", 0.5, by="stype")  # reports E, keeps nothing
    assert d.mean("api00", by="stype", keep_empty_groups=True)["stype"].tolist() == ["E", "H", "M"]


def test_olr_on_a_replicate_missing_a_category_is_an_error():
    rng = np.random.default_rng(3)
    n = 120
    psu = np.repeat(np.arange(6), 20)
    y = np.where(psu == 0, "c", rng.choice(["a", "b"], n))
    df = pd.DataFrame({"psu": psu, "w": 2.0, "x": rng.normal(size=n),
                       "y": pd.Categorical(y, categories=["a", "b", "c"], ordered=True)})
    rep = SurveyDesign(df, weights="w", psu="psu").replicate("JK1")
    with pytest.raises(SurveyError, match=r"replicate 1 has no weight in a category"):
        rep.olr("y ~ x")


def test_calibrate_aggregate_stage_beyond_the_design_is_an_error(strat):
    d = SurveyDesign(strat, weights="pw", strata="stype")  # one stage (rows as units)
    with pytest.raises(CalibrationError, match=r"aggregate_stage=2: the design has 1 sampling stage"):
        d.calibrate(numeric={"api99": 3914069}, aggregate_stage=2)
    with pytest.raises(CalibrationError, match=r"no cluster stages \(a replicate design\)"):
        d.replicate("JKn").calibrate(numeric={"api99": 3914069}, aggregate_stage=1)


def test_pps_overton_options_are_checked(strat):
    df = strat.assign(p=0.1, sid=np.arange(len(strat)))
    with pytest.raises(DesignSpecError, match=r"pps='overton' needs fpc="):
        SurveyDesign(df, pps="overton")
    with pytest.raises(DesignSpecError, match=r"pps='overton' is supported for one-stage designs"):
        SurveyDesign(df, psu=["dnum", "sid"], fpc=["p", "p"], pps="overton")
    with pytest.raises(DesignSpecError, match=r"pps='hartley' is not available: 'brewer', 'overton'"):
        SurveyDesign(df, fpc="p", pps="hartley")
