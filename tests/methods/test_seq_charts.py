"""Sequence and survival charts render with French labels and the states' colours."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from arefie_studies.charts import (
    chronogram,
    index_plot,
    mean_time_plot,
    survival_plot,
    transition_table,
)
from arefie_studies.methods.sequences import SequenceDataError, StateSequences
from arefie_studies.methods.survival import kaplan_meier

ROOT = Path(__file__).resolve().parents[1]
ALPHABET = ["employment", "FE", "HE", "joblessness", "school", "training"]
LABELS = ["Emploi", "Formation continue", "Études supérieures", "Chômage", "Lycée", "Stage"]


@pytest.fixture(scope="module")
def seqs():
    df = pd.read_csv(ROOT / "reference" / "data" / "mvad.csv")
    return StateSequences(
        df, list(df.columns[16:86]), alphabet=ALPHABET, labels=LABELS, weights="weight"
    )


def test_chronogram_by_group(seqs, tmp_path):
    groups = np.where(np.arange(712) % 2 == 0, "Pair", "Impair")
    fig = chronogram(seqs, groups)
    # plain strings: panels in order of first appearance (row 0 is even), titles on the left
    titles = [a.get_title(loc="left") for a in fig.axes[:2]]
    assert titles == ["Pair (n\u00a0=\u00a0356)", "Impair (n\u00a0=\u00a0356)"]
    assert [a.get_title(loc="center") for a in fig.axes[:2]] == ["", ""]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == LABELS
    # one band per state; the top band ends at 100 % every month
    bands = fig.axes[0].collections
    assert len(bands) == len(LABELS)
    top = bands[-1].get_paths()[0].vertices[:, 1]
    assert top.max() == pytest.approx(1.0) and bands[0].get_paths()[0].vertices[:, 1].min() == 0
    fig.savefig(tmp_path / "chrono.png")
    plt.close(fig)


def test_index_and_mean_time_plots(seqs, tmp_path):
    fig = index_plot(seqs, np.arange(712) % 3)
    assert len(fig.axes[0].images) == 1 and fig.axes[0].images[0].get_array().shape[0] in (237, 238)
    plt.close(fig)
    fig = mean_time_plot(seqs)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == LABELS[::-1] or labels == LABELS
    plt.close(fig)
    with pytest.raises(SequenceDataError, match="one per sequence"):
        chronogram(seqs, [1, 2])


def test_transition_table_french(seqs):
    tab = transition_table(seqs, weighted=False)
    assert tab.index.name == "Situation au mois t" and list(tab.columns) == LABELS
    assert tab.loc["Emploi", "Emploi"] == "98,6 %"


def test_survival_plot():
    df = pd.DataFrame(
        {"t": [1, 2, 2, 3, 4, 5, 2, 6], "e": [1, 1, 0, 1, 0, 1, 1, 0], "g": list("AAAABBBB")}
    )
    fig = survival_plot(kaplan_meier(df, "t", "e", by="g", variance="greenwood"))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "A (n\u00a0=\u00a04)",
        "B (n\u00a0=\u00a04)",
    ]
    assert ax.get_xlabel() == "Mois depuis l'entrée"
    plt.close(fig)


# --------------------------------------------------------------------- chronogram panels


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 3, size=(24_000, 6))
    return StateSequences.from_codes(codes, ["A", "B", "C"], labels=["Emploi", "Études", "Chômage"])


def _titles(fig):
    return [a.get_title(loc="left") for a in fig.axes if a.get_visible()]


def test_chronogram_panels_follow_categorical_and_numeric_order(small):
    n = small.n_sequences
    # "Type 10" would come before "Type 2" alphabetically
    cats = ["Type 1", "Type 2", "Type 10"]
    g = pd.Categorical(np.array(cats)[np.arange(n) % 3][::-1], categories=cats)
    fig = chronogram(small, g)
    assert _titles(fig) == [f"{c} (n\u00a0=\u00a08\u202f000)" for c in cats]
    plt.close(fig)
    # a categorical Series (index ignored); unused categories get no panel
    ser = pd.Series(pd.Categorical(np.where(np.arange(n) < 12_000, "Z", "A"), categories=["Z", "Y", "A"]),
                    index=np.arange(n) + 100)
    fig = chronogram(small, ser)
    assert _titles(fig) == ["Z (n\u00a0=\u00a012\u202f000)", "A (n\u00a0=\u00a012\u202f000)"]
    plt.close(fig)
    # numbers: ascending numerically (2 before 10)
    fig = chronogram(small, np.where(np.arange(n) % 2 == 0, 10, 2))
    assert [t.split(" (")[0] for t in _titles(fig)] == ["2", "10"]
    plt.close(fig)


def test_chronogram_order_argument(small):
    g = np.where(np.arange(small.n_sequences) % 4 == 0, "rare", "courant")
    fig = chronogram(small, g, order=["rare", "courant"], title="")
    assert _titles(fig) == ["rare (n\u00a0=\u00a06\u202f000)", "courant (n\u00a0=\u00a018\u202f000)"]
    assert fig._suptitle is None  # title="" draws no figure title
    plt.close(fig)
    with pytest.raises(SequenceDataError, match=r"\['rare'\] are not in order"):
        chronogram(small, g, order=["courant"])


def test_chronogram_single_panel_count_is_french(small):
    fig = chronogram(small)
    assert _titles(fig) == ["n\u00a0=\u00a024\u202f000"]
    # the figure title follows the house style: left-aligned
    assert fig._suptitle.get_text() == "Répartition des situations mois par mois"
    assert fig._suptitle.get_ha() == "left" and fig._suptitle.get_position()[0] < 0.05
    plt.close(fig)


@pytest.mark.parametrize("plot", [chronogram, index_plot])
def test_legend_sits_between_panels_and_source(small, plot):
    src = "AREFIE, données CEJ 2024 ; traitement AREFIE, données pondérées. " * 2
    fig = plot(small.subset(np.arange(small.n_sequences) < 600), np.arange(600) % 3, source=src)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(r)
    source = next(t for t in fig.texts if t.get_gid() == "arefie-source").get_window_extent(r)
    lowest_axis = min(
        a.get_tightbbox(r).y0 for a in fig.axes if a.get_visible()
    )
    assert source.y1 <= legend.y0 + 0.5  # legend above the source line, no overlap
    assert legend.y1 <= lowest_axis + 0.5  # and below the panels (tick labels included)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Emploi", "Études", "Chômage"]
    plt.close(fig)


def test_mean_time_plot_french_numbers_and_order(small):
    fig = mean_time_plot(small, np.where(np.arange(small.n_sequences) % 2 == 0, "b", "a"))
    assert _titles(fig) == ["b", "a"]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert all("," in t and "." not in t for t in texts)
    plt.close(fig)


def test_survival_legend_counts_are_french():
    df = pd.DataFrame({"t": np.tile([1.0, 2, 3, 4], 3000), "e": np.tile([1, 0, 1, 1], 3000)})
    fig = survival_plot(kaplan_meier(df, "t", "e", variance="greenwood"))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Ensemble (n\u00a0=\u00a012\u202f000)"]
    assert ax.get_legend().get_title().get_text() == "Intervalle de confiance à 95\u202f% (zone ombrée)"
    assert ax.get_title(loc="left") == "Courbes de Kaplan–Meier"
    plt.close(fig)


def test_chronogram_on_given_axes_without_constrained_layout(small):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), layout=None)
    out = chronogram(small, np.arange(small.n_sequences) % 2, axes=axes, source="AREFIE.")
    assert out is fig
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    source = next(t for t in fig.texts if t.get_gid() == "arefie-source").get_window_extent(r)
    assert source.y1 <= fig.legends[0].get_window_extent(r).y0 + 0.5
    plt.close(fig)
