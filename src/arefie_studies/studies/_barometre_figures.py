"""The baromètre's figures, drawn from :class:`~arefie_studies.studies.barometre.BarometreResults`
only: answers (Likert bars), region vs rest of France (dots and intervals), trends, and the
caterpillar view of the 42 Missions Locales. Estimates the NCHS presentation rule suppresses
(« nd ») are not drawn; flagged ones (« † ») carry the mark in their label.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from arefie_studies.studies.barometre import NATION, REGION, REST
from arefie_studies.studies.barometre import BarometreResults as Results
from arefie_studies.tables import FLAG_MARK, NNBSP

__all__ = ["HIDDEN_LABEL", "likert_figure", "ml_caterpillar", "ml_map", "ml_trend_figure",
           "share_figure", "trend_figure"]

SOURCE = "Source" + NNBSP + ": UNML, baromètre national de satisfaction ; traitement AREFIE."
HIDDEN_LABEL = "non publié"


def _short(label: str, width: int = 34) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(label, width))


def likert_figure(res: Results, population: str):
    """Stacked 100 % bars of the four answers, region beside the rest of France, per item."""
    import matplotlib.pyplot as plt

    from arefie_studies.charts import likert_bars

    dist = res.likert_dist[population]
    items = list(res.items[population])
    levels = list(res.likert)[::-1]  # most negative first
    fig, axes = plt.subplots(1, 2, figsize=(9.2, 0.5 * len(items) + 1.6), sharey=True)
    for ax, group in zip(axes, (REGION, REST), strict=True):
        sub = dist[dist["group"] == group].assign(lab=lambda d: d["label"].map(_short))
        likert_bars(sub, item="lab", level="level", levels=levels, sort=False,
                    items=[_short(res.items[population][i]) for i in items], ax=ax)
        ax.set_title(group, fontsize=10, fontweight="bold", pad=30)
    leg = axes[1].get_legend()
    if leg is not None:
        leg.remove()
    axes[1].tick_params(axis="y", labelleft=False)
    fig.subplots_adjust(wspace=0.18)
    fig.text(0.01, -0.02, SOURCE, fontsize=7, color="#6B6B6B", ha="left", va="top")
    return fig


def share_figure(res: Results, population: str):
    """Dot-and-whisker plot of % satisfied per item: region vs rest of France (zoomed axis)."""
    import matplotlib.pyplot as plt

    from arefie_studies.charts import PALETTE, format_pct_fr, house_style

    share = res.share[population]
    share = share[share["decision"] != "suppress"]
    items = list(res.items[population])
    with house_style():
        fig, ax = plt.subplots(figsize=(7.0, 0.36 * len(items) + 1.0))
        ys = np.arange(len(items))[::-1]
        for k, (group, color) in enumerate(((REGION, PALETTE[0]), (REST, PALETTE[1]))):
            sub = share[share["group"] == group].set_index("item").reindex(items)
            pos = ys + (0.14 if k == 0 else -0.14)
            est = sub["estimate"].to_numpy()
            err = np.vstack([est - sub["ci_low"].to_numpy(), sub["ci_high"].to_numpy() - est])
            ax.errorbar(est, pos, xerr=err, fmt="o", color=color, ecolor=color, capsize=2.5,
                        markersize=5, label=group, zorder=3)
        ax.set_yticks(ys, [_short(res.items[population][i], 40) for i in items])
        lo = float(share["ci_low"].min())
        ax.set_xlim(max(0.0, np.floor(lo * 20) / 20 - 0.05), 1.0)
        ax.xaxis.set_major_formatter(format_pct_fr(0))
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, borderaxespad=0.2)
        ax.grid(axis="y", visible=False)
        fig.text(0.01, -0.02, SOURCE, fontsize=7, color="#6B6B6B", ha="left", va="top")
    return fig


def trend_figure(res: Results, population: str, items: Sequence[str] | None = None):
    """Small multiples: % satisfied per year, region vs nation, with 95 % CI bands."""
    from arefie_studies.charts import PALETTE, small_multiples, trend

    tr = res.trend[population]
    items = list(items or res.items[population])
    tr = tr[tr["item"].isin(items) & (tr["decision"] != "suppress")]
    tr = tr.assign(panel=lambda d: d["label"].map(lambda s: _short(s, 30)))
    order = [_short(res.items[population][i], 30) for i in items]
    ncols = 2 if len(items) > 1 else 1
    lo = float(tr["ci_low"].min())
    ylim = (max(0.0, np.floor(lo * 20) / 20 - 0.02), 1.0)

    def draw(d, ax):
        trend(d, x="annee", group="group", group_order=[REGION, NATION], colors=[PALETTE[0], PALETTE[2]],
              label_last=False, ylim=ylim, ax=ax)

    fig = small_multiples(tr, "panel", draw, order=order, ncols=ncols,
                          panel_size=(3.6, 2.1) if ncols == 2 else (6.4, 2.8))
    handles, labels = fig.axes[0].get_legend_handles_labels()
    for ax in fig.axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.01, 1.0 + 0.25 / fig.get_figheight()),
               ncols=2, frameon=False, fontsize=8.5)
    fig.text(0.01, 0.0, SOURCE + " Bandes" + NNBSP + ": intervalle de confiance à 95" + NNBSP + "%.",
             fontsize=7, color="#6B6B6B", ha="left", va="top")
    return fig


def ml_caterpillar(res: Results, population: str, item: str, highlight: int | None = None):
    """The caterpillar view of ``item`` (:func:`arefie_studies.charts.caterpillar`): every ML of
    the region (published estimates with their Korn–Graubard interval, « † » after a flagged one,
    accent colour for a significant gap with the rest of the region; hidden and « nd » ones
    « non publié », no value), the region's pooled value as the reference line; ``highlight``:
    an ML code, its name in bold."""
    from arefie_studies.charts import caterpillar

    ml = res.ml[population]
    ml = ml[ml["item"] == item]
    region = res.pooled[population].set_index(["item", "group"]).loc[(item, REGION)]
    data = pd.DataFrame({
        "label": [f"{n} {FLAG_MARK}" if d == "flag" else str(n)
                  for n, d in zip(ml["ml_nom"], ml["decision"], strict=True)],
        "estimate": ml["estimate"].to_numpy(), "ci_low": ml["ci_low"].to_numpy(),
        "ci_high": ml["ci_high"].to_numpy(),
        "hidden": ~ml["decision"].isin(["show", "flag"]).to_numpy(),
        "flag": ml["significant"].to_numpy(dtype=bool)})
    note = (f" {FLAG_MARK}" + NNBSP + ": estimation fragile. « " + HIDDEN_LABEL + " »" + NNBSP
            + ": secret statistique ou estimation trop imprécise.")
    fig = caterpillar(data, reference=float(region["estimate"]), reference_label=REGION,
                      source=SOURCE + note)
    if highlight is not None:  # the ML of a territorial report, in bold
        name = res.ml_names[highlight]
        for tick in fig.axes[0].get_yticklabels():
            if tick.get_text().removesuffix(f" {FLAG_MARK}") == name:
                tick.set_fontweight("bold")
    return fig


def ml_map(res: Results, population: str, item: str):
    """The same estimates as :func:`ml_caterpillar` on the schematic map of the 42 Mission
    Locale areas (:func:`arefie_studies.charts.tile_map`): hidden and « nd » areas hatched
    « non publié » with no value, a significant gap with the rest of the region outlined."""
    from arefie_studies.charts import tile_map

    ml = res.ml[population]
    ml = ml[ml["item"] == item]
    data = pd.DataFrame({
        "code": ml["ml"].to_numpy(), "label": ml["ml_nom"].astype(str).to_numpy(),
        "estimate": ml["estimate"].to_numpy(), "ci_low": ml["ci_low"].to_numpy(),
        "ci_high": ml["ci_high"].to_numpy(),
        "hidden": ~ml["decision"].isin(["show", "flag"]).to_numpy(),
        "flag": ml["significant"].to_numpy(dtype=bool)})
    return tile_map(data, level="ml", legend_title="Part de satisfaits", flag="flag",
                    source=SOURCE)


def ml_trend_figure(res: Results, ml: int):
    """Overall satisfaction of the youths per year: the ML (years with enough answers), the
    region and the nation, with CI bands (call when :func:`ml_trend_figure_available`)."""
    from arefie_studies.charts import PALETTE, trend
    from arefie_studies.studies.barometre import ml_trend

    tr = ml_trend(res, ml)
    tr = tr[tr["decision"] != "suppress"] if "decision" in tr else tr
    name = res.ml_names[ml]
    fig = trend(tr, x="annee", group="group", group_order=[name, REGION, NATION],
                colors=[PALETTE[1], PALETTE[0], PALETTE[2]], label_last=False,
                source=SOURCE + " Années d’au moins " + str(res.threshold) + " réponses pour la "
                "Mission Locale.")
    return fig
