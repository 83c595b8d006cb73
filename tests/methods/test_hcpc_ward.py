"""Weighted Ward (the agnes routine on HCPC dissimilarities): against scipy for unit weights, against repeated rows
for integer weights, inertia decomposition, speed."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.cluster.hierarchy import fcluster, linkage

from arefie_studies.methods._ward import cut_tree, weighted_kmeans, weighted_ward


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    table = pd.crosstab(a, b)
    return bool(((table > 0).sum(axis=0) == 1).all() and ((table > 0).sum(axis=1) == 1).all())


def test_unit_weights_match_scipy_ward():
    """scipy's Ward height h satisfies h^2 = 2 * w_A w_B/(w_A + w_B) ||c_A - c_B||^2 = 2 n Delta."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    tree = weighted_ward(x, np.ones(200))
    ref = linkage(x, "ward")
    np.testing.assert_allclose(np.sort(tree.heights) * 2 * 200, np.sort(ref[:, 2] ** 2), rtol=1e-9)
    for k in (2, 3, 5, 9):
        assert _same_partition(cut_tree(tree, k), fcluster(ref, k, "maxclust"))
    # scipy linkage format: counts in column 3, last merge holds everything
    assert tree.linkage[-1, 3] == 200


def test_heights_add_up_to_total_inertia():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 3))
    w = rng.uniform(0.1, 4, 120)
    tree = weighted_ward(x, w)
    r = w / w.sum()
    total = (r[:, None] * (x - r @ x) ** 2).sum()
    np.testing.assert_allclose(tree.heights.sum(), total, rtol=1e-10)
    assert np.all(np.diff(tree.heights) >= 0)
    # within inertia of the cut into k clusters = heights of all merges but the k - 1 last ones
    for k in (2, 4, 7):
        codes = cut_tree(tree, k)
        within = 0.0
        for g in range(k):
            m = codes == g
            c = np.average(x[m], axis=0, weights=w[m])
            within += (r[m][:, None] * (x[m] - c) ** 2).sum()
        np.testing.assert_allclose(within, tree.heights[: 120 - k].sum(), rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(5, 25), st.integers(1, 3)),
              elements=st.floats(-10, 10, allow_nan=False, width=32)),
       st.data())
def test_integer_weights_equal_repeated_rows(x, data):
    n = x.shape[0]
    w = np.array(data.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)), dtype=float)
    # generic offsets: distinct rows and no equal merge costs (ties make the tree ambiguous)
    x = x + np.sqrt(np.arange(2, n + 2))[:, None] * np.array([np.pi, np.e, np.sqrt(5)])[: x.shape[1]] * 1e-2
    tree = weighted_ward(x, w)
    rep = np.repeat(np.arange(n), w.astype(int))
    tree_rep = weighted_ward(x[rep], np.ones(rep.size))
    h_rep = tree_rep.heights[rep.size - n:]  # the n - 1 non-null merges come last
    np.testing.assert_allclose(tree_rep.heights[: rep.size - n], 0.0, atol=1e-12)
    np.testing.assert_allclose(tree.heights, h_rep, rtol=1e-8, atol=1e-10)
    gaps = np.diff(tree.heights)
    for k in range(2, min(n, 6)):
        if gaps[n - k - 1] > 1e-8 * max(tree.heights[-1], 1e-12):  # cut well defined
            assert _same_partition(cut_tree(tree, k)[rep], cut_tree(tree_rep, k))


def test_weighted_kmeans_does_not_increase_within_inertia():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0, 1, (60, 2)), rng.normal(3, 1, (60, 2))])
    w = rng.uniform(0.5, 2, 120)
    tree = weighted_ward(x, w)
    codes = cut_tree(tree, 3)

    def within(c):
        out = 0.0
        for g in np.unique(c):
            m = c == g
            out += (w[m][:, None] * (x[m] - np.average(x[m], axis=0, weights=w[m])) ** 2).sum()
        return out

    new, centers, _ = weighted_kmeans(x, w, codes.copy(), 3, max_iter=50)
    assert within(new) <= within(codes) + 1e-12
    # at convergence every row is closest to its own centre
    d2 = ((x[:, None, :] - centers[None]) ** 2).sum(axis=2)
    assert np.array_equal(np.argmin(d2, axis=1), new)
