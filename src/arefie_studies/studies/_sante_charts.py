"""Charts of the santé jeunes report, drawn from :class:`SanteResults` frames (hidden
estimates are never drawn). Each function returns a matplotlib Figure; the report wraps them
in :class:`arefie_studies.studies.contract.Figure` blocks.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from arefie_studies.charts import (
    ACCENT,
    GREY,
    PRIMARY,
    add_source,
    apply_house_style,
    format_pct_fr,
    house_style,
)
from arefie_studies.studies._sante_recodes import Indicator
from arefie_studies.tables import FLAG_MARK, fmt_num, fmt_pct

__all__ = ["benchmark_chart", "caterpillar_chart", "departement_chart", "evolution_chart",
           "forest_chart", "theme_chart"]


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows a chart may draw: not hidden (disclosure) and not suppressed by the presentation
    rule (``decision``); a flagged row is drawn and its label gets « † »."""
    keep = ~frame["hidden"].astype(bool)
    if "decision" in frame.columns:
        keep &= frame["decision"] != "suppress"
    return frame[keep]


def _flag(label: str, decision: object) -> str:
    return f"{label} {FLAG_MARK}" if decision == "flag" else label


def theme_chart(overall: pd.DataFrame, indicators: Sequence[Indicator], *, title: str,
                source: str, previous: pd.DataFrame | None = None, wave: int = 2024,
                previous_wave: int | None = None) -> Figure:
    """Horizontal bars (weighted %) with 95 % CI whiskers; the previous wave as diamonds."""
    names = [i.name for i in indicators]
    est = _shown(overall.set_index("indicator").loc[names].reset_index())
    labels = {i.name: i.label for i in indicators}
    y = np.arange(len(est))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.3 * len(est) + 1.1))
        ax.barh(y, est["estimate"], color=PRIMARY, height=0.6, label=str(wave))
        ax.errorbar(est["estimate"], y, xerr=[est["estimate"] - est["ci_low"],
                                               est["ci_high"] - est["estimate"]],
                    fmt="none", ecolor=GREY, elinewidth=1, capsize=2.5)
        for yy, (_, r) in zip(y, est.iterrows(), strict=True):
            ax.text(r["ci_high"] + 0.01, yy, fmt_pct(r["estimate"], 0), va="center", fontsize=8)
        if previous is not None and previous_wave:
            prev = _shown(previous.set_index("indicator").reindex(est["indicator"]).reset_index()
                          .dropna(subset=["estimate"]))
            pos = {n: yy for n, yy in zip(est["indicator"], y, strict=True)}
            ax.scatter(prev["estimate"], [pos[n] for n in prev["indicator"]], marker="D", s=22,
                       color=ACCENT, zorder=3, label=str(previous_wave))
            # no legend: the caption says "losanges : <previous wave>" (no clash with the title)
        ax.set_yticks(y, [_wrap(_flag(labels[n], dec)) for n, dec
                          in zip(est["indicator"], est["decision"], strict=True)])
        ax.set_xlim(0, min(1.0, float(est["ci_high"].max()) + 0.12))
        ax.xaxis.set_major_formatter(format_pct_fr())
        ax.set_title(title)
        apply_house_style(ax, grid="x")
        note = (f"barres : {wave} (trait : intervalle de confiance à 95 %) ; losanges : "
                f"{previous_wave}." if previous is not None and previous_wave else None)
        add_source(fig, source, note=note)
    return fig


def _wrap(text: str, width: int = 42) -> str:
    return "\n".join(textwrap.wrap(text, width))


def evolution_chart(comp: pd.DataFrame, *, title: str, source: str, wave: int,
                    previous: int) -> Figure:
    """Dumbbell chart: previous wave (orange) → current wave (blue), key indicators."""
    comp = _shown(comp)
    y = np.arange(len(comp))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.27 * len(comp) + 1.1))
        for yy, (_, r) in zip(y, comp.iterrows(), strict=True):
            ax.plot([r["estimate_prev"], r["estimate"]], [yy, yy], color="#BFBFBF", lw=2,
                    zorder=1)
        ax.scatter(comp["estimate_prev"], y, color=ACCENT, s=28, zorder=2, label=str(previous))
        ax.scatter(comp["estimate"], y, color=PRIMARY, s=28, zorder=3, label=str(wave))
        sig = comp["p_value"].to_numpy() < 0.05
        for yy, s, (_, r) in zip(y, sig, comp.iterrows(), strict=True):
            if s:
                ax.text(max(r["estimate"], r["estimate_prev"]) + 0.015, yy, "*", va="center",
                        fontsize=10, color=PRIMARY)
        ax.set_yticks(y, [_wrap(t) for t in comp["label"]])
        ax.xaxis.set_major_formatter(format_pct_fr())
        ax.set_xlim(0, min(1.0, float(comp[["estimate", "estimate_prev"]].max().max()) + 0.1))
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2)
        ax.set_title(title)
        apply_house_style(ax, grid="x")
        add_source(fig, source, note="* écart significatif au seuil de 5 %.")
    return fig


def benchmark_chart(bm: pd.DataFrame, *, title: str, source: str, wave: int) -> Figure:
    """Survey share with CI (bars) and the external reference (diamond) per comparison."""
    bm = _shown(bm)
    y = np.arange(len(bm))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.36 * len(bm) + 1.1))
        ax.barh(y, bm["estimate"], color=PRIMARY, height=0.55, label=f"Jeunes en ML, {wave}")
        ax.errorbar(bm["estimate"], y, xerr=[bm["estimate"] - bm["ci_low"],
                                             bm["ci_high"] - bm["estimate"]],
                    fmt="none", ecolor=GREY, elinewidth=1, capsize=2.5)
        ax.scatter(bm["benchmark"], y, marker="D", color=ACCENT, s=30, zorder=3,
                   label="Valeur de référence")
        ax.set_yticks(y, [_wrap(f"{r['label']} — réf. : {r['population']}", 48)
                          for _, r in bm.iterrows()], fontsize=7.5)
        ax.xaxis.set_major_formatter(format_pct_fr())
        ax.legend(loc="lower right")
        ax.set_title(title)
        apply_house_style(ax, grid="x")
        add_source(fig, source)
    return fig


def forest_chart(ors: pd.DataFrame, *, title: str, source: str) -> Figure:
    """Odds ratios with 95 % CI on a log scale; reference levels at 1 (hollow)."""
    y = np.arange(len(ors))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.26 * len(ors) + 1.1))
        est = ors[~ors["reference"]]
        ref = ors[ors["reference"]]
        ypos = dict(zip(ors.index, y, strict=True))
        ax.errorbar(est["odds_ratio"], [ypos[i] for i in est.index],
                    xerr=[est["odds_ratio"] - est["ci_low"], est["ci_high"] - est["odds_ratio"]],
                    fmt="o", color=PRIMARY, ecolor=PRIMARY, capsize=2.5, ms=5)
        ax.scatter(ref["odds_ratio"], [ypos[i] for i in ref.index], facecolors="white",
                   edgecolors=GREY, s=25, zorder=3)
        ax.axvline(1.0, color=GREY, lw=0.8, ls="--")
        ax.set_xscale("log")
        ticks = [0.25, 0.5, 1, 2, 4, 8]
        lo = float(np.nanmin(est["ci_low"])) if len(est) else 0.5
        hi = float(np.nanmax(est["ci_high"])) if len(est) else 2
        ticks = [t for t in ticks if lo / 1.5 <= t <= hi * 1.5] or [1]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_num(v, 2 if v < 1 else 0)))
        labels = [f"{r['variable']} : {r['level']}" + (" (réf.)" if r["reference"] else "")
                  for _, r in ors.iterrows()]
        ax.set_yticks(y, [_wrap(t, 50) for t in labels], fontsize=7.5)
        ax.set_xlabel("Rapport de cotes (échelle logarithmique)")
        ax.set_title(title)
        ax.grid(False)
        ax.xaxis.grid(True, color="#E3E3E3", linewidth=0.7)
        add_source(fig, source)
    return fig


def departement_chart(dep: pd.DataFrame, region: pd.DataFrame, indicators: Sequence[Indicator],
                      *, dep_label: str, title: str, source: str) -> Figure:
    """Dot plot: the département's share (with CI) beside the region's, key indicators.
    ``title`` is the figure's accessible label (the report caption carries the visible title)."""
    names = [i.name for i in indicators]
    d = dep.set_index("indicator").reindex(names)
    r = region.set_index("indicator").reindex(names)
    keep = (~d["hidden"].astype(bool) & (d["decision"] != "suppress")).to_numpy()
    d, r = d[keep], r[keep]
    labels = {i.name: i.label for i in indicators}
    y = np.arange(len(d))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.24 * len(d) + 1.2))
        fig.set_label(title)
        ax.errorbar(d["estimate"], y, xerr=[d["estimate"] - d["ci_low"],
                                            d["ci_high"] - d["estimate"]],
                    fmt="o", color=PRIMARY, ecolor=PRIMARY, ms=4.5, capsize=2, label=dep_label)
        ax.scatter(r["estimate"], y, marker="D", color=ACCENT, s=20, zorder=3,
                   label="Hauts-de-France")
        ax.set_yticks(y, [_wrap(_flag(labels[n], d.loc[n, "decision"]), 50) for n in d.index],
                      fontsize=7)
        ax.xaxis.set_major_formatter(format_pct_fr())
        ax.set_xlim(0, 1)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2)
        # no axes title (long y labels push it under the legend): the caption names the figure
        apply_house_style(ax, grid="x")
        add_source(fig, source)
    return fig





def caterpillar_chart(cells: pd.DataFrame, key: str, *, region: str, title: str,
                      source: str) -> Figure:
    """The five départements on one indicator with :func:`arefie_studies.charts.caterpillar`:
    estimate and Korn–Graubard interval, sorted, the regional value as a line; a significant gap
    to the rest of the region (``mark`` ▲/▼) in the accent colour; hidden or « nd » estimates
    listed without a value; a flagged (†) estimate keeps its « † » in its name.
    ``cells``: rows ``row`` (territory, ``region`` for the region), ``column`` (indicator key),
    estimate, ci_low, ci_high, hidden, decision, mark."""
    from arefie_studies.charts import caterpillar

    sub = cells[cells["column"] == key]
    reg = sub[sub["row"] == region]
    d = sub[sub["row"] != region]
    gone = d["hidden"].astype(bool) | (d["decision"] == "suppress")
    frame = pd.DataFrame({
        "label": [_flag(g, dec) for g, dec in zip(d["row"], d["decision"], strict=True)],
        "estimate": d["estimate"].where(~gone), "ci_low": d["ci_low"].where(~gone),
        "ci_high": d["ci_high"].where(~gone), "hidden": gone.to_numpy(),
        "flag": (d["mark"].fillna("") != "").to_numpy() & ~gone.to_numpy()})
    ref = (float(reg["estimate"].iloc[0]) if len(reg) and not reg["hidden"].iloc[0]
           and reg["decision"].iloc[0] != "suppress" else None)
    return caterpillar(frame, reference=ref, reference_label="Hauts-de-France", digits=0,
                       title=title, source=source)
