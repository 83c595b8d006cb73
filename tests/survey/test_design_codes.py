"""The design's integer coding (``_factorize``, ``_combine``, ``_distinct_pairs``) equals the
sort-based ``np.unique`` it replaced, on both paths (presence table and hashing).

Speed of building a design on 1,000,000 rows is a benchmark (``bench/bench_design.py``), not a
timed test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arefie_studies.survey import NestingError, SurveyDesign
from arefie_studies.survey._design import _combine, _dense_codes, _distinct_pairs, _factorize

codes_arrays = st.lists(st.integers(0, 40), min_size=1, max_size=60).map(
    lambda v: np.asarray(v, dtype=np.int64))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codes_arrays, st.sampled_from([0, 10**9]))
def test_dense_codes_equal_np_unique(key, shift):
    # shift pushes the keys past the presence-table size: the hashing path must agree too
    key = key + shift
    codes, uniq = _dense_codes(key, int(key.max()) + 1)
    ref_uniq, ref_inv = np.unique(key, return_inverse=True)
    np.testing.assert_array_equal(uniq, ref_uniq)
    np.testing.assert_array_equal(codes, ref_inv)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_combine_and_pairs_equal_np_unique(data):
    n = data.draw(st.integers(1, 50))
    a = np.asarray(data.draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)), dtype=np.int64)
    b = np.asarray(data.draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), dtype=np.int64)
    a = np.unique(a, return_inverse=True)[1]
    b = np.unique(b, return_inverse=True)[1]
    ref = np.unique(np.stack([a, b]), axis=1, return_inverse=True)
    np.testing.assert_array_equal(_combine(a, b), ref[1].ravel())
    pa, pb = _distinct_pairs(a, b)
    np.testing.assert_array_equal(np.stack([pa, pb]), ref[0])


def test_factorize_integer_text_and_bool_columns():
    for values in ([5, -3, 5, 1000, -3], ["b", "a", "c", "a"], [True, False, True],
                   [2**40, 1, 2**40]):
        codes, labels = _factorize(pd.Series(values))
        ref_labels, ref_codes = np.unique(np.asarray(values), return_inverse=True)
        np.testing.assert_array_equal(codes, ref_codes)
        np.testing.assert_array_equal(labels, ref_labels)


def test_design_on_text_and_integer_ids_is_the_same():
    rng = np.random.default_rng(3)
    n = 2000
    st_ = rng.integers(0, 5, n)
    psu = st_ * 100 + rng.integers(0, 8, n)
    df = pd.DataFrame({"h": st_, "p": psu, "hs": [f"S{v}" for v in st_],
                       "ps": [f"P{v:04d}" for v in psu], "w": rng.uniform(1, 3, n),
                       "y": rng.normal(size=n)})
    a = SurveyDesign(df, weights="w", strata="h", psu="p")
    b = SurveyDesign(df, weights="w", strata="hs", psu="ps")
    assert a.n_psu == b.n_psu == len(np.unique(psu))
    pd.testing.assert_frame_equal(a.mean("y"), b.mean("y"))
    df.loc[0, "p"] = df.loc[df["h"] != df.loc[0, "h"], "p"].iloc[0]  # one PSU in two strata
    with pytest.raises(NestingError, match=r"column 'p'.*nest=True"):
        SurveyDesign(df, weights="w", strata="h", psu="p")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 5), min_size=2, max_size=40), st.booleans())
def test_combine_with_distinct_codes_equals_np_unique(a, shuffle):
    a = np.unique(np.asarray(a), return_inverse=True)[1].astype(np.int64)
    b = np.arange(a.size, dtype=np.int64)  # one PSU per row
    if shuffle:
        b = np.random.default_rng(a.size).permutation(b)
    ref = np.unique(np.stack([a, b]), axis=1, return_inverse=True)
    np.testing.assert_array_equal(_combine(a, b), ref[1].ravel())
    pa, pb = _distinct_pairs(a, b)
    np.testing.assert_array_equal(np.stack([pa, pb]), ref[0])
