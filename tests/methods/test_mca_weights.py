"""Row weights: a weighted MCA equals the unweighted MCA of the rows repeated by their weights.

FactoMineR's ``row.w`` are frequency weights for the geometry (masses ``w / sum(w)``) and enter the
v-tests through ``N = sum(w)``, so with integer weights every result of the weighted analysis is the
one of the expanded data (row results per distinct row; contributions add over the copies).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from arefie_studies.methods import MCA


@st.composite
def weighted_tables(draw):
    n = draw(st.integers(8, 18))
    q = draw(st.integers(2, 4))
    cols = {}
    for j in range(q):
        k = draw(st.integers(2, 4))
        levels = [f"v{j}l{i}" for i in range(k)]
        values = draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n))
        cols[f"V{j}"] = values
    weights = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    return pd.DataFrame(cols), np.array(weights)


def _separated_dims(eig: np.ndarray, k: int) -> list[int]:
    """Axes whose eigenvalue is non-null and distinct from its neighbours (defined up to sign)."""
    keep = []
    for i in range(k):
        gaps = [abs(eig[i] - eig[j]) for j in (i - 1, i + 1) if 0 <= j < len(eig)]
        if eig[i] > 1e-8 and min(gaps, default=1.0) > 1e-6 * max(eig[i], 1e-12):
            keep.append(i)
    return keep


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weighted_tables())
def test_weighted_equals_repeated_rows(data):
    df, w = data
    assume(all(df[c].nunique() > 1 for c in df.columns))
    expanded = df.loc[df.index.repeat(w)].reset_index(drop=True)
    copy_of = np.repeat(np.arange(len(df)), w)
    a = MCA(n_components=3).fit(df, weights=w)
    b = MCA(n_components=3).fit(expanded)
    ea, eb = a.eigenvalues_["eigenvalue"].to_numpy(), b.eigenvalues_["eigenvalue"].to_numpy()
    m = min(len(ea), len(eb))
    np.testing.assert_allclose(ea[:m], eb[:m], rtol=1e-9, atol=1e-12)
    assert np.all(np.abs(eb[m:]) < 1e-12)  # only null eigenvalues may differ in number
    k = a.n_components_
    assert k == b.n_components_
    pd.testing.assert_frame_equal(a.categories_.drop(columns="frequency"),
                                  b.categories_.drop(columns="frequency"), check_dtype=False)
    for d in _separated_dims(ea, k):
        col = f"Dim {d + 1}"
        ga, gb = a.category_coordinates_[col].to_numpy(), b.category_coordinates_[col].to_numpy()
        sign = 1.0 if np.dot(ga, gb) >= 0 else -1.0
        np.testing.assert_allclose(ga, sign * gb, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(a.category_vtest_[col], sign * b.category_vtest_[col],
                                   rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(a.category_contributions_[col], b.category_contributions_[col],
                                   rtol=1e-7, atol=1e-9)
        fa = a.row_coordinates_[col].to_numpy()
        np.testing.assert_allclose(fa[copy_of], sign * b.row_coordinates_[col].to_numpy(),
                                   rtol=1e-7, atol=1e-9)
        ctr_b = np.bincount(copy_of, weights=b.row_contributions_[col].to_numpy())
        np.testing.assert_allclose(a.row_contributions_[col], ctr_b, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(a.eta2_[col], b.eta2_[col], rtol=1e-7, atol=1e-9)


def test_weights_are_scale_free_for_the_geometry():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({c: rng.choice(list("abcd"), 60) for c in "PQRS"})
    w = rng.uniform(0.2, 5, 60)
    a = MCA(4).fit(df, weights=w)
    b = MCA(4).fit(df, weights=w * 1000)
    pd.testing.assert_frame_equal(a.eigenvalues_, b.eigenvalues_)
    np.testing.assert_allclose(a.row_coordinates_, b.row_coordinates_, rtol=1e-10)
    np.testing.assert_allclose(a.category_coordinates_, b.category_coordinates_, rtol=1e-10)
    # v-tests use N = sum(w) as FactoMineR: they change with the scale of the weights
    assert not np.allclose(a.category_vtest_, b.category_vtest_)


def test_zero_weight_rows_are_projected_not_analysed():
    rng = np.random.default_rng(12)
    df = pd.DataFrame({c: rng.choice(list("abc"), 50) for c in "PQR"})
    w = np.ones(50)
    w[[3, 17]] = 0.0
    a = MCA(3).fit(df, weights=w)
    b = MCA(3).fit(df.drop(index=[3, 17]))
    np.testing.assert_allclose(a.eigenvalues_["eigenvalue"], b.eigenvalues_["eigenvalue"], rtol=1e-10)
    np.testing.assert_allclose(a.row_coordinates_.drop(index=[3, 17]), b.row_coordinates_,
                               rtol=1e-9, atol=1e-12)
    # a zero-weight row sits at the mean of its categories' standard coordinates
    z = a._prep.indicator
    g = a.category_coordinates_.to_numpy() / np.sqrt(a.eigenvalues_["eigenvalue"].to_numpy()[:3])
    np.testing.assert_allclose(a.row_coordinates_.loc[3], z[3] @ g / 3, rtol=1e-10)
    assert a.row_contributions_.loc[[3, 17]].to_numpy().sum() == 0
