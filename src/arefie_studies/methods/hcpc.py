"""Hierarchical clustering on principal components (the MCA typology).

Mirrors: ``FactoMineR::HCPC(res.mca, nb.clust, consol, iter.max = 10, min = 3, max = NULL,
nb.par = 5, proba = 0.05, order = TRUE)`` (FactoMineR 2.7):

1. weighted Ward clustering of the rows on their coordinates on the kept MCA axes, with the MCA
   row weights (merge height = loss of between inertia, see :mod:`._ward`); rows are first sorted
   by their Dim 1 coordinate (``order = TRUE``; this only matters for ties);
2. the cut: ``n_clusters`` given, or FactoMineR's rule — with ``W(k)`` the within inertia of the
   partition in ``k`` clusters, choose ``k`` in ``[min_clusters, max_clusters]`` minimising
   ``W(k) / W(k - 1)``; ``max_clusters`` defaults to ``min(10, round(n / 2))``;
3. optional k-means consolidation started from the cluster centres (Lloyd steps, then Hartigan
   transfers: a Hartigan–Wong-stable partition as ``stats::kmeans``);
4. clusters numbered 1..k by increasing centre on Dim 1;
5. description: :func:`catdes` of the analysed variables and of the axes, paragons (rows closest
   to their cluster centre) and specific rows (farthest from the other centres).

Differences from FactoMineR (only visible with unequal row weights):
centres, consolidation and the numbering use weighted means (FactoMineR uses unweighted centres
and ``stats::kmeans``, i.e. Hartigan–Wong without weights; ``weighted_consolidation=False``
reproduces its consolidation). With equal weights the tree, the cut, the consolidated partition
and the descriptions are FactoMineR's. Rows with weight 0 do not enter the tree; they join the
nearest centre.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._catdes import CatDes, catdes
from ._mca_errors import HCPCInputError
from ._ward import WardTree, cut_tree, preclusters, weighted_kmeans, weighted_ward
from .mca import MCA

__all__ = ["HCPC"]

_MAX_TREE_ROWS = 20_000  # 20,000^2 doubles = 3.2 GB


class HCPC:
    """Ward typology of the rows of a fitted :class:`MCA` (computed on construction).

    Parameters
    ----------
    mca: a fitted MCA.
    n_clusters: number of clusters, or None for FactoMineR's automatic cut.
    consolidate: k-means consolidation after the cut (FactoMineR ``consol``).
    min_clusters, max_clusters: search range of the automatic cut (``min``, ``max``).
    max_iter: k-means iterations (``iter.max``).
    proba: significance threshold of the descriptions (``proba``).
    n_paragons: rows listed per cluster as paragons and specific rows (``nb.par``).
    kk: when the number of rows exceeds ``kk``, the tree is built on the ``kk`` centres of a
        weighted k-means pre-clustering (FactoMineR ``kk``; no consolidation then). Needed above
        20,000 rows (the tree keeps an n x n matrix).
    random_state: seed of the pre-clustering's k-means++ starts.
    weighted_consolidation: k-means with the row weights (default). ``False`` ignores them in the
        consolidation, as FactoMineR does (``stats::kmeans`` has no weights) — for conformance
        checks against R with weighted data.

    Attributes
    ----------
    labels_: Series of clusters 1..k, index of the MCA rows.
    n_clusters_: k.
    tree_: the :class:`WardTree` (``linkage`` in scipy format, leaves = ``tree_rows_``).
    inertia_gain_: Series, loss of between inertia of the merges from the top (``inert.gain``).
    within_inertia_: Series indexed by k: within inertia of the partition in k clusters.
    criterion_: Series indexed by k in the search range: ``W(k)/W(k-1)`` (``quot``).
    centers_: weighted cluster centres on the kept axes (DataFrame, index 1..k).
    sizes_: DataFrame ``n`` (rows) and ``weight`` per cluster.
    catdes_: :class:`CatDes` of the analysed variables (``desc.var``).
    axes_description_: :class:`CatDes` of the axes (``desc.axes``).
    paragons_, specific_: DataFrames ``cluster, rank, row, distance`` (``desc.ind$para``/``$dist``).
    between_inertia_before_, between_inertia_: between inertia of the cut tree and of the final
        partition (``bw.before.consol``, ``bw.after.consol``).
    consolidated_: whether the k-means consolidation ran.
    leaf_clusters_: final cluster of each leaf of ``tree_`` (rows, or pre-clusters with ``kk``).
    preclusters_: with ``kk``, the pre-cluster of each row (Series), else None.

    Examples
    --------
    >>> hc = HCPC(mca)                        # automatic cut, consolidated  # doctest: +SKIP
    >>> hc.labels_.value_counts()             # clusters 1..k                # doctest: +SKIP
    >>> hc.catdes_.category.query("cluster == 1").head()                     # doctest: +SKIP
    >>> HCPC(mca, n_clusters=3, consolidate=False).sizes_  # tea: 172 100 28  # doctest: +SKIP
    """

    def __init__(self, mca: MCA, n_clusters: int | None = None, consolidate: bool = True,
                 min_clusters: int = 3, max_clusters: int | None = None, max_iter: int = 10,
                 proba: float = 0.05, n_paragons: int = 5, kk: int | None = None,
                 random_state: int = 0, weighted_consolidation: bool = True) -> None:
        if not isinstance(mca, MCA):
            raise HCPCInputError(f"HCPC: `mca` must be a fitted MCA, got {type(mca).__name__}.")
        if not hasattr(mca, "row_coordinates_"):
            raise HCPCInputError("HCPC: the MCA is not fitted; call `MCA(...).fit(df)` first.")
        self.mca = mca
        self.n_clusters = n_clusters
        self.consolidate = consolidate
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.max_iter = max_iter
        self.proba = proba
        self.n_paragons = n_paragons
        self.kk = kk
        self.random_state = random_state
        self.weighted_consolidation = weighted_consolidation
        if kk is not None and (not isinstance(kk, int | np.integer) or kk < 2):
            raise HCPCInputError(f"HCPC: `kk` must be an integer >= 2 or None, got {kk!r}.")
        self._run()

    def _run(self) -> None:
        coords = self.mca.row_coordinates_
        x_all = coords.to_numpy()
        w_all = self.mca.row_weights_.to_numpy()
        pos = np.flatnonzero(w_all > 0)
        n = pos.size
        if n < 2:
            raise HCPCInputError("HCPC: fewer than 2 rows with a positive weight.")
        # FactoMineR order = TRUE: sort the rows by Dim 1 before the tree (stable)
        order = pos[np.argsort(x_all[pos, 0], kind="stable")]
        x, w = x_all[order], w_all[order]
        use_kk = self.kk is not None and n > self.kk
        if use_kk:  # FactoMineR kk: Ward on the centres of a k-means pre-clustering
            groups, gx, pre_within = preclusters(x, w, int(self.kk), seed=self.random_state)
            gw = np.bincount(groups, weights=w, minlength=gx.shape[0])
            gorder = np.argsort(gx[:, 0], kind="stable")
            rank_g = np.empty_like(gorder)
            rank_g[gorder] = np.arange(gorder.size)
            groups, gx, gw = rank_g[groups], gx[gorder], gw[gorder]
        else:
            groups, gx, gw, pre_within = np.arange(n), x, w, 0.0
        leaves = gx.shape[0]
        if leaves > _MAX_TREE_ROWS:
            raise HCPCInputError(
                f"HCPC: {leaves} rows would need a {leaves**2 * 8 / 1e9:.1f} GB dissimilarity "
                f"matrix. Hint: pass `kk` (e.g. kk=2000) to build the tree on the centres of a "
                "k-means pre-clustering, as FactoMineR's HCPC(kk = ...).")
        if leaves < 2:
            raise HCPCInputError("HCPC: fewer than 2 distinct groups to cluster.")
        tree = weighted_ward(gx, gw)
        gains = tree.heights[::-1].copy()
        # within[k-1] = W(k), within inertia of the partition in k clusters, k = 1..leaves
        within = np.cumsum(np.append(gains, pre_within)[::-1])[::-1]
        n = leaves
        max_k = self.max_clusters if self.max_clusters is not None else min(10, round(n / 2))
        max_k = min(max_k, n - 1)
        min_k = self.min_clusters
        if self.n_clusters is None:
            if not (2 <= min_k <= max_k):
                raise HCPCInputError(f"HCPC: need 2 <= min_clusters <= max_clusters for the "
                                     f"automatic cut, got min_clusters={min_k}, max_clusters={max_k} "
                                     f"(n = {n} rows). Hint: pass `n_clusters`.")
            ks = np.arange(min_k, max_k + 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                quot = within[ks - 1] / within[ks - 2]
            k = int(ks[np.nanargmin(quot)])
            self.criterion_ = pd.Series(quot, index=pd.Index(ks, name="k"), name="W(k)/W(k-1)")
        else:
            k = self.n_clusters
            if not isinstance(k, int | np.integer) or not (1 <= k <= n):
                raise HCPCInputError(f"HCPC: `n_clusters` must be an integer in [1, {n}] (rows with "
                                     f"positive weight), got {k!r}.")
            k = int(k)
            self.criterion_ = pd.Series(dtype=float, name="W(k)/W(k-1)")
        codes = cut_tree(tree, k)[groups]
        self.between_inertia_before_ = float(gains[: k - 1].sum())
        iterations = 0
        self.consolidated_ = bool(self.consolidate and k > 1 and not use_kk)
        if self.consolidate and use_kk:
            warnings.warn("HCPC: no consolidation when `kk` is used (as FactoMineR's HCPC).",
                          UserWarning, stacklevel=3)
        if self.consolidated_:
            kw = w if self.weighted_consolidation else np.ones_like(w)
            codes, _, iterations = weighted_kmeans(x, kw, codes, k, self.max_iter)
        # all rows (zero weights join the nearest centre), then renumber by centre on Dim 1
        centers = _weighted_centers(x, w, codes, k)
        labels = np.empty(x_all.shape[0], dtype=np.int64)
        labels[order] = codes
        zero = np.flatnonzero(w_all <= 0)
        if zero.size:
            d2 = ((x_all[zero, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
            labels[zero] = np.argmin(d2, axis=1)
        rank = np.argsort(np.argsort(centers[:, 0], kind="stable"), kind="stable")
        labels = rank[labels] + 1
        centers = centers[np.argsort(centers[:, 0], kind="stable")]
        index = coords.index
        self.labels_ = pd.Series(labels, index=index, name="cluster")
        self.n_clusters_ = k
        self.consolidation_iterations_ = iterations
        self.tree_: WardTree = tree
        self.tree_rows_ = (pd.Index([f"groupe {i + 1}" for i in range(leaves)]) if use_kk
                           else index[order])
        row_labels = labels[order]
        leaf_labels = np.zeros(leaves, dtype=np.int64)
        leaf_labels[groups] = row_labels  # with kk every row of a group has the group's cluster
        self.leaf_clusters_ = leaf_labels
        self.preclusters_ = None  # pre-clustering group of each row (0: weight 0), with kk
        if use_kk:
            g_all = np.zeros(x_all.shape[0], dtype=np.int64)
            g_all[order] = groups + 1
            self.preclusters_ = pd.Series(g_all, index=index, name="group")
        self.inertia_gain_ = pd.Series(gains, index=pd.RangeIndex(1, n), name="inertia gain")
        self.within_inertia_ = pd.Series(within, index=pd.RangeIndex(1, n + 1, name="k"),
                                         name="within inertia")
        self.centers_ = pd.DataFrame(centers, index=pd.RangeIndex(1, k + 1, name="cluster"),
                                     columns=coords.columns)
        sw = np.bincount(labels - 1, weights=w_all, minlength=k)
        total_w = w_all.sum()
        self.between_inertia_ = float((sw / total_w * (centers**2).sum(axis=1)).sum()
                                      - ((w_all @ x_all / total_w) ** 2).sum())
        self.sizes_ = pd.DataFrame({"n": np.bincount(labels - 1, minlength=k), "weight": sw},
                                   index=self.centers_.index)
        self._describe(x_all, w_all, labels, centers, index)

    def _describe(self, x_all, w_all, labels, centers, index) -> None:
        cluster = pd.Series(labels, index=index)
        self.catdes_: CatDes = catdes(self.mca.data_, cluster.to_numpy(), w_all, self.proba)
        self.axes_description_: CatDes = catdes(self.mca.row_coordinates_, cluster.to_numpy(),
                                                w_all, self.proba)
        d = np.sqrt(((x_all[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
        k = centers.shape[0]
        own = d[np.arange(len(labels)), labels - 1]
        other = np.where(np.arange(k)[None, :] == (labels - 1)[:, None], np.inf, d).min(axis=1)
        frame = pd.DataFrame({"cluster": labels, "row": index, "own": own, "other": other})
        para = frame.sort_values(["cluster", "own"], kind="stable").groupby("cluster").head(
            self.n_paragons)
        self.paragons_ = (para.assign(rank=para.groupby("cluster").cumcount() + 1)
                          .rename(columns={"own": "distance"})
                          [["cluster", "rank", "row", "distance"]].reset_index(drop=True))
        spec = frame.sort_values(["cluster", "other"], ascending=[True, False],
                                 kind="stable").groupby("cluster").head(self.n_paragons)
        self.specific_ = (spec.assign(rank=spec.groupby("cluster").cumcount() + 1)
                          .rename(columns={"other": "distance"})
                          [["cluster", "rank", "row", "distance"]].reset_index(drop=True))


def _weighted_centers(x: np.ndarray, w: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    sw = np.bincount(codes, weights=w, minlength=k)
    sums = np.stack([np.bincount(codes, weights=w * x[:, j], minlength=k)
                     for j in range(x.shape[1])], axis=1)
    return sums / sw[:, None]
