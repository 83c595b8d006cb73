"""Clustering on a dissimilarity matrix: Ward (as cluster::agnes), PAM, cluster quality (ASW).

Public names are re-exported by ``arefie_studies.methods.sequences``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from arefie_studies.methods import _seq_kernels as _k
from arefie_studies.methods._seq_errors import SequenceDataError

__all__ = [
    "PamResult",
    "WardTree",
    "adjusted_rand_index",
    "cluster_quality",
    "pam",
    "silhouette",
    "ward_tree",
]


def _check_dist(dist, name: str = "dist") -> np.ndarray:
    d = np.asarray(dist, dtype=float)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise SequenceDataError(f"{name}: expected a square (n, n) matrix, got shape {d.shape}.")
    if not np.all(np.isfinite(d)):
        raise SequenceDataError(f"{name}: the dissimilarities contain NaN or infinite values.")
    # symmetry on a sample of entries (a full check would copy the n x n matrix)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, d.shape[0], size=(2, min(d.size, 20000)))
    tol = 1e-10 * max(1.0, float(np.abs(d[i, j]).max(initial=0)))
    if d.size and (np.abs(d[i, j] - d[j, i]).max() > tol or np.abs(np.diag(d)).max() > tol):
        raise SequenceDataError(f"{name}: the matrix is not symmetric with a zero diagonal.")
    return d


def _check_w(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise SequenceDataError(f"weights: expected {n} weights, got shape {w.shape}.")
    if np.any(~np.isfinite(w)) or np.any(w <= 0):
        bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))[:10]
        raise SequenceDataError(f"weights: must be finite and > 0; bad at positions {list(bad)}.")
    return w


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 1..k in order of first appearance (as R's cutree)."""
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(1, len(first) + 1)
    return rank[inv.ravel()]


@dataclass(frozen=True)
class WardTree:
    """A Ward hierarchy. ``merges`` (n−1, 2) starting-slot pairs in merge order, ``heights``."""

    merges: np.ndarray
    heights: np.ndarray
    n: int

    def cut(self, k: int) -> np.ndarray:
        """Cluster of each row (1..k, numbered by first appearance as ``stats::cutree``)."""
        if not isinstance(k, int | np.integer) or not 1 <= k <= self.n:
            raise SequenceDataError(f"k: expected an integer in 1..{self.n}, got {k!r}.")
        parent = np.arange(self.n)

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        # as cutree on as.hclust(agnes): keep the first n − k merges in merge order.
        for a, b in self.merges[: self.n - k]:
            ra, rb = find(int(a)), find(int(b))
            parent[max(ra, rb)] = min(ra, rb)
        roots = np.array([find(i) for i in range(self.n)])
        return _first_appearance(roots)

    def linkage(self) -> np.ndarray:
        """scipy-style linkage matrix (for ``scipy.cluster.hierarchy.dendrogram``)."""
        order = np.arange(self.n - 1)
        cid = np.arange(self.n)
        size = np.ones(self.n)
        z = np.zeros((self.n - 1, 4))
        for i, s in enumerate(order):
            a, b = self.merges[s]
            ca, cb = cid[a], cid[b]
            z[i] = [min(ca, cb), max(ca, cb), self.heights[s], size[a] + size[b]]
            size[a] += size[b]
            cid[a] = self.n + i
        return z


def ward_tree(dist, weights=None) -> WardTree:
    """Ward hierarchical clustering of a dissimilarity matrix.

    Mirrors ``cluster::agnes(diss, diss=TRUE, method="ward")`` (which is
    ``hclust(method="ward.D2")``: Lance–Williams on squared dissimilarities) step by step,
    including its tie rule, so partitions match R even on data with many equal distances
    (duplicated sequences). The agglomeration is the package's one Ward routine
    (:func:`._seq_kernels.agnes_ward`, also behind ``HCPC``).

    ``weights`` (sampling or frequency weights) start each row as a cluster of mass w_i with
    d(i, j) = sqrt(2 w_i w_j / (w_i + w_j)) · D_ij, the Ward distance between w_i and w_j
    copies: integer weights give the same tree as replicated rows (merges at height 0 aside).
    """
    d = _check_dist(dist)
    n = d.shape[0]
    if n < 2:
        raise SequenceDataError("dist: need at least 2 rows to cluster.")
    w = _check_w(weights, n)
    d0 = np.array(d, dtype=float, order="C", copy=True)
    if weights is not None:
        d0 = d0 * np.sqrt(2 * np.outer(w, w) / np.add.outer(w, w))
    ma, mb, hh = _k.agnes_ward(d0, w.astype(float))
    return WardTree(np.column_stack([ma, mb]), hh, n)


@dataclass(frozen=True)
class PamResult:
    """PAM partition: ``labels`` (1..k, medoid order), ``medoids`` (row positions), ``cost``."""

    labels: np.ndarray
    medoids: np.ndarray
    cost: float


def pam(dist, k: int, weights=None, medoids=None, max_iter: int = 1000) -> PamResult:
    """Partitioning around medoids (weighted), as ``cluster::pam`` / ``WeightedCluster::wcKMedoids``.

    Minimises Σ_i w_i d(i, m(i)) over k medoids. BUILD: first medoid minimises Σ_j w_j d(j, i),
    then each next maximises the weighted gain Σ_j w_j max(D_j − d(j, i), 0); SWAP: the best
    (medoid, non-medoid) exchange while it lowers the cost. ``medoids`` (positions) skips BUILD.
    Labels: cluster c is the medoid ``medoids[c-1]`` (medoids sorted by position).
    """
    d = _check_dist(dist)
    n = d.shape[0]
    if not isinstance(k, int | np.integer) or not 1 <= k < n:
        raise SequenceDataError(f"k: expected an integer in 1..{n - 1}, got {k!r}.")
    w = _check_w(weights, n)
    if medoids is None:
        meds = [int(np.argmin(w @ d))]
        near = d[:, meds[0]].copy()
        for _ in range(1, k):
            gain = w @ np.maximum(near[:, None] - d, 0.0)
            gain[meds] = -np.inf
            i = int(np.argmax(gain))
            meds.append(i)
            near = np.minimum(near, d[:, i])
        med = np.array(meds, dtype=np.int64)
    else:
        med = np.asarray(medoids, dtype=np.int64)
        if med.shape != (k,) or len(set(med.tolist())) != k or med.min() < 0 or med.max() >= n:
            raise SequenceDataError(f"medoids: expected {k} distinct row positions in 0..{n - 1}.")
    med = _k.pam_swap(np.ascontiguousarray(d), w, med.copy(), max_iter)
    med = np.sort(med)
    lab = np.argmin(d[:, med], axis=1)
    lab[med] = np.arange(k)  # a medoid belongs to its own cluster
    cost = float(w @ d[np.arange(n), med[lab]])
    return PamResult(lab + 1, med, cost)


def silhouette(dist, labels, weights=None) -> pd.DataFrame:
    """Weighted silhouette of each row, as ``WeightedCluster::wcSilhouetteObs``.

    a_i = Σ_{j∈C(i), j≠i} w_j d_ij / (W_C − 1) (ASW; 0 if W_C ≤ 1) and, for ``ASWw``,
    divided by W_C; b_i = min over other clusters l of Σ_{j∈l} w_j d_ij / W_l;
    s_i = (b_i − a_i) / max(a_i, b_i). With unit weights ``asw`` is ``cluster::silhouette``
    (except singletons: 1 here as WeightedCluster, 0 in cluster::silhouette).
    Returns columns ``cluster, asw, asww``.
    """
    d = _check_dist(dist)
    n = d.shape[0]
    return _silhouette(d, np.asarray(labels), _check_w(weights, n))


def _silhouette(d: np.ndarray, lab: np.ndarray, w: np.ndarray) -> pd.DataFrame:
    n = d.shape[0]
    if lab.shape != (n,):
        raise SequenceDataError(f"labels: expected {n} labels, got shape {lab.shape}.")
    levels, g = np.unique(lab, return_inverse=True)
    g = g.ravel()
    k = len(levels)
    if k < 2:
        raise SequenceDataError("labels: the silhouette needs at least 2 clusters.")
    onehot = np.zeros((n, k))
    onehot[np.arange(n), g] = w
    sums = d @ onehot  # (n, k): Σ_j w_j d_ij by cluster (d_ii = 0)
    size = onehot.sum(axis=0)
    own = sums[np.arange(n), g]
    other = sums / size
    other[np.arange(n), g] = np.inf
    b = other.min(axis=1)
    ws = size[g]
    a = np.where(ws <= 1.0, 0.0, own / np.where(ws <= 1.0, 1.0, ws - 1.0))
    aw = own / ws
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
        sw = (b - aw) / np.maximum(aw, b)
    return pd.DataFrame({"cluster": lab, "asw": s, "asww": sw})


def cluster_quality(dist, labels, weights=None) -> pd.Series:
    """Partition quality as ``WeightedCluster::wcClusterQuality``: ASW, ASWw, R2, HC-free subset.

    ASW / ASWw = Σ w_i s_i / Σ w_i (see :func:`silhouette`); R2 = 1 − SS_within / SS_total with
    the weighted discrepancy SS = Σ_{i<j} w_i w_j d_ij / W (per cluster for SS_within);
    R2sq the same on squared dissimilarities.
    """
    d = _check_dist(dist)
    n = d.shape[0]
    w = _check_w(weights, n)
    sil = _silhouette(d, np.asarray(labels), w)
    _, g = np.unique(np.asarray(labels), return_inverse=True)
    g = g.ravel()
    onehot = np.zeros((n, g.max() + 1))
    onehot[np.arange(n), g] = w
    size = onehot.sum(axis=0)

    def ss(power: int) -> tuple[float, float]:
        m = onehot.T @ ((d if power == 1 else d * d) @ onehot)  # Σ_{i∈a, j∈b} w_i w_j d_ij^p
        tot = float(m.sum()) / 2 / w.sum()
        within = float((np.diag(m) / size).sum()) / 2
        return tot, within

    t1, w1 = ss(1)
    t2, w2 = ss(2)
    return pd.Series(
        {
            "ASW": float(w @ sil["asw"]) / w.sum(),
            "ASWw": float(w @ sil["asww"]) / w.sum(),
            "R2": 1 - w1 / t1,
            "R2sq": 1 - w2 / t2,
            "k": int(g.max() + 1),
        }
    )


def adjusted_rand_index(a, b) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) between two partitions of the same rows."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise SequenceDataError(f"partitions of different lengths: {a.shape} vs {b.shape}.")
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    ia, ib = ia.ravel(), ib.ravel()
    table = np.zeros((ia.max() + 1, ib.max() + 1))
    np.add.at(table, (ia, ib), 1)

    def c2(x):
        return (x * (x - 1) / 2).sum()

    s = c2(table)
    sa, sb = c2(table.sum(axis=1)), c2(table.sum(axis=0))
    exp = sa * sb / c2(np.array([a.size]))
    mx = (sa + sb) / 2
    return float((s - exp) / (mx - exp)) if mx != exp else 1.0
