"""OutOfCoreDesign (Parquet / DuckDB, streamed in chunks) against the in-memory SurveyDesign."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from arefie_studies.survey import SurveyDesign
from arefie_studies.survey.errors import (
    LonelyPSUError,
    MissingVariableError,
    NestingError,
    WeightsError,
)
from arefie_studies.survey.outofcore import OutOfCoreDesign

NUM = ["estimate", "se", "ci_low", "ci_high", "df", "deff", "n"]


def make_df(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = rng.integers(0, 6, n)
    df = pd.DataFrame({
        "region": region,
        "ml": rng.integers(0, 7, n),  # nested in region
        "w": rng.lognormal(0, 0.6, n) * 10,
        "sex": rng.choice(["F", "M"], n),
        "age": rng.choice(["16-17", "18-21", "22-25"], n, p=[0.2, 0.5, 0.3]),
        "q1": rng.integers(1, 5, n).astype(float),
        "q2": rng.choice(["oui", "non", "nsp"], n),
        "x": rng.gamma(2.0, 10.0, n),
    })
    df.loc[rng.random(n) < 0.07, "q1"] = np.nan
    df.loc[rng.random(n) < 0.05, "q2"] = None
    df.loc[rng.random(n) < 0.04, "x"] = np.nan
    df.loc[rng.random(n) < 0.02, "sex"] = None
    df.loc[:5, "w"] = 0.0  # zero weights count in no n
    return df


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    df = make_df()
    path = tmp_path_factory.mktemp("ooc") / "d.parquet"
    df.to_parquet(path, row_group_size=500)
    mem = SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True)
    ooc = OutOfCoreDesign(path, weights="w", strata="region", psu="ml", nest=True, chunk_rows=700)
    return df, path, mem, ooc


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for c in a.columns:
        if c in NUM:
            np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-10, atol=1e-12,
                                       err_msg=c)
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c


@pytest.mark.parametrize("var", ["q1", "q2"])
@pytest.mark.parametrize("by", [None, "sex", ["sex", "age"]])
def test_proportion_matches_in_memory(data, var, by):
    _, _, mem, ooc = data
    assert_same(ooc.proportion(var, by=by), mem.proportion(var, by=by))


@pytest.mark.parametrize("by", [None, "age", ["age", "sex"]])
def test_mean_and_total_match_in_memory(data, by):
    _, _, mem, ooc = data
    assert_same(ooc.mean("x", by=by), mem.mean("x", by=by))
    assert_same(ooc.total("x", by=by), mem.total("x", by=by))
    assert_same(ooc.total("q2", by=by), mem.total("q2", by=by))


def test_banner_one_scan_matches_each_table(data):
    _, _, mem, ooc = data
    ban = ooc.banner(["q1", "q2"], ["sex", "age"])
    for (q, b), part in ban.groupby(["question", "breakdown"], sort=False):
        ref = mem.proportion(q, by=b)
        np.testing.assert_allclose(part["estimate"], ref["estimate"], rtol=1e-10)
        np.testing.assert_allclose(part["se"], ref["se"], rtol=1e-10)
        assert part["group"].astype(str).tolist() == ref[b].astype(str).tolist()


def test_unstratified_and_not_nested(tmp_path):
    df = make_df(1500, seed=3)
    df["psu"] = df["region"] * 10 + df["ml"]
    path = tmp_path / "d.parquet"
    df.to_parquet(path)
    for kw in ({"psu": "psu"}, {"psu": "psu", "strata": "region"}):
        mem = SurveyDesign(df, weights="w", **kw)
        ooc = OutOfCoreDesign(path, weights="w", chunk_rows=400, **kw)
        assert_same(ooc.proportion("q2", by="age"), mem.proportion("q2", by="age"))
        assert_same(ooc.mean("x", by="sex"), mem.mean("x", by="sex"))


@pytest.mark.parametrize("rule", ["adjust", "certainty", "remove", "average"])
def test_lonely_psu_rules(tmp_path, rule):
    df = make_df(1200, seed=5)
    df.loc[df["region"] == 2, "ml"] = 0  # stratum 2 has one PSU
    path = tmp_path / "d.parquet"
    df.to_parquet(path)
    mem = SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True, lonely_psu=rule)
    ooc = OutOfCoreDesign(path, weights="w", strata="region", psu="ml", nest=True, lonely_psu=rule)
    assert_same(ooc.proportion("q1", by="sex"), mem.proportion("q1", by="sex"))
    assert_same(ooc.mean("x", by="age"), mem.mean("x", by="age"))
    with pytest.raises(LonelyPSUError, match="Stratum 2 has only one PSU"):
        OutOfCoreDesign(path, weights="w", strata="region", psu="ml", nest=True)


def test_duckdb_table_source(tmp_path, data):
    _df, path, mem, _ = data
    db = tmp_path / "d.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE jeunes AS SELECT * FROM read_parquet('{path}')")
    con.close()
    ooc = OutOfCoreDesign(db, table="jeunes", weights="w", strata="region", psu="ml", nest=True)
    assert_same(ooc.proportion("q2", by="age"), mem.proportion("q2", by="age"))


def test_clear_errors(tmp_path, data):
    df, path, _, _ = data
    with pytest.raises(MissingVariableError, match="poids"):
        OutOfCoreDesign(path, weights="poids", psu="ml")
    bad = df.copy()
    bad.loc[10, "w"] = -1.0
    p2 = tmp_path / "bad.parquet"
    bad.to_parquet(p2)
    with pytest.raises(WeightsError, match="1 negative"):
        OutOfCoreDesign(p2, weights="w", psu="ml", strata="region", nest=True)
    with pytest.raises(NestingError, match="nest=True"):
        OutOfCoreDesign(path, weights="w", psu="ml", strata="region")


def test_banner_with_one_composite_per_breakdown(data, monkeypatch):
    """Small cache budget: every breakdown folded by its own pass (no composite key), the
    same numbers as the in-memory tables."""
    from arefie_studies.survey import _ooc_scan

    _, _, mem, ooc = data
    assert _ooc_scan.composites([1, 2, 3], cap=1) == [[0], [1], [2]]
    assert _ooc_scan.composites([1, 2, 3], cap=12) == [[0, 1], [2]]
    monkeypatch.setattr(_ooc_scan, "BLOCK_BYTES", 1)
    ban = ooc.banner(["q1", "q2"], ["sex", "age"])
    for (q, b), part in ban.groupby(["question", "breakdown"], sort=False):
        ref = mem.proportion(q, by=b)
        for c in ("estimate", "se", "n", "df"):
            np.testing.assert_allclose(part[c].to_numpy(float), ref[c].to_numpy(float), rtol=1e-10)


@pytest.mark.parametrize("kind", ["popsize", "fraction"])
def test_first_stage_fpc_matches_in_memory(tmp_path, kind):
    df = make_df(2000, seed=11)
    n_h = df.groupby("region")["ml"].nunique()
    pop = df["region"].map(n_h * 3 + df["region"].map(lambda r: r % 4) * 0 + 2).astype(float)
    df["N"] = pop if kind == "popsize" else df["region"].map(n_h).astype(float) / pop
    path = tmp_path / "d.parquet"
    df.to_parquet(path)
    mem = SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True, fpc="N")
    ooc = OutOfCoreDesign(path, weights="w", strata="region", psu="ml", nest=True, fpc="N")
    assert_same(ooc.proportion("q2", by="age"), mem.proportion("q2", by="age"))
    assert_same(ooc.mean("x", by="sex"), mem.mean("x", by="sex"))
    assert_same(ooc.total("x"), mem.total("x"))
    no_fpc = OutOfCoreDesign(path, weights="w", strata="region", psu="ml", nest=True)
    assert (ooc.mean("x")["se"] < no_fpc.mean("x")["se"]).all()


def test_fpc_errors(tmp_path):
    from arefie_studies.survey.errors import FpcError

    df = make_df(800, seed=2)
    df["N"] = 100.0
    df.loc[df.index[df["region"] == 1][:3], "N"] = 90.0
    path = tmp_path / "d.parquet"
    df.to_parquet(path)
    with pytest.raises(FpcError, match="varies within stratum 1"):
        OutOfCoreDesign(path, weights="w", strata="region", psu="ml", nest=True, fpc="N")
    df["N"] = 2.0
    df.to_parquet(path)
    with pytest.raises(FpcError, match="smaller than the number of sampled units"):
        OutOfCoreDesign(path, weights="w", strata="region", psu="ml", nest=True, fpc="N")


def test_the_same_estimate_twice_on_a_fresh_design(tmp_path):
    """A count left unfetched after the design's construction made the second scan fail
    ('unfinished result from execute()')."""
    df = make_df(500, seed=4)
    path = tmp_path / "d.parquet"
    df.to_parquet(path)
    ooc = OutOfCoreDesign(path, weights="w", strata="region", psu="ml", nest=True)
    mem = SurveyDesign(df, weights="w", strata="region", psu="ml", nest=True)
    assert_same(ooc.mean("x"), mem.mean("x"))
    assert_same(ooc.mean("x"), mem.mean("x"))


def test_prefetch_thread_keeps_order_raises_and_stops():
    from arefie_studies.survey._ooc_scan import prefetch

    assert list(prefetch(iter(range(7)), depth=2)) == list(range(7))

    def broken():
        yield 1
        yield 2
        raise ValueError("bad batch 3")

    got = []
    with pytest.raises(ValueError, match="bad batch 3"):
        for x in prefetch(broken()):
            got.append(x)
    assert got == [1, 2]
    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    it = prefetch(endless(), depth=2)
    assert [next(it) for _ in range(3)] == [0, 1, 2]
    it.close()  # the consumer stops early: the producer thread ends (join in finally)
    n = len(produced)
    assert n <= 3 + 2 + 1
