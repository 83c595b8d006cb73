"""Tables of many PSUs and many groups (an element sample of a national extract by Mission
Locale) are computed a block of groups at a time (``table_stats(keep_totals=False)``): the
same numbers as the one-pass path, checked against R's values with blocks of one group, and
against the one-pass path on designs with strata, clusters, lonely PSUs, subsets, fpc and
zero weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _parity2 import expected, load_parity2, make_design
from _reference import build_design, expected_values, load_cases, run_estimate

from arefie_studies.survey import SurveyDesign, _banner
from arefie_studies.survey._banner import table_stats

R_CASES = [c for c in load_cases(("proportion", "total_by_level"))
           if "replicate_weights" not in c["design"]]
BY_CASES = [c for c in load_parity2() if c["id"] in ("nhanes-svyby-factor-adl-adjust",
                                                     "nhanes-svyby-factor-adl-average")]


def test_there_are_r_cases_of_tables():
    assert len(R_CASES) >= 8 and len(BY_CASES) == 2


@pytest.mark.parametrize("case", R_CASES, ids=[c["id"] for c in R_CASES])
def test_blocks_give_r_values(case, monkeypatch):
    monkeypatch.setattr(_banner, "TABLE_ENTRIES", 1)   # every table through the block path
    got = run_estimate(build_design(case), case["op"])
    want = expected_values(case)
    for key in ("estimate", "se"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("case", BY_CASES, ids=[c["id"] for c in BY_CASES])
def test_blocks_of_one_group_give_r_svyby_values(case, monkeypatch):
    monkeypatch.setattr(_banner, "TABLE_ENTRIES", 1)
    d = make_design(case)
    got = d.proportion(case["op"]["var"], by=case["op"]["by"])
    want = expected(case)
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-6, atol=0)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-6, atol=0)


def _frame(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 5, n)
    return pd.DataFrame({
        "h": h, "psu": h * 100 + rng.integers(0, 6, n), "w": rng.uniform(0.5, 4, n),
        "g": rng.choice(list("abcdefghij"), n), "q": rng.choice(["x", "y", "z", None], n),
        "fpc": np.where(h == 0, 20.0, 40.0), "keep": rng.random(n) < 0.7})


DESIGNS = {
    "strata-clusters": dict(strata="h", psu="psu", weights="w"),
    "elements": dict(weights="w"),
    "fpc": dict(strata="h", psu="psu", weights="w", fpc="fpc"),
    "lonely-adjust": dict(strata="h", psu="psu", weights="w", lonely_psu="adjust"),
    "lonely-average": dict(strata="h", psu="psu", weights="w", lonely_psu="average"),
}


@pytest.mark.parametrize("name", sorted(DESIGNS))
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("total", [False, True])
def test_blocks_equal_the_one_pass_table(name, seed, total):
    df = _frame(seed)
    spec = DESIGNS[name]
    if name.startswith("lonely"):   # stratum 4 keeps one PSU
        df.loc[df["h"] == 4, "psu"] = 400
    df.loc[df.index[:15], "w"] = 0.0   # zero weights are rows, not PSUs with a count
    d = SurveyDesign(df, **spec)
    for design in (d, d.subset(df["keep"].to_numpy())):
        one = table_stats(design, "q", ["g"], total=total)
        for limit in (1, 2 * design._stages[0].n_units * 4 * 3):   # 1 group, 3 groups a block
            blk = table_stats(design, "q", ["g"], total=total, keep_totals=False, max_entries=limit)
            assert blk["ta"] is None and blk["totals"] is None
            for key in ("theta", "var", "den", "n", "degf", "num"):
                np.testing.assert_allclose(blk[key], one[key], rtol=1e-12, atol=1e-15, err_msg=key)
            assert list(blk["groups"]["g"]) == list(one["groups"]["g"])
            assert (blk["observed"] == one["observed"]).all()


def test_a_group_without_answers_is_dropped_as_in_the_one_pass_table():
    df = _frame(3)
    df.loc[df["g"] == "c", "q"] = None
    d = SurveyDesign(df, strata="h", psu="psu", weights="w")
    one = table_stats(d, "q", ["g"])
    blk = table_stats(d, "q", ["g"], keep_totals=False, max_entries=1)
    assert "c" not in list(blk["groups"]["g"]) and list(blk["groups"]["g"]) == list(one["groups"]["g"])
    np.testing.assert_allclose(blk["var"], one["var"], rtol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_a_group_answering_one_level_gets_exactly_one(seed):
    """Seen on the national baromètre: an ML-year where every youth was satisfied came out as
    1.0000000000000002 through the block path (PSU sums taken in another order), which the
    NCHS rule refuses as a proportion above 1. The group total is now the sum of its level
    totals on both paths: exactly 1 and 0."""
    rng = np.random.default_rng(seed)
    n = 4000
    df = pd.DataFrame({"psu": np.arange(n), "w": rng.lognormal(0, 0.7, n),
                       "g": rng.integers(0, 40, n), "q": rng.choice(["oui", "non"], n)})
    df.loc[df["g"] == 7, "q"] = "oui"
    d = SurveyDesign(df, psu="psu", weights="w")
    for blk in (table_stats(d, "q", ["g"]), table_stats(d, "q", ["g"], keep_totals=False, max_entries=1)):
        row = list(blk["groups"]["g"]).index(7)
        oui = blk["levels"].index("oui")
        assert blk["theta"][row, oui] == 1.0 and blk["theta"][row, 1 - oui] == 0.0
    p = d.proportion("q", by="g", ci_method="beta")
    assert (p.loc[(p["g"] == 7) & (p["level"] == "oui"), "estimate"] == 1.0).all()
