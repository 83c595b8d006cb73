"""Sequence and survival charts render with French labels and the states' colours."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from arefie_studies.charts.sequences import chronogram, index_plot, mean_time_plot, transition_table
from arefie_studies.charts.survival import survival_plot
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
    titles = [a.get_title(loc="left") or a.get_title() for a in fig.axes[:2]]
    assert titles == ["Impair (n = 356)", "Pair (n = 356)"]
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
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A (n = 4)", "B (n = 4)"]
    assert ax.get_xlabel() == "Mois depuis l'entrée"
    plt.close(fig)
