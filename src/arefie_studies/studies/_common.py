"""Helpers shared by the four study modules: load a study's inputs with their codebooks, turn
labelled categoricals back into codes, and the weighting annex of the reports.  The generic
printable tables (``estimate_table_html`` = :func:`arefie_studies.tables.indicator_table_html`,
``plain_table_html``, ``protected_shares``) live in :mod:`arefie_studies.tables` and are
re-exported here for the study modules.

Kept deliberately small: anything specific to one study lives in its own module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.tables import (
    fmt_int,
    fmt_num,
    plain_table_html,
    protected_shares,
)
from arefie_studies.tables import indicator_table_html as estimate_table_html

__all__ = [
    "StudyData",
    "StudyInputError",
    "codes_of",
    "estimate_table_html",
    "load_study",
    "plain_table_html",
    "protected_shares",
    "show_figure",
    "show_html",
    "show_markdown",
    "weighting_annex_html",
]


class StudyInputError(ValueError):
    """A study input lacks a variable or a level the study needs (message names both)."""


@dataclass(frozen=True)
class StudyData:
    """A study's inputs (``frames``), their codebooks, the config and the project root."""

    frames: dict[str, pd.DataFrame]
    codebooks: dict[str, Any]
    config: Any
    root: Path


def load_study(slug: str, root: str | Path | None = None, *, inputs: Sequence[str] | None = None,
               validate: bool = False) -> StudyData:
    """Inputs of ``studies/<slug>.yaml`` read as the config says (identifiers pseudonymised or
    dropped, see :func:`project.inputs.load_inputs`) plus each input's declared codebook.

    ``inputs`` restricts to the named inputs (a light variant reads only what it shows);
    ``validate=False`` by default because ``arefie-studies run`` validates every input once
    before any notebook starts (pass True when running a notebook by hand on new data).
    """
    from dataclasses import replace

    from arefie_studies.project.config import load_config
    from arefie_studies.project.inputs import declared_codebook, load_inputs
    from arefie_studies.project.layout import find_root

    root = Path(root) if root is not None else find_root()
    config = load_config(root / "studies" / f"{slug}.yaml", root)
    if inputs is not None:
        unknown = [i for i in inputs if i not in config.inputs]
        if unknown:
            raise StudyInputError(
                f"{config.path}: no input named {unknown} (declared: {list(config.inputs)}).")
        config = replace(config, inputs={k: v for k, v in config.inputs.items() if k in inputs})
    frames = load_inputs(config, root, validate=validate)
    books = {name: declared_codebook(spec, root) for name, spec in config.inputs.items()}
    return StudyData(frames=frames, codebooks=books, config=config, root=root)


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


def weighting_annex_html(diagnostics: Any, *, title: str, labels: Mapping[str, str] | None = None,
                         level_labels: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """Two tables from :meth:`SurveyDesign.weighting_diagnostics`: the weights' summary (min,
    median, max, ratio to the input weights, Kish effective size and design effect) and every
    margin's target vs reached total. ``labels`` names margins in French."""
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
    return (plain_table_html(summary, title=f"{title} : distribution des poids",
                             align_right=["Valeur"])
            + plain_table_html(margins, title=f"{title} : marges de calage, cible et atteint",
                               align_right=["Effectif cible", "Effectif atteint", "Écart relatif"]))


def show_markdown(text: str) -> None:
    """Display Markdown in the executing notebook (a report paragraph or heading)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_html(text: str) -> None:
    """Display an HTML fragment (a rendered table) in the executing notebook."""
    from IPython.display import HTML, display

    display(HTML(text))


def show_figure(fig, caption: str) -> None:
    """Display a figure with its numbered caption (:func:`arefie_studies.charts.show`)."""
    from arefie_studies.charts import show

    show(fig, caption)
