"""Hand-made banner cells in the engine's shape (used until/besides the survey engine)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies.tables import CELL_COLUMNS, TOTAL


def fake_cells(seed: int = 0, small_group: int = 6) -> pd.DataFrame:
    """Two questions (one categorical with 3 levels, one numeric) by sexe and département."""
    rng = np.random.default_rng(seed)
    rows = []
    breakdowns = {
        "sexe": ["Femme", "Homme"],
        "dep": ["Aisne", "Nord", "Oise", "Pas-de-Calais", "Somme"],
    }
    levels = ["Bonne", "Moyenne", "Mauvaise"]
    # counts per (level, dep): the Somme × Mauvaise cell is small (primary suppression)
    n_dep = np.array(
        [[60, 300, 90, 150, 40], [40, 200, 60, 100, 30], [20, 80, 25, 50, small_group]]
    )
    n_sex = np.array([[330, 310], [215, 215], [90, n_dep[2].sum() - 90]])
    totals_lv = n_dep.sum(axis=1)
    for i, lv in enumerate(levels):
        p = totals_lv[i] / totals_lv.sum()
        rows.append(
            dict(question="etat", kind="proportion", level=lv, breakdown="", group=TOTAL,
                 estimate=p, se=0.01, ci_low=p - 0.02, ci_high=p + 0.02, n=int(totals_lv[i]),
                 N=float(totals_lv[i]) * 10.5, diff=np.nan, diff_se=np.nan, p_value=np.nan)
        )  # fmt: skip
    for b, groups in breakdowns.items():
        n = n_dep if b == "dep" else n_sex
        for j, g in enumerate(groups):
            col = n[:, j]
            for i, lv in enumerate(levels):
                p = col[i] / col.sum()
                rest = (totals_lv[i] - col[i]) / (totals_lv.sum() - col.sum())
                rows.append(
                    dict(question="etat", kind="proportion", level=lv, breakdown=b, group=g,
                         estimate=p, se=0.02, ci_low=max(p - 0.04, 0), ci_high=min(p + 0.04, 1),
                         n=int(col[i]), N=float(col[i]) * 10.5, diff=p - rest, diff_se=0.02,
                         p_value=float(rng.uniform(0, 0.2)))
                )  # fmt: skip
    rows.append(
        dict(question="age", kind="mean", level="", breakdown="", group=TOTAL, estimate=20.4,
             se=0.1, ci_low=20.2, ci_high=20.6, n=int(n_dep.sum()), N=float(n_dep.sum()) * 10.5,
             diff=np.nan, diff_se=np.nan, p_value=np.nan)
    )  # fmt: skip
    for b, groups in breakdowns.items():
        n = n_dep if b == "dep" else n_sex
        for j, g in enumerate(groups):
            m = 20 + rng.uniform(-1, 1)
            rows.append(
                dict(question="age", kind="mean", level="", breakdown=b, group=g, estimate=m,
                     se=0.2, ci_low=m - 0.4, ci_high=m + 0.4, n=int(n[:, j].sum()),
                     N=float(n[:, j].sum()) * 10.5, diff=m - 20.4, diff_se=0.2,
                     p_value=float(rng.uniform(0, 0.1)))
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(CELL_COLUMNS))


LABELS = {
    "etat": "État de santé perçu",
    "age": "Âge (années)",
    "sexe": "Sexe",
    "dep": "Département",
}
