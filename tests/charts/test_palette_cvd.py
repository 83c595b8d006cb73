"""The sequence palette stays distinguishable for colour-blind readers (Machado 2009 simulation,
CIELAB ΔE*ab), and sequence charts use it instead of TraMineR's default."""

from __future__ import annotations

import numpy as np
import pytest

from arefie_studies.charts import SEQUENCE_PALETTE, delta_e, min_distance, simulate
from arefie_studies.methods.sequences import MISSING_COLOR, TRAMINER_COLORS, StateSequences


def test_simulation_matches_known_values():
    # a pure red seen by a deuteranope: the first column of Machado's matrix (clipped)
    assert np.allclose(simulate("#FF0000", "deuteranopie"), [0.367322, 0.280085, 0.0])
    # greys are unchanged by every simulation (rows of each matrix sum to 1)
    for v in ("deuteranopie", "protanopie", "tritanopie"):
        assert delta_e("#777777", "#777777", v) == 0.0
        assert np.allclose(simulate("#FFFFFF", v), [1, 1, 1], atol=1e-5)
    # white vs black is the full lightness range
    assert delta_e("#FFFFFF", "#000000") == pytest.approx(100.0, abs=0.05)


def test_red_green_pair_collapses_for_deuteranopes():
    # the check can fail: a classic red/green pair is far apart normally, close when simulated
    assert delta_e("#D62728", "#2CA02C") > 70
    assert delta_e("#D62728", "#2CA02C", "deuteranopie") < 0.5 * delta_e("#D62728", "#2CA02C")


def test_sequence_palette_is_safe_for_11_states():
    assert len(SEQUENCE_PALETTE) == 11 and len(set(SEQUENCE_PALETTE)) == 11
    assert min_distance(SEQUENCE_PALETTE) >= 20.0
    assert min_distance([*SEQUENCE_PALETTE, MISSING_COLOR]) >= 10.0
    # TraMineR's default (ColorBrewer Set3) is not: some pairs merge for colour-blind readers
    assert min_distance(TRAMINER_COLORS[:11]) < 10.0


def test_sequence_charts_use_the_safe_palette_by_default():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import to_hex

    from arefie_studies.charts import mean_time_plot

    codes = np.array([[0, 1, 2, 2], [1, 1, 0, 2], [2, 2, 2, 1]])
    seqs = StateSequences.from_codes(codes, ["E", "F", "C"], labels=["Emploi", "Formation",
                                                                     "Chômage"])
    fig = mean_time_plot(seqs)
    bars = [to_hex(p.get_facecolor()).upper() for p in fig.axes[0].patches]
    assert bars[:3] == [c.upper() for c in SEQUENCE_PALETTE[:3]]
    # colours chosen by a study are kept
    mine = StateSequences.from_codes(codes, ["E", "F", "C"], colors=["#111111", "#222222",
                                                                       "#333333"])
    fig = mean_time_plot(mine)
    assert to_hex(fig.axes[0].patches[0].get_facecolor()) == "#111111"
