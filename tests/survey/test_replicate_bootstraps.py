"""subbootstrap and mrbbootstrap replicates: R's draws cannot be reproduced (RNG), so these check
what is deterministic in R's formulas (subbootweights, mrbweights); R's own replicate weights
giving R's SEs are cases of test_r_parity2 (as.svrepdesign(type='subbootstrap'/'mrbbootstrap'))."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _reference import REFERENCE_DIR

from arefie_studies.survey import DesignSpecError, SurveyDesign


@pytest.fixture(scope="module")
def strat():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apistrat.csv")
    return SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def clus2():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apiclus2.csv")
    return SurveyDesign(df, psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])


def _factors(rep) -> np.ndarray:
    return rep.repweights / rep.weights[:, None]


def test_subbootstrap_rescaling_as_subbootweights(strat):
    rep = strat.replicate("subbootstrap", replicates=30, seed=3)
    assert rep.scale == pytest.approx(1 / 29) and np.all(rep.rscales == 1)
    f = _factors(rep)
    st = strat.data["stype"].to_numpy()
    for h in np.unique(st):
        fh = f[st == h]
        n_h = fh.shape[0]  # one school per PSU
        # n_h - 1 draws, each worth n_h / (n_h - 1): the factors of a stratum sum to n_h, i.e.
        # the mean replicate weight factor of every stratum is exactly 1
        np.testing.assert_allclose(fh.sum(axis=0), n_h, rtol=1e-12)
        counts = fh * (n_h - 1) / n_h
        np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
    again = strat.replicate("subbootstrap", replicates=30, seed=3)
    np.testing.assert_array_equal(again.repweights, rep.repweights)


def test_mrbbootstrap_one_stage_as_mrbweights(strat):
    rep = strat.replicate("mrbbootstrap", replicates=20, seed=5)
    assert rep.scale == 1 and np.allclose(rep.rscales, 1 / 19)
    f = _factors(rep)
    df = strat.data
    for h, grp in df.groupby("stype"):
        rows = grp.index.to_numpy()
        n = len(rows)
        nstar = n // 2
        frac = n / grp["fpc"].iloc[0]
        lam = np.sqrt(nstar * (1 - frac) / (n - nstar))
        fh = f[rows]
        low, high = 1 - lam, 1 - lam + lam * n / nstar
        assert np.all(np.isclose(fh, low) | np.isclose(fh, high)), h
        assert ((np.isclose(fh, high)).sum(axis=0) == nstar).all()  # n* PSUs kept
        np.testing.assert_allclose(fh.sum(axis=0), n, rtol=1e-12)  # mean factor exactly 1


def test_mrbbootstrap_two_stages(clus2):
    rep = clus2.replicate("mrbbootstrap", replicates=10, seed=8)
    f = _factors(rep)
    df = clus2.data
    n1 = df["dnum"].nunique()
    nstar = n1 // 2
    frac1 = n1 / df["fpc1"].iloc[0]
    lam1 = np.sqrt(nstar * (1 - frac1) / (n1 - nstar))
    for k in range(f.shape[1]):
        per_psu = pd.Series(f[:, k]).groupby(df["dnum"].to_numpy())
        # a district not kept at stage 1 gives 1 - lambda_1 to all its schools (stage 2 off)
        dropped = [d for d, v in per_psu if np.allclose(v, 1 - lam1)]
        assert len(dropped) == n1 - nstar
    assert np.isfinite(rep.mean("api00")["se"].iloc[0])


def test_subbootstrap_needs_two_psus_per_stratum():
    df = pd.read_csv(REFERENCE_DIR / "data" / "apistrat_lonely.csv")
    d = SurveyDesign(df, weights="pw", strata="stype", lonely_psu="certainty")
    with pytest.raises(DesignSpecError, match="2 PSUs or more"):
        d.replicate("subbootstrap")


def test_r_hadamard_orders_and_orthogonality():
    from arefie_studies.survey._hadamard import r_hadamard

    # the orders of R's hadamard(n) (survey 4.1); 24-27, 32-35 and 48-55 are built on R's
    # precooked order-28/36 matrices (package data), with no warning
    want = {1: 4, 3: 4, 4: 8, 8: 12, 11: 12, 12: 16, 16: 20, 20: 24, 24: 28, 27: 28, 28: 32,
            33: 36, 35: 36, 36: 40, 45: 48, 50: 56, 56: 60}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n, order in want.items():
            h = 2 * r_hadamard(n) - 1
            assert h.shape == (order, order), n
            np.testing.assert_array_equal(h.T @ h, order * np.eye(order))


@pytest.mark.parametrize("rule", ["math", "school"])
def test_replicate_quantiles_in_one_pass_equal_the_row_dropping_rule(rule):
    from arefie_studies.survey._quantile import qs_columns, sorted_quantile

    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        xs = np.sort(rng.integers(0, 10, n).astype(float))
        wm = rng.integers(0, 4, (n, 5)).astype(float) * rng.choice([1.0, 0.3, 1.7])
        for p in (0.0, 0.1, 0.25, 1 / 3, 0.5, 0.9, 1.0):
            got = qs_columns(xs, wm, p, rule)
            for c in range(5):
                keep = wm[:, c] != 0  # R drops the zero weights of each replicate
                want = sorted_quantile(xs[keep], wm[keep, c], p, rule)
                assert got[c] == want or (np.isnan(got[c]) and np.isnan(want))


def test_repweights_rows_are_the_rows_of_repweights(strat):
    rows = np.array([5, 0, 17, 3, 3])
    for rep in (strat.replicate("bootstrap", replicates=7, seed=2), strat.replicate("JKn")):
        np.testing.assert_array_equal(rep.repweights_rows(rows), rep.repweights[rows].T)


@pytest.mark.parametrize("rule", ["math", "hf1", "school", "hf2"])
def test_replicate_quantiles_from_psu_factors_equal_qs_rows(rule):
    # the blocked one-pass form (factors per PSU) against the per-replicate cumulative sums:
    # ties (integer weights), zero factors (jackknife, bootstrap), tiny blocks, extreme p
    from arefie_studies.survey._quantile import qs_factors, qs_rows

    rng = np.random.default_rng(12)
    for trial in range(150):
        n = int(rng.integers(1, 300))
        n_psu = int(rng.integers(1, 12))
        xs = np.sort(rng.integers(0, 30, n).astype(float) if trial % 2 else rng.normal(size=n))
        ws = (rng.integers(0, 3, n).astype(float) if trial % 3 == 0
              else rng.uniform(0.5, 4, n))
        idx = rng.integers(0, n_psu, n)
        factors = (rng.integers(0, 3, (n_psu, 6)).astype(float) if trial % 2
                   else rng.choice([0.0, 12 / 11], (n_psu, 6)))
        for p in (0.0, 0.05, 0.25, 0.5, 0.9, 1.0):
            want = qs_rows(xs, (ws[:, None] * factors[idx]).T, p, rule)
            for block in (None, 1, 7):
                got = qs_factors(xs, ws, idx, factors, p, rule, block=block)
                np.testing.assert_array_equal(got, want, err_msg=f"{trial} {p} {block}")
