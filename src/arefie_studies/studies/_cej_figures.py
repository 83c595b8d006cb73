"""Charts of the CEJ report, drawn from ``CejResults`` only (no estimate is computed here: the
state shares of a chronogram are the chart's reading of the stored monthly states)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from arefie_studies.studies._cej_estimates import REGION
from arefie_studies.tables import fmt_int

__all__ = ["MONTHS_ABBR", "MONTHS_FR", "caterpillar", "chronogram", "entries", "hours_by_month", "km", "types"]

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]
#: Abbreviations of the French typographic usage (no dot after a whole word: "mars", "juin").
MONTHS_ABBR = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def _french_panels(fig, xlabel: str):
    """French counts in panel titles ("n = 12 000") and an x label on every visible panel."""
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for loc in ("left", "center"):
            title = ax.get_title(loc=loc)
            if title:
                ax.set_title(re.sub(r"n = (\d+)", lambda m: "n\u202f=\u202f" + fmt_int(int(m.group(1))), title),
                             fontsize=9, loc=loc)
        ax.set_xlabel(xlabel, fontsize=8)
    return fig


def entries(results, ml: str, source: str):
    """Entries per month stacked by département; for an ML, its entries per quarter (right axis,
    hidden quarters left out)."""
    import matplotlib.pyplot as plt

    from arefie_studies.charts import PALETTE, add_source, format_num_fr, house_style

    tab = results.entries_month.pivot(index="month", columns="departement", values="n")
    months = [pd.Period(m, freq="M") for m in tab.index]
    with house_style():
        fig, ax = plt.subplots(figsize=(7.2, 3.6))
        x = np.arange(len(tab))
        bottom = np.zeros(len(tab))
        for i, d in enumerate(tab.columns):
            ax.bar(x, tab[d], bottom=bottom, color=PALETTE[i % len(PALETTE)], label=d, width=0.8)
            bottom += tab[d].to_numpy()
        if ml:
            q = results.entries_quarter_ml[results.entries_quarter_ml["territory"] == ml]
            # each quarter at the middle of its months within the period shown
            pos = [np.mean([i for i, m in enumerate(months) if m.asfreq("Q") == pd.Period(p, freq="Q")])
                   for p in q["quarter"]]
            y = np.where(q["hidden"], np.nan, q["n"]).astype(float)
            name = results.name(ml)
            ax2 = ax.twinx()
            ax2.plot(pos, y, color="#222222", marker="o", markersize=3, linewidth=1.4, label=name)
            ax2.set_ylabel(f"Entrées par trimestre – {name}")
            ax2.yaxis.set_major_formatter(format_num_fr())
            ax2.set_ylim(0, max(1.0, np.nanmax(y) if np.isfinite(y).any() else 1.0) * 1.3)
            ax2.legend(loc="upper right", frameon=False)
            ax2.grid(False)
        ax.set_xticks(x[::3], [f"{MONTHS_ABBR[p.month - 1]} {p.year}" for p in months[::3]], rotation=45,
                      ha="right")
        ax.yaxis.set_major_formatter(format_num_fr())
        ax.set_ylabel("Entrées dans le mois (région)")
        ax.legend(ncols=5, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
        add_source(fig, source)
    return fig


def _seqs(results, months: int, rows=None):
    from arefie_studies.methods import StateSequences
    from arefie_studies.studies._cej_sequences import ALPHABET, STATES

    codes = results.sequences[:, :months].astype(np.int64)
    if rows is not None:
        codes = codes[rows]
    return StateSequences.from_codes(codes, ALPHABET, labels=[lab for _, lab, _ in STATES],
                                     colors=[c for _, _, c in STATES],
                                     time=[str(i) for i in range(1, months + 1)])


def chronogram(results, ml: str, months: int):
    """State shares month by month of the youths observed ``months`` months (an ML beside the
    rest of the region)."""
    from arefie_studies.charts import chronogram as draw

    cohort = (results.sequences[:, :months] >= 0).all(axis=1)
    s = _seqs(results, months, cohort)
    if not ml:
        fig = draw(s, title="")
    else:
        name = results.name(ml)
        g = pd.Categorical(np.where(results.seq_ml[cohort] == ml, name, "Reste de la région"),
                           categories=[name, "Reste de la région"])
        fig = draw(s, groups=g, title="")
    return _french_panels(fig, "Mois depuis l'entrée (1 = mois d'entrée)")


def types(results, months: int):
    """One chronogram panel per type of trajectory."""
    from arefie_studies.charts import chronogram as draw

    g = pd.Categorical.from_codes(results.types, categories=list(results.type_names), ordered=True)
    return _french_panels(draw(_seqs(results, months), groups=g, title=""), "Mois depuis l'entrée")


def hours_by_month(results, ylabel: str, source: str):
    """Share of weeks under the hours threshold by month of contract (region)."""
    from arefie_studies.charts import add_source, trend

    bm = results.hours_by_month
    d = bm[(bm["territory"] == REGION) & ~bm["hidden"]]
    d = d.assign(wave=d["mois"], group="Hauts-de-France")
    fig = trend(d, x="wave", group="group", ylabel=ylabel, label_last=False)
    ax = fig.axes[0]
    ax.set_xlabel("Mois de contrat")
    ticks = sorted(d["wave"].unique())[::2]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    add_source(fig, source)
    return fig


def km(results, territory: str, followup: int, source: str):
    """Kaplan–Meier curves of the time to first employment of one territory's comparison."""
    from arefie_studies.charts import survival_plot
    from arefie_studies.methods.survival import SurvivalCurves

    tab = results.km_curves[results.km_curves["territory"] == territory].drop(columns="territory")
    curves = SurvivalCurves(table=tab, by="group", conf_level=0.95, variance="greenwood")
    fig = survival_plot(curves, title="", ylabel="Part des jeunes sans emploi depuis l'entrée", source=source)
    fig.axes[0].set_xlim(0, followup)
    return fig


def caterpillar(rows: pd.DataFrame, regional: float | None, xlabel: str, source: str, *, percent: bool = True,
                highlight: str = "", reference_label: str = "Hauts-de-France"):
    """Each Mission Locale's estimate with its 95 % interval, sorted, the regional value as a
    vertical line (:func:`arefie_studies.charts.caterpillar`; ``rows``: ``name, estimate, ci_low,
    ci_high, decision, differs``): an ML whose interval excludes the regional value in the accent
    colour, a « nd » estimate (presentation rule) listed as not published with no value, a
    flagged one marked †, ``highlight`` (the report's ML) pointed at."""
    from arefie_studies.charts import caterpillar as draw
    from arefie_studies.tables import FLAG_MARK

    label = [f"► {n}" if n == highlight else n for n in rows["name"]]
    label = [f"{x} {FLAG_MARK}" if d == "flag" else x for x, d in zip(label, rows["decision"], strict=True)]
    df = pd.DataFrame({"label": label, "estimate": rows["estimate"].to_numpy(float),
                       "ci_low": rows["ci_low"].to_numpy(float), "ci_high": rows["ci_high"].to_numpy(float),
                       "flag": rows["differs"].to_numpy(bool), "hidden": (rows["decision"] == "suppress").to_numpy()})
    fig = draw(df, reference=regional, reference_label=reference_label, percent=percent,
               digits=0 if percent else 2, source=source)
    fig.axes[0].set_xlabel(xlabel, fontsize=8)
    return fig
