"""Survival curves by group with CI bands, French labels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from arefie_studies.charts._style import (
    PALETTE,
    add_source,
    format_num_fr,
    format_pct_fr,
    house_style,
)
from arefie_studies.methods.survival import SurvivalCurves
from arefie_studies.tables import NNBSP, fmt_int, fmt_num

__all__ = ["survival_plot"]




_PALETTE = PALETTE


@house_style()  # a contextmanager is also a decorator: rcParams restored after each call
def survival_plot(
    curves: SurvivalCurves,
    *,
    ax=None,
    title: str = "Courbes de Kaplan–Meier",
    xlabel: str = "Mois depuis l'entrée",
    ylabel: str = "Probabilité de ne pas avoir connu l'événement",
    colors: dict[object, str] | None = None,
    show_ci: bool = True,
    show_censored: bool = True,
    source: str | None = None,
) -> Figure:
    """Step survival curves per group with shaded pointwise CIs and censoring ticks.

    The CI band is the one stored in ``curves`` (design-based or Greenwood, log scale); the
    legend gives the group and its unweighted size.
    """
    if ax is None:
        with house_style():
            fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    else:
        fig = ax.figure
    tab = curves.table
    for i, (g, t) in enumerate(tab.groupby("group", sort=False, observed=True)):
        col = (colors or {}).get(g, _PALETTE[i % len(_PALETTE)])
        x = np.r_[0.0, t["time"].to_numpy()]
        s = np.r_[1.0, t["surv"].to_numpy()]
        n = int(t["n_event"].sum() + t["n_censor"].sum())
        count = f"n\u00a0=\u00a0{fmt_int(n)}"  # French count: "n = 12 000" (U+202F separator)
        lab = f"{g} ({count})" if curves.by is not None else f"Ensemble ({count})"
        ax.step(x, s, where="post", color=col, label=lab, linewidth=1.6)
        if show_ci:
            lo = np.r_[1.0, t["ci_low"].to_numpy()]
            hi = np.r_[1.0, t["ci_high"].to_numpy()]
            ax.fill_between(x, lo, hi, step="post", color=col, alpha=0.18, linewidth=0)
        if show_censored:
            c = t[t["n_censor"] > 0]
            ax.plot(c["time"], c["surv"], "|", color=col, markersize=6)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(format_pct_fr())
    ax.xaxis.set_major_formatter(format_num_fr())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    level = round(curves.conf_level * 100, 6)
    pct = fmt_num(level, 0 if level.is_integer() else 1)
    ax.legend(
        title=f"Intervalle de confiance à {pct}{NNBSP}% (zone ombrée)", frameon=False, fontsize=9
    )
    if source:
        add_source(fig, source)
    return fig
