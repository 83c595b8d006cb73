"""House style and standard figures: French labels, source line, CIs, no global side effects."""

from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from _gallery import SCALE, comparison_frame, dep_frame, figures, likert_frame, trend_frame
from matplotlib.collections import PolyCollection

from arefie_studies import charts
from arefie_studies.charts import house_rc
from arefie_studies.tables import NNBSP


@pytest.fixture(scope="module")
def gallery():
    before = {k: v for k, v in plt.rcParams.items() if k in house_rc()}
    figs = figures()
    after = {k: v for k, v in plt.rcParams.items() if k in house_rc()}
    yield figs, before, after
    plt.close("all")


def _texts(fig):
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    return out


def test_no_global_side_effects(gallery):
    _, before, after = gallery
    assert before == after


def test_house_style_is_a_context():
    old = plt.rcParams["font.size"]
    with charts.house_style(font__size=13):
        assert plt.rcParams["font.size"] == 13
        assert plt.rcParams["axes.spines.top"] is False
    assert plt.rcParams["font.size"] == old


def test_every_figure_has_a_french_source_line(gallery):
    figs, _, _ = gallery
    for name, fig in figs.items():
        sources = [t.get_text() for t in fig.texts if t.get_gid() == "arefie-source"]
        assert len(sources) == 1, name
        assert sources[0].startswith(f"Source{NNBSP}: "), name


def test_source_line_survives_a_plain_savefig(gallery, tmp_path):
    fig = gallery[0]["bar_ci"]
    fig.canvas.draw()
    (src,) = [t for t in fig.texts if t.get_gid() == "arefie-source"]
    box = src.get_window_extent()
    assert box.y0 >= 0 and box.x0 >= 0  # inside the canvas, not cut by savefig
    axes_bottom = min(ax.get_tightbbox().y0 for ax in fig.axes)
    assert box.y1 <= axes_bottom + 1  # and below the axes, not over them


def test_tick_labels_are_french(gallery):
    figs, _, _ = gallery
    for name, fig in figs.items():
        fig.canvas.draw()
        for ax in fig.axes:
            for t in ax.get_xticklabels() + ax.get_yticklabels():
                s = t.get_text()
                if any(ch.isdigit() for ch in s) and "%" in s:
                    assert "." not in s, (name, s)
                    assert f"{NNBSP}%" in s, (name, s)


def test_pct_formatter_never_rounds_a_tick():
    f = charts.format_pct_fr()
    assert f(0.975, 0) == f"97,5{NNBSP}%"
    assert f(0.9, 0) == f"90{NNBSP}%"
    assert charts.format_pct_fr(1)(0.25, 0) == f"25,0{NNBSP}%"
    assert charts.format_num_fr()(12500, 0) == f"12{NNBSP}500"
    assert charts.format_num_fr()(-2.5, 0) == "\u22122,5"


def test_bar_ci_draws_bars_whiskers_and_labels():
    df = dep_frame()
    fig = charts.bar_ci(df, y="group", sort=True)
    ax = fig.axes[0]
    bars = [p for p in ax.patches]
    assert len(bars) == 5
    widths = sorted(round(b.get_width(), 6) for b in bars)
    assert widths == sorted(np.round(df["estimate"], 6))
    # sorted: largest on top (highest y)
    top = max(bars, key=lambda b: b.get_y())
    assert top.get_width() == pytest.approx(df["estimate"].max())
    # one whisker line per bar, spanning the CI
    seg = ax.collections[0].get_segments()
    spans = sorted((round(s[0][0], 6), round(s[1][0], 6)) for s in seg)
    assert spans == sorted(zip(np.round(df.ci_low, 6), np.round(df.ci_high, 6), strict=True))
    assert f"27{NNBSP}%" in _texts(fig)
    plt.close(fig)


def test_comparison_has_one_bar_per_group_and_category():
    fig = charts.comparison_bars(comparison_frame())
    ax = fig.axes[0]
    assert len(ax.patches) == 8
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Hauts-de-France",
        "France entière",
    ]
    plt.close(fig)


def test_likert_segments_sum_to_one_and_follow_the_scale():
    df = likert_frame()
    fig = charts.likert_bars(df)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == SCALE
    ends = {}
    for p in ax.patches:
        y = round(p.get_y(), 3)
        ends[y] = max(ends.get(y, 0), p.get_x() + p.get_width())
    assert all(e == pytest.approx(1.0) for e in ends.values())
    # the share of positive answers is printed (58 + 38 = 96 %)
    assert f"96{NNBSP}%" in _texts(fig)
    plt.close(fig)


def test_likert_rejects_unknown_level():
    with pytest.raises(charts.ChartError, match="absent from data"):
        charts.likert_bars(likert_frame(), levels=["Oui", "Non"])


def test_trend_has_bands_and_every_wave_ticked():
    fig = charts.trend(trend_frame(), group="group")
    ax = fig.axes[0]
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "2018",
        "2019",
        "2021",
        "2023",
        "2024",
        "2025",
    ]
    plt.close(fig)


def test_small_multiples_one_panel_per_facet(gallery):
    fig = gallery[0]["multiples"]
    assert len(fig.axes) == 5
    assert [ax.get_title(loc="left") for ax in fig.axes] == [
        "Aisne",
        "Nord",
        "Oise",
        "Pas-de-Calais",
        "Somme",
    ]


def test_missing_column_error_names_it():
    with pytest.raises(charts.ChartError, match=r"\['estimate'\] not in data; available"):
        charts.bar_ci(dep_frame().drop(columns="estimate"), y="group")


def test_figure_bundle_png_and_svg():
    fig = charts.bar_ci(dep_frame(), y="group")
    bundle = charts.figure_bundle(fig, svg=True)
    png = base64.b64decode(bundle["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    plt.close(fig)


def test_methods_plots_draw_in_the_house_style_and_leave_rcparams_alone():
    """The sequence, survival and factor-map plots are decorated with ``house_style()``: inside a
    call the house font is active, and nothing leaks into the caller's rcParams (also on the
    second call: the context manager is recreated for each call)."""
    import pandas as pd

    from arefie_studies.charts import chronogram
    from arefie_studies.methods import StateSequences

    wide = pd.DataFrame({"m1": ["A", "B", "A"], "m2": ["A", "B", "B"], "m3": ["B", "B", "B"]})
    seqs = StateSequences(wide)
    before = dict(plt.rcParams)
    for _ in range(2):
        fig = chronogram(seqs)
        assert house_rc()["axes.spines.top"] is False  # read when the axes are created
        assert not fig.axes[0].spines["top"].get_visible()
        plt.close(fig)
    assert dict(plt.rcParams) == before


def test_bar_ci_takes_estimator_output_as_it_is():
    """The defect: bar_ci fed the tidy output of proportion(by=) failed with matplotlib's
    'shape mismatch'. One repeating label column -> grouped bars; several -> a clear error."""
    from pathlib import Path

    import matplotlib.pyplot as plt
    import pandas as pd
    import pytest

    from arefie_studies import charts
    from arefie_studies.survey import SurveyDesign

    api = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "data" / "apistrat.csv")
    d = SurveyDesign(api, weights="pw", strata="stype", fpc="fpc")
    fig = charts.bar_ci(d.proportion("stype", by="sch_wide"))
    ax = fig.axes[0]
    assert len(ax.patches) == 6   # 3 levels x 2 groups
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["No", "Yes"]
    plt.close(fig)
    fig = charts.bar_ci(d.proportion(["sch_wide", "awards"]))   # grouped by variable
    assert len(fig.axes[0].patches) == 4
    plt.close(fig)
    two = d.proportion("stype", by=["sch_wide", "awards"])
    with pytest.raises(charts.ChartError, match=r"'level' repeats across several label columns: "
                                                r"'sch_wide' \(2 values\), 'awards' \(2 values\)"):
        charts.bar_ci(two)


def test_bar_ci_applies_the_presentation_rule():
    df = dep_frame().assign(decision=["show", "suppress", "flag", "show", "show"])
    fig = charts.bar_ci(df, y="group", decision="decision", source="Source : test.", digits=1)
    ax = fig.axes[0]
    by_y = sorted(ax.patches, key=lambda b: b.get_y())[::-1]  # top first = first row
    widths = [b.get_width() for b in by_y]
    assert widths[1] == 0  # the suppressed estimate draws no bar ...
    texts = _texts(fig)
    assert "nd" in texts  # ... but « nd » in its place
    assert by_y[2].get_hatch() == "////" and not by_y[0].get_hatch()
    assert not any(t.startswith(f"24,5{NNBSP}%") for t in texts)  # the suppressed 0.245
    assert f"22,0{NNBSP}% †" in texts  # the flagged one
    joined = "\n".join(texts)
    assert "non diffusée" in joined and "prudence" in joined and "Source" in joined
    plt.close(fig)


def test_comparison_bars_apply_the_presentation_rule():
    df = comparison_frame()
    df["decision"] = "show"
    df.loc[df.index[0], "decision"] = "suppress"
    fig = charts.comparison_bars(df, decision="decision")
    joined = "\n".join(_texts(fig))
    assert "nd" in _texts(fig) and "non diffusée" in joined
    assert "prudence" not in joined  # no flagged estimate: no † note
    plt.close(fig)


def test_unknown_decision_is_an_error():
    with pytest.raises(charts.ChartError, match="unknown value"):
        charts.bar_ci(dep_frame().assign(d="maybe"), y="group", decision="d")


def test_public_names_are_functions_not_modules():
    """The defect: ``charts.bars`` was a module listed beside the functions ('module' object is
    not callable). Every public name is a function, class or constant; implementation modules
    are private, and the lazily loaded figure functions resolve to functions too."""
    import types

    from arefie_studies import charts

    modules = [n for n in dir(charts) if not n.startswith("_")
               and isinstance(getattr(charts, n), types.ModuleType)]
    assert modules == []
    for name in charts.__all__:
        assert not isinstance(getattr(charts, name), types.ModuleType), name
    assert callable(charts.trend) and callable(charts.chronogram) and callable(charts.survival_plot)
    with pytest.raises(AttributeError, match="no attribute 'bars'"):
        charts.bars  # noqa: B018
