"""Charts of the MCA / HCPC: French labels, label repulsion, cluster colours, dendrogram cut."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from arefie_studies.charts import (
    axis_label,
    category_map,
    cluster_map,
    dendrogram_plot,
    scree_plot,
    total_overlap,
)
from arefie_studies.methods import HCPC, MCA

REF_DIR = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def fitted():
    tea = pd.read_csv(REF_DIR / "data" / "tea.csv")
    mca = MCA(5).fit(tea.iloc[:, :18])
    return mca, HCPC(mca, n_clusters=3, consolidate=False)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_axis_labels_are_french(fitted):
    mca, _ = fitted
    pct = mca.eigenvalues_["% of variance"].iloc[0]
    expected = f"Dim 1 ({pct:.1f}\u202f%)".replace(".", ",")  # house style: narrow nbsp before %
    assert axis_label(mca, 1) == expected
    ax = category_map(mca, repel=False)
    assert ax.get_xlabel() == expected
    assert ax.get_ylabel().startswith("Dim 2 (") and "," in ax.get_ylabel()


def test_scree_plot_bars(fitted):
    mca, _ = fitted
    ax = scree_plot(mca, n_dims=10)
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, mca.eigenvalues_["% of variance"].iloc[:10])
    ax2 = scree_plot(mca, corrected="benzecri")
    assert len(ax2.patches) == len(mca.corrected_inertia("benzecri"))


def test_category_labels_are_pushed_apart(fitted):
    mca, _ = fitted
    raw = category_map(mca, repel=False)
    before = total_overlap(raw.texts)
    ax = category_map(mca)
    after = total_overlap(ax.texts)
    assert len(ax.texts) == mca.category_coordinates_.shape[0]
    assert before > 0
    assert after < 0.1 * before


def test_category_map_filters(fitted):
    mca, _ = fitted
    ax = category_map(mca, variables=["Tea", "How"], repel=False)
    assert sorted(t.get_text().strip() for t in ax.texts) == sorted(
        ["black", "Earl Grey", "green", "alone", "lemon", "milk", "other"])
    with pytest.raises(ValueError, match="not in the MCA"):
        category_map(mca, variables=["nope"])
    with pytest.raises(ValueError, match="two distinct dimensions"):
        category_map(mca, axes=(1, 9))


def test_cluster_map_has_one_series_per_cluster(fitted):
    _, hc = fitted
    ax = cluster_map(hc)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    sizes = hc.labels_.value_counts().sort_index()
    assert legend == [f"Classe {k} ({n})" for k, n in sizes.items()]


def test_dendrogram_cut_between_the_last_merges(fitted):
    _, hc = fitted
    ax = dendrogram_plot(hc)
    heights = hc.tree_.heights
    cut_lines = [ln for ln in ax.lines if np.allclose(ln.get_ydata(), ln.get_ydata()[0])]
    cut = cut_lines[-1].get_ydata()[0]
    assert heights[-3] < cut < heights[-2]  # 3 clusters: below the two last merges
