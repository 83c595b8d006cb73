"""Weighted Ward hierarchical clustering (on the agnes routine) and k-means consolidation.

Mirrors what ``FactoMineR::HCPC`` builds with ``flashClust::hclust(method = "ward", members = w)``
on the dissimilarities ``d_ij = w_i w_j / (W (w_i + w_j)) ||x_i - x_j||^2`` (``W = sum w``): the
height of each merge is the Ward criterion, the loss of between-cluster inertia

    Delta(A, B) = w_A w_B / (W (w_A + w_B)) ||c_A - c_B||^2

with weighted centres ``c``. After a merge the Lance–Williams update with weights is

    Delta(K, A u B) = ((w_A + w_K) Delta(K, A) + (w_B + w_K) Delta(K, B) - w_K Delta(A, B))
                      / (w_A + w_B + w_K).

``scipy.cluster.hierarchy.linkage`` has no observation weights, hence this module. The
agglomeration itself is ``cluster::agnes``' stored-matrix Ward (:func:`._seq_kernels.agnes_ward`,
compiled with numba), the same routine as ``sequences.ward_tree``: one Ward in the package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist

from ._seq_kernels import agnes_ward

__all__ = ["WardTree", "cut_tree", "preclusters", "weighted_kmeans", "weighted_ward"]


@dataclass(frozen=True)
class WardTree:
    """A weighted Ward hierarchy.

    ``linkage`` is in scipy's format (merge ids ``n + i``; column 2 the height = inertia gain,
    column 3 the number of observations); ``weights`` the total weight of each merged cluster.
    """

    linkage: np.ndarray
    weights: np.ndarray
    n: int

    @property
    def heights(self) -> np.ndarray:
        return self.linkage[:, 2]


def weighted_ward(x: np.ndarray, w: np.ndarray) -> WardTree:
    """Weighted Ward hierarchy of the rows of ``x`` (n x p) with positive weights ``w``.

    Heights are in inertia units (divided by ``sum(w)``), so they add up to the total weighted
    inertia ``sum_i (w_i/W) ||x_i - xbar||^2``. Mirrors: ``flashClust::hclust(d, "ward", members=w)``
    on FactoMineR's HCPC dissimilarities.

    The agglomeration is the package's one Ward routine, ``cluster::agnes(method="ward")``
    (:func:`._seq_kernels.agnes_ward`, also behind ``sequences.ward_tree``): its update on the
    squared dissimilarities with masses ``w`` is the weighted Lance–Williams update above, so
    it runs on ``sqrt(Delta_ij)`` and the heights are squared back.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    n = x.shape[0]
    if n < 2:
        raise ValueError("weighted_ward: at least 2 rows are needed.")
    total = w.sum()
    d = cdist(x, x, "sqeuclidean")
    inv_w = 1.0 / w
    for start in range(0, n, 512):  # in place by blocks: no n x n temporaries
        block = d[start:start + 512]
        block /= (inv_w[start:start + 512, None] + inv_w[None, :]) * total
        np.sqrt(block, out=block)
    lo, hi, h = agnes_ward(d, w.copy())
    return _to_linkage(lo, hi, h * h, w, n)


def _to_linkage(lo: np.ndarray, hi: np.ndarray, h: np.ndarray, w: np.ndarray, n: int) -> WardTree:
    """Number the merges (slots ``lo``/``hi`` in merge order) as scipy does; the heights are
    made non-decreasing along the merge order (Ward's are, up to rounding)."""
    h = np.maximum.accumulate(h)
    parent = np.arange(n)
    cluster_id = np.arange(n)
    count = np.ones(n, dtype=np.int64)
    weight = w.astype(float).copy()
    z = np.empty((n - 1, 4))
    zw = np.empty(n - 1)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for k in range(n - 1):
        ra, rb = find(int(lo[k])), find(int(hi[k]))
        ia, ib = cluster_id[ra], cluster_id[rb]
        z[k] = (min(ia, ib), max(ia, ib), h[k], count[ra] + count[rb])
        zw[k] = weight[ra] + weight[rb]
        parent[rb] = ra
        count[ra] += count[rb]
        weight[ra] += weight[rb]
        cluster_id[ra] = n + k
    return WardTree(linkage=z, weights=zw, n=n)


def cut_tree(tree: WardTree, k: int) -> np.ndarray:
    """Cluster codes 0..k-1 (order of first appearance) from the first ``n - k`` merges."""
    n = tree.n
    parent = np.arange(2 * n - 1)
    for step in range(n - k):
        a, b = int(tree.linkage[step, 0]), int(tree.linkage[step, 1])
        parent[a] = n + step
        parent[b] = n + step
    # resolve roots by pointer jumping (vectorised)
    roots = parent.copy()
    while True:
        nxt = roots[roots]
        if np.array_equal(nxt, roots):
            break
        roots = nxt
    _, codes = np.unique(roots[:n], return_inverse=True)
    return codes


def weighted_kmeans(x: np.ndarray, w: np.ndarray, codes: np.ndarray, k: int,
                    max_iter: int = 10) -> tuple[np.ndarray, np.ndarray, int]:
    """Weighted k-means started from the weighted centres of ``codes``.

    Lloyd iterations (at most ``max_iter``), then Hartigan single-row transfers until no transfer
    lowers the weighted within sum of squares: moving row i (weight w_i) from A to B pays when
    ``W_B w_i/(W_B + w_i) d2(x_i, c_B) < W_A w_i/(W_A - w_i) d2(x_i, c_A)``. The result is a
    Hartigan–Wong-stable partition, as ``stats::kmeans`` (algorithm "Hartigan-Wong") that
    FactoMineR's HCPC uses, here with row weights. Returns (codes, centres, Lloyd iterations).
    """
    centers = _centers(x, w, codes, k)
    iters = 0
    for iters in range(1, max_iter + 1):  # noqa: B007 - iters is returned
        d2 = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        new = np.argmin(d2, axis=1)
        if np.array_equal(new, codes):
            break
        codes = new
        present = np.bincount(codes, minlength=k) > 0
        fresh = _centers(x, w, codes, k)
        centers = np.where(present[:, None], fresh, centers)
    codes, centers = _hartigan_transfers(x, w, codes.copy(), k)
    return codes, centers, iters


def _hartigan_transfers(x: np.ndarray, w: np.ndarray, codes: np.ndarray, k: int,
                        max_moves: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best-first single-row transfers while one lowers the weighted within sum of squares."""
    sw = np.bincount(codes, weights=w, minlength=k)
    c = _centers(x, w, codes, k)
    rows = np.arange(x.shape[0])
    for _ in range(max_moves if max_moves is not None else 10 * x.shape[0]):
        d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        own = d2[rows, codes]
        swa = sw[codes]
        with np.errstate(divide="ignore", invalid="ignore"):
            remove = np.where(swa > w * (1 + 1e-12), swa * w / (swa - w) * own, -np.inf)
            add = sw[None, :] * w[:, None] / (sw[None, :] + w[:, None]) * d2
        add[rows, codes] = np.inf
        best = add.argmin(axis=1)
        gain = remove - add[rows, best]
        i = int(np.argmax(gain))
        if not gain[i] > 1e-12 * remove[i]:
            break
        a, b = codes[i], best[i]
        c[a] = (sw[a] * c[a] - w[i] * x[i]) / (sw[a] - w[i])
        c[b] = (sw[b] * c[b] + w[i] * x[i]) / (sw[b] + w[i])
        sw[a] -= w[i]
        sw[b] += w[i]
        codes[i] = b
    return codes, _centers(x, w, codes, k)


def _centers(x: np.ndarray, w: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    sw = np.bincount(codes, weights=w, minlength=k)
    sums = np.stack([np.bincount(codes, weights=w * x[:, j], minlength=k)
                     for j in range(x.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / sw[:, None]


def _nearest_centre(x: np.ndarray, centres: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """Index of the nearest centre of each row (BLAS: ||c||^2 - 2 x.c, by row chunks)."""
    c2 = (centres**2).sum(axis=1)
    out = np.empty(x.shape[0], dtype=np.int64)
    for start in range(0, x.shape[0], chunk):
        block = x[start:start + chunk] @ centres.T
        np.multiply(block, -2.0, out=block)
        block += c2
        out[start:start + chunk] = np.argmin(block, axis=1)
    return out


def preclusters(x: np.ndarray, w: np.ndarray, k: int, n_init: int = 1, max_iter: int = 30,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted k-means into ``k`` groups (k-means++ seeding, best of ``n_init``).

    Returns (codes, centres, within inertia in units of ``sum(w)``). Plays the role of
    FactoMineR's ``kmeans(coord, centers = kk, iter.max = 100, nstart = 4)`` pre-clustering of
    ``HCPC(kk = ...)`` for large data, with weights (Lloyd iterations from k-means++ starts,
    stopped when at most 0.1 % of the rows change group).
    """
    if n_init < 1 or k < 1:
        raise ValueError(f"preclusters: need n_init >= 1 and k >= 1, got {n_init}, {k}.")
    rng = np.random.default_rng(seed)
    total = w.sum()
    best: tuple[np.ndarray, np.ndarray, float] = (np.zeros(0, dtype=np.int64), x[:0], np.inf)
    for _ in range(n_init):
        first = rng.choice(x.shape[0], p=w / total)
        centres = [x[first]]
        d2 = ((x - x[first]) ** 2).sum(axis=1)
        for _ in range(1, k):
            prob = w * d2
            if prob.sum() <= 0:
                break
            nxt = rng.choice(x.shape[0], p=prob / prob.sum())
            centres.append(x[nxt])
            d2 = np.minimum(d2, ((x - x[nxt]) ** 2).sum(axis=1))
        c = np.array(centres)
        codes = np.full(x.shape[0], -1)
        for _ in range(max_iter):
            new = _nearest_centre(x, c)
            changed = int((new != codes).sum())
            codes = new
            if changed <= x.shape[0] // 1000:  # stop when at most 0.1 % of the rows move
                break
            present = np.bincount(codes, minlength=len(c)) > 0
            c = np.where(present[:, None], _centers(x, w, codes, len(c)), c)
        keep = np.flatnonzero(np.bincount(codes, minlength=len(c)) > 0)
        remap = np.full(len(c), -1)
        remap[keep] = np.arange(keep.size)
        codes, c = remap[codes], c[keep]
        within = float((w * ((x - c[codes]) ** 2).sum(axis=1)).sum() / total)
        if within < best[2]:
            best = (codes, c, within)
    return best
