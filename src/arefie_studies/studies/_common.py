"""Helpers shared by the study modules: turn labelled categoricals back into codes, and the
weighting annex of the reports (inputs are read by :mod:`arefie_studies.project`, tables are built
by :mod:`arefie_studies.tables`). Kept deliberately small: anything specific to one study lives in
its own module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.tables import fmt_int, fmt_num, plain_table

__all__ = [
    "StudyInputError",
    "codes_of",
    "weighting_annex_tables",
]


class StudyInputError(ValueError):
    """A study input lacks a variable or a level the study needs (message names both)."""


def codes_of(series: pd.Series, value_labels: Mapping[Any, str], *, name: str = "") -> np.ndarray:
    """Numeric codes of a labelled categorical (label -> code from the codebook's value labels).

    Missing values stay NaN. Raises :class:`StudyInputError` naming the variable and the
    unknown labels when the data hold a label the codebook does not know.
    """
    inverse = {str(lab): float(code) for code, lab in value_labels.items()}
    if not isinstance(series.dtype, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    text = series.astype(object)
    unknown = sorted({str(v) for v in text.dropna().unique()} - set(inverse))
    if unknown:
        raise StudyInputError(
            f"variable {name or series.name!r}: label(s) {unknown[:5]} are not in the codebook "
            f"(known: {sorted(inverse)[:10]}). Hint: check that the data and the codebook "
            "belong to the same wave."
        )
    return text.map(inverse).to_numpy(dtype=float, na_value=np.nan)


def weighting_annex_tables(diagnostics: Any, *, title: str, labels: Mapping[str, str] | None = None,
                           level_labels: Mapping[str, Mapping[str, str]] | None = None) -> tuple:
    """Two decided tables (:class:`arefie_studies.tables.Table`) from
    :meth:`SurveyDesign.weighting_diagnostics`: the weights' summary (min, median, max, ratio to
    the input weights, Kish effective size and design effect) and every margin's target vs
    reached total. ``labels`` names margins in French."""
    s = diagnostics.summary.iloc[0]
    labels = dict(labels or {})
    summary = pd.DataFrame({
        "Indicateur": ["Répondants", "Total des poids (population de référence)", "Poids minimal",
                       "Poids médian", "Poids maximal", "Rapport max / min",
                       "Taille effective d’échantillon (Kish)", "Effet de plan dû à la pondération"],
        "Valeur": [fmt_int(s["n_positive"]), fmt_int(s["total"]), fmt_num(s["min"], 2),
                   fmt_num(s["median"], 2), fmt_num(s["max"], 2), fmt_num(s["max_min_ratio"], 1),
                   fmt_int(s["n_eff"]), fmt_num(s["deff_w"], 2)],
    })
    m = diagnostics.margins
    level_labels = level_labels or {}
    first = ~m["margin"].duplicated().to_numpy()
    margins = pd.DataFrame({
        "Marge": [labels.get(x, x) if f else "" for x, f in zip(m["margin"], first, strict=True)],
        "Modalité": [level_labels.get(mg, {}).get(lv, lv) for mg, lv in zip(m["margin"], m["level"],
                                                                             strict=True)],
        "Effectif cible": [fmt_int(v) for v in m["target"]],
        "Effectif atteint": [fmt_int(v) for v in m["reached"]],
        "Écart relatif": [("< 0,01\u202f%" if abs(v) < 1e-4 else fmt_num(100 * v, 2) + "\u202f%")
                          if np.isfinite(v) else "–" for v in m["rel_diff"]],
    })
    return (plain_table(summary, title=f"{title} : distribution des poids", align_right=["Valeur"]),
            plain_table(margins, title=f"{title} : marges de calage, cible et atteint",
                        align_right=["Effectif cible", "Effectif atteint", "Écart relatif"]))
