"""Sample data and figures for the chart tests (and for looking at them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies import charts

SOURCE = "AREFIE, enquête santé jeunes 2024, données pondérées (n = 2 612)."
DEPS = ["Aisne", "Nord", "Oise", "Pas-de-Calais", "Somme"]
SCALE = ["Pas du tout satisfait", "Plutôt pas satisfait", "Plutôt satisfait", "Très satisfait"]


def dep_frame() -> pd.DataFrame:
    est = np.array([0.27, 0.245, 0.22, 0.262, 0.238])
    return pd.DataFrame(
        {"group": DEPS, "estimate": est, "ci_low": est - 0.035, "ci_high": est + 0.038}
    )


def comparison_frame() -> pd.DataFrame:
    cats = [
        "Fume chaque jour",
        "Surpoids ou obésité",
        "Détresse psychologique",
        "Renoncement aux soins",
    ]
    region = np.array([0.41, 0.33, 0.26, 0.37])
    nation = np.array([0.36, 0.31, 0.25, 0.33])
    rows = []
    for g, est in (("Hauts-de-France", region), ("France entière", nation)):
        for c, e in zip(cats, est, strict=True):
            rows.append(
                {"level": c, "group": g, "estimate": e, "ci_low": e - 0.03, "ci_high": e + 0.03}
            )
    return pd.DataFrame(rows)


def likert_frame() -> pd.DataFrame:
    items = {
        "Satisfaction globale": [0.01, 0.03, 0.38, 0.58],
        "Qualité de l’accueil": [0.02, 0.03, 0.35, 0.60],
        "Aide au projet professionnel": [0.02, 0.06, 0.42, 0.50],
        "Le conseiller me comprend": [0.02, 0.05, 0.40, 0.53],
        "Facilité à joindre la Mission Locale": [0.03, 0.05, 0.45, 0.47],
    }
    rows = [
        {"question": q, "level": lv, "estimate": v}
        for q, vals in items.items()
        for lv, v in zip(SCALE, vals, strict=True)
    ]
    df = pd.DataFrame(rows)
    df["level"] = pd.Categorical(df["level"], categories=SCALE, ordered=True)
    return df


def trend_frame() -> pd.DataFrame:
    rows = []
    for g, base in (("Hauts-de-France", 0.90), ("France entière", 0.92)):
        for i, year in enumerate([2018, 2019, 2021, 2023, 2024, 2025]):
            e = base + 0.01 * i - 0.004 * (i % 2)
            half = 0.03 if g == "Hauts-de-France" else 0.01
            rows.append(
                {
                    "wave": year,
                    "group": g,
                    "estimate": e,
                    "ci_low": e - half,
                    "ci_high": min(e + half, 1),
                }
            )
    return pd.DataFrame(rows)


def figures() -> dict[str, object]:
    dep = dep_frame()
    trend_by_dep = pd.concat(
        [
            trend_frame()
            .query("group == 'Hauts-de-France'")
            .assign(
                dep=d,
                estimate=lambda x, k=k: x.estimate - 0.01 * k,
                ci_low=lambda x, k=k: x.ci_low - 0.01 * k,
                ci_high=lambda x, k=k: x.ci_high - 0.01 * k,
            )
            for k, d in enumerate(DEPS)
        ]
    )
    return {
        "bar_ci": charts.bar_ci(
            dep,
            y="group",
            sort=True,
            highlight=["Nord"],
            source=SOURCE,
            title="Détresse psychologique selon le département",
        ),
        "comparison": charts.comparison_bars(
            comparison_frame(), source=SOURCE, title="Indicateurs de santé : région et France"
        ),
        "likert": charts.likert_bars(
            likert_frame(),
            source="AREFIE, baromètre des Missions Locales 2025.",
            title="Satisfaction des jeunes accompagnés",
        ),
        "trend": charts.trend(
            trend_frame(),
            group="group",
            source="UNML, baromètre 2018-2025.",
            title="Jeunes satisfaits de leur Mission Locale",
        ),
        "multiples": charts.small_multiples(
            trend_by_dep,
            "dep",
            lambda d, ax: charts.trend(d, ax=ax, label_last=False, ylim=(0.8, 1.0)),
            title="Jeunes satisfaits, par département",
            source="UNML, baromètre 2018-2025.",
        ),
    }


if __name__ == "__main__":  # pragma: no cover - manual look
    import sys

    import matplotlib

    matplotlib.use("Agg")
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
    for name, fig in figures().items():
        fig.savefig(f"{out}/{name}.png", dpi=110)
