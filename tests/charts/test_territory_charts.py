"""Tile map, caterpillar and funnel plots on hand-made data: values shown, hidden cells carry no
number, order, control limits."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from arefie_studies.charts import (
    ChartError,
    caterpillar,
    funnel,
    funnel_limits,
    tile_map,
    tile_positions,
)

REPO = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"\d+(?:,\d+)?\s?\u202f?%|\d+,\d+")


def _texts(fig) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
    return out


def _tile_text(fig, code) -> str:
    return next(t.get_text() for t in fig.axes[0].texts if t.get_gid() == f"tile-{code}")


def test_grid_covers_every_mission_locale_and_departement_without_overlap():
    with open(REPO / "data/reference/missions_locales.csv", encoding="utf-8") as fh:
        codes = {r["ml_code"] for r in csv.DictReader(fh)}
    ml = tile_positions("ml")
    assert set(ml) == codes and len(set(ml.values())) == 42
    dep = tile_positions("departement")
    assert set(dep) == {"02", "59", "60", "62", "80"}
    assert dep["62"][1] == dep["59"][1] == 0  # Nord and Pas-de-Calais in the north
    assert dep["60"][1] > dep["80"][1]  # Oise south of the Somme
    assert dep["02"][0] > dep["80"][0]  # Aisne east of the Somme
    # each Mission Locale sits in its département's rows: Oise's below the Pas-de-Calais'
    assert min(ml[c][1] for c in ml if c.startswith("60")) > min(
        ml[c][1] for c in ml if c.startswith("62"))


def test_departement_tile_map_values_and_hidden_tile():
    df = pd.DataFrame({
        "code": [59, 62, 80, 2, 60],
        "label": ["Nord", "Pas-de-Calais", "Somme", "Aisne", "Oise"],
        "estimate": [0.452, 0.51, 0.38, 0.77, 0.6],
        "ci_low": [0.40, 0.45, 0.30, 0.70, 0.5], "ci_high": [0.50, 0.56, 0.45, 0.83, 0.7],
        "hidden": [False, False, False, True, False],
    })
    fig = tile_map(df, level="departement", title="Part des jeunes", source="AREFIE.")
    assert _tile_text(fig, "59") == "Nord\n45\u202f%"
    assert _tile_text(fig, "80") == "Somme\n38\u202f%"
    hidden = _tile_text(fig, "02")
    assert hidden == "Aisne\nnon publié" and not re.search(r"\d", hidden)
    # the hidden value appears nowhere in the figure (neither 77 % nor its interval)
    assert not any("77" in t or "83" in t for t in _texts(fig))
    assert any("non publié" in t.get_text() for t in fig.axes[0].get_legend().get_texts())


def test_ml_tile_map_blank_for_absent_and_errors():
    df = pd.DataFrame({"code": ["5901", "201"], "label": ["ML de Lille", "ML du Saint-Quentinois"],
                       "estimate": [0.9, 0.8], "hidden": [False, True]})
    fig = tile_map(df, level="ml", ci_low=None, ci_high=None)
    assert _tile_text(fig, "5901") == "Lille\n90\u202f%"
    assert _tile_text(fig, "201") == "Saint-\nQuentinois\nnon publié"
    assert _tile_text(fig, "6006") == "6006"  # absent from the data: no value
    with pytest.raises(ChartError, match=r"\['9999'\] are not on the ml grid"):
        tile_map(pd.DataFrame({"code": ["9999"], "estimate": [0.5]}), level="ml")
    with pytest.raises(ChartError, match="outside its interval"):
        tile_map(pd.DataFrame({"code": ["59"], "estimate": [0.5], "ci_low": [0.6],
                               "ci_high": [0.7]}), level="departement")


def _cat_frame():
    return pd.DataFrame({
        "label": ["A", "B", "C", "D"],
        "estimate": [0.70, 0.92, 0.85, 0.50],
        "ci_low": [0.60, 0.88, 0.80, 0.30], "ci_high": [0.78, 0.95, 0.89, 0.70],
        "flag": [True, False, False, False], "hidden": [False, False, False, True],
    })


def test_caterpillar_sorted_with_reference_and_hidden_row():
    fig = caterpillar(_cat_frame(), reference=0.83, title="Satisfaction")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["D", "A", "C", "B"]  # hidden first (bottom), then lowest to highest
    assert any(t.get_text() == "non publié" for t in ax.texts)
    assert any("Région\u202f: 83,0\u202f%" in t.get_text() for t in ax.texts)
    assert not any("50" in t for t in _texts(fig))  # D's value is not shown
    ref = [line for line in ax.get_lines() if list(line.get_xdata()) == [0.83, 0.83]]
    assert len(ref) == 1


def test_funnel_limits_formula_and_outliers():
    lo, hi = funnel_limits(0.8, np.array([100.0]), 0.95)
    half = 1.959964 * np.sqrt(0.8 * 0.2 / 100)
    assert lo[0] == pytest.approx(0.8 - half, abs=1e-6) and hi[0] == pytest.approx(0.8 + half,
                                                                                   abs=1e-6)
    lo, hi = funnel_limits(0.8, np.array([100.0]), 0.998)
    assert hi[0] - 0.8 == pytest.approx(3.090232 * 0.04, abs=1e-6)
    df = pd.DataFrame({"label": ["petite", "moyenne", "basse", "cachée"],
                       "estimate": [0.95, 0.82, 0.60, 0.10], "n": [20, 200, 150, 8],
                       "hidden": [False, False, False, True]})
    fig = funnel(df, reference=0.8, source="AREFIE.")
    named = [t.get_text() for t in fig.axes[0].texts]
    # 0.60 with n=150 is 6.1 standard errors below: named; 0.95 with n=20 is inside the funnel
    assert "basse" in named and "petite" not in named and "moyenne" not in named
    assert "cachée" not in " ".join(_texts(fig))
    assert any("1 territoire non publié" in t for t in _texts(fig))
    with pytest.raises(ChartError, match="proportion"):
        funnel(df, reference=80)


def test_caterpillar_legend_is_outside_the_axes_above_the_source():
    """Issue 11: the legend sat inside the axes, on an interval; it is now under the x tick
    labels and above the source line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = caterpillar(_cat_frame(), reference=0.83, title="Satisfaction", source="AREFIE, 2025.")
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    ticks = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    source = next(t for t in fig.texts if t.get_text().startswith("Source"))
    assert legend.y1 <= ax.get_window_extent(renderer).y0
    assert legend.y1 <= min(b.y0 for b in ticks)
    assert legend.y0 >= source.get_window_extent(renderer).y1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "estimation et intervalle à 95\u202f%", "écart significatif"]
