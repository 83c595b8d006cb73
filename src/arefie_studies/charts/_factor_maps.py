"""Charts of an MCA and its HCPC typology (matplotlib): scree, factor maps, clusters, dendrogram.

French labels for partners (« Dim 1 (12,3 %) », « Classe 1 »). Every function draws on ``ax`` (a
new figure when None) and returns the Axes. Category labels are pushed apart by a small
repulsion in display space (:func:`repel_labels`) so that they do not overlap badly.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy.cluster.hierarchy import dendrogram

from ..methods import cut_tree
from ..tables import fmt_num, fmt_pct
from ._style import GREY, PALETTE, apply_house_style, house_style

__all__ = [
    "axis_label",
    "category_map",
    "cluster_map",
    "dendrogram_plot",
    "repel_labels",
    "scree_plot",
    "total_overlap",
]

_PALETTE = list(PALETTE)


def axis_label(mca, dim: int) -> str:
    """« Dim k (x,y %) »: the dimension and its share of inertia (French format, house style)."""
    pct = float(mca.eigenvalues_["% of variance"].iloc[dim - 1])
    return f"Dim {dim} ({fmt_pct(pct, 1, scale=1)})"


def _new_ax(ax: Axes | None, size=(7.0, 6.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _check_axes(mca, axes: Sequence[int]) -> tuple[int, int]:
    a, b = (int(v) for v in axes)
    k = mca.n_components_
    if not (1 <= a <= k and 1 <= b <= k) or a == b:
        raise ValueError(f"`axes` must be two distinct dimensions among 1..{k} (the MCA kept "
                         f"n_components={k}), got {tuple(axes)}.")
    return a, b




def _origin_lines(ax: Axes) -> None:
    apply_house_style(ax, grid="none")
    ax.axhline(0, color="#999999", lw=0.8, ls="--", zorder=0)
    ax.axvline(0, color="#999999", lw=0.8, ls="--", zorder=0)


# --------------------------------------------------------------------------- scree
@house_style()  # a contextmanager is also a decorator: rcParams restored after each call
def scree_plot(mca, n_dims: int | None = None, ax: Axes | None = None,
               corrected: str | None = None) -> Axes:
    """Bars of the share of inertia of each dimension (« Valeurs propres »).

    ``corrected="benzecri"|"greenacre"`` plots the corrected rates instead.
    """
    ax = _new_ax(ax, (7.0, 4.0))
    if corrected is None:
        pct = mca.eigenvalues_["% of variance"]
        title = "Part d'inertie par dimension"
    else:
        pct = mca.corrected_inertia(corrected)["% of variance"]
        title = f"Part d'inertie corrigée ({'Benzécri' if corrected == 'benzecri' else 'Greenacre'})"
    n_dims = len(pct) if n_dims is None else min(n_dims, len(pct))
    values = pct.to_numpy()[:n_dims]
    x = np.arange(1, n_dims + 1)
    ax.bar(x, values, color=_PALETTE[0], width=0.7)
    ax.plot(x, values, color=_PALETTE[1], marker="o", lw=1.2)
    ax.set_xticks(x)
    ax.set_xlabel("Dimension")
    ax.set_ylabel("Part d'inertie (%)")
    ax.set_title(title)
    apply_house_style(ax, grid="y")
    for xi, v in zip(x, values, strict=True):
        ax.annotate(fmt_num(v, 1), (xi, v), textcoords="offset points", xytext=(0, 3), ha="center",
                    fontsize=8)
    return ax


# --------------------------------------------------------------------------- label repulsion
def _overlap(boxes: np.ndarray) -> np.ndarray:
    """Pairwise overlap (dx, dy) of boxes (x0, y0, x1, y1); zero where they do not overlap."""
    ox = np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(boxes[:, None, 0],
                                                                       boxes[None, :, 0])
    oy = np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(boxes[:, None, 1],
                                                                       boxes[None, :, 1])
    both = (ox > 0) & (oy > 0)
    np.fill_diagonal(both, False)
    return np.where(both, ox, 0.0), np.where(both, oy, 0.0)


def total_overlap(texts) -> float:
    """Sum of the pairwise overlapping areas (pixels^2) of matplotlib texts (drawn figure)."""
    if len(texts) < 2:
        return 0.0
    fig = texts[0].figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = np.array([t.get_window_extent(renderer).extents for t in texts])
    ox, oy = _overlap(boxes)
    return float((ox * oy).sum() / 2)


def repel_labels(ax: Axes, texts, anchors: np.ndarray, n_iter: int = 500, pad: float = 1.5,
                 leader: bool = True) -> None:
    """Move text labels apart (display space) while pulling them towards their anchor points.

    A simple vectorised relaxation: at each step each overlapping pair is pushed apart along its
    shorter overlap direction; a weak spring brings labels back to their points. Leader lines
    join labels that moved more than a few pixels to their points.
    """
    if len(texts) < 2:
        return
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    trans = ax.transData
    boxes = np.array([t.get_window_extent(renderer).extents for t in texts])
    boxes[:, :2] -= pad
    boxes[:, 2:] += pad
    half = np.column_stack([(boxes[:, 2] - boxes[:, 0]) / 2, (boxes[:, 3] - boxes[:, 1]) / 2])
    anchor_px = trans.transform(anchors)
    centre0 = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
    offset0 = centre0 - anchor_px  # text alignment offset relative to its point
    centre = centre0.copy()
    rng = np.random.default_rng(0)
    jitter = rng.normal(scale=1e-3, size=centre.shape)
    centre += jitter
    for it in range(n_iter):
        b = np.column_stack([centre - half, centre + half])
        ox, oy = _overlap(b)
        if not ox.any():
            break
        diff = centre[:, None, :] - centre[None, :, :]
        sx = np.sign(diff[..., 0])
        sy = np.sign(diff[..., 1])
        sx[sx == 0] = 1.0
        sy[sy == 0] = 1.0
        move_x = np.where(ox < oy * 2, ox * sx, 0.0)  # wide labels: prefer vertical moves
        move_y = np.where(ox < oy * 2, 0.0, oy * sy)
        push = np.column_stack([move_x.sum(axis=1), move_y.sum(axis=1)]) * 0.5
        spring = (anchor_px + offset0 - centre) * 0.01 * (1 - it / n_iter)  # fades out
        centre = centre + push + spring
    new_anchor_px = centre - offset0
    inv = trans.inverted()
    new_pos = inv.transform(new_anchor_px)
    for t, pos, a, moved in zip(texts, new_pos, anchors,
                                np.hypot(*(new_anchor_px - anchor_px).T), strict=True):
        t.set_position(pos)
        if leader and moved > 6:
            ax.plot([a[0], pos[0]], [a[1], pos[1]], color="#aaaaaa", lw=0.5, zorder=1)


# --------------------------------------------------------------------------- factor maps
@house_style()
def category_map(mca, axes: Sequence[int] = (1, 2), ax: Axes | None = None,
                 variables: Sequence[str] | None = None, supplementary: bool = True,
                 min_contribution: float | None = None, repel: bool = True,
                 fontsize: float = 8) -> Axes:
    """Factor map of the categories, coloured by variable; supplementary ones in italics.

    ``min_contribution`` (in %) keeps the active categories whose contribution to one of the two
    axes reaches it (the usual way to unclutter a map with many categories).
    """
    a, b = _check_axes(mca, axes)
    ax = _new_ax(ax)
    ca, cb = f"Dim {a}", f"Dim {b}"
    coords = mca.category_coordinates_[[ca, cb]].assign(
        variable=mca.categories_["variable"].to_numpy(), sup=False)
    if min_contribution is not None:
        ctr = mca.category_contributions_[[ca, cb]].max(axis=1)
        coords = coords[ctr >= min_contribution]
    if supplementary and len(mca.quali_sup_coordinates_):
        sup = mca.quali_sup_coordinates_[[ca, cb]].assign(
            variable=mca._prep.sup_categories["variable"].to_numpy(), sup=True)
        coords = pd.concat([coords, sup])
    if variables is not None:
        unknown = sorted(set(variables) - set(coords["variable"]))
        if unknown:
            raise ValueError(f"category_map: `variables` {unknown} are not in the MCA; available: "
                             f"{sorted(set(coords['variable']))}.")
        coords = coords[coords["variable"].isin(variables)]
    var_order = list(dict.fromkeys(coords["variable"]))
    colour = {v: _PALETTE[i % len(_PALETTE)] for i, v in enumerate(var_order)}
    texts = []
    for (label, row) in coords.iterrows():
        c = colour[row["variable"]]
        ax.scatter(row[ca], row[cb], color=c, marker="^" if row["sup"] else "o", s=18, zorder=3)
        texts.append(ax.text(row[ca], row[cb], f" {label}", color=c, fontsize=fontsize,
                             style="italic" if row["sup"] else "normal", va="center", zorder=4))
    _origin_lines(ax)
    ax.set_xlabel(axis_label(mca, a))
    ax.set_ylabel(axis_label(mca, b))
    ax.set_title("Carte des modalités")
    ax.margins(0.12)
    if repel and texts:
        repel_labels(ax, texts, coords[[ca, cb]].to_numpy(dtype=float))
    return ax


@house_style()
def cluster_map(hcpc, axes: Sequence[int] = (1, 2), ax: Axes | None = None,
                show_centers: bool = True, point_size: float = 10) -> Axes:
    """Rows on the factor map coloured by cluster (« Classe k »), with the cluster centres."""
    mca = hcpc.mca
    a, b = _check_axes(mca, axes)
    ax = _new_ax(ax)
    ca, cb = f"Dim {a}", f"Dim {b}"
    xy = mca.row_coordinates_[[ca, cb]].to_numpy()
    labels = hcpc.labels_.to_numpy()
    for k in range(1, hcpc.n_clusters_ + 1):
        m = labels == k
        colour = _PALETTE[(k - 1) % len(_PALETTE)]
        ax.scatter(xy[m, 0], xy[m, 1], s=point_size, color=colour, alpha=0.6,
                   label=f"Classe {k} ({int(m.sum())})", zorder=2)
        if show_centers:
            cx, cy = hcpc.centers_.loc[k, ca], hcpc.centers_.loc[k, cb]
            ax.scatter(cx, cy, s=120, color=colour, edgecolor="black", marker="s", zorder=4)
            ax.annotate(f"Classe {k}", (cx, cy), textcoords="offset points", xytext=(6, 6),
                        fontsize=9, fontweight="bold", color=colour, zorder=5)
    _origin_lines(ax)
    ax.set_xlabel(axis_label(mca, a))
    ax.set_ylabel(axis_label(mca, b))
    ax.set_title("Individus par classe")
    ax.legend(frameon=False, fontsize=8, loc="best")
    return ax


def _link_colours(hcpc, cut: float) -> list[str]:
    """Colour of each tree node: its cluster's colour below the cut, grey above.

    The tree's clusters (before consolidation) take the colour of the final cluster most of their
    rows belong to."""
    tree = hcpc.tree_
    n, z = tree.n, tree.linkage
    codes = cut_tree(tree, hcpc.n_clusters_)
    final = hcpc.leaf_clusters_
    majority = pd.crosstab(codes, final).idxmax(axis=1).to_numpy()
    leaf = np.arange(2 * n - 1)
    for i in range(n - 1):
        leaf[n + i] = leaf[int(z[i, 0])]
    colours = [_PALETTE[(majority[codes[leaf[node]]] - 1) % len(_PALETTE)] for node in range(2 * n - 1)]
    for i in range(n - 1):
        if z[i, 2] > cut:
            colours[n + i] = GREY
    return colours


@house_style()
def dendrogram_plot(hcpc, ax: Axes | None = None, max_leaves: int = 40) -> Axes:
    """Ward dendrogram (height = loss of between inertia), cut into the HCPC clusters.

    With more rows than ``max_leaves`` the lower part is truncated (scipy ``truncate_mode="lastp"``).
    """
    ax = _new_ax(ax, (8.0, 4.5))
    tree = hcpc.tree_
    z = tree.linkage
    k = hcpc.n_clusters_
    n = tree.n
    heights = z[:, 2]
    cut = (heights[n - k - 1] + heights[n - k]) / 2 if 1 < k < n else heights[-1] * 1.01
    truncate = n > max_leaves
    link_colour = _link_colours(hcpc, cut)
    dendrogram(z, ax=ax, truncate_mode="lastp" if truncate else None, p=max_leaves,
               labels=None if truncate else [str(i) for i in hcpc.tree_rows_],
               no_labels=truncate, link_color_func=lambda node: link_colour[node])
    ax.axhline(cut, color=_PALETTE[3], ls="--", lw=1)
    ax.set_ylabel("Perte d'inertie inter-classes")
    ax.set_title(f"Classification ascendante hiérarchique ({k} classes)")
    apply_house_style(ax, grid="none")
    return ax
