"""arefie_studies.charts: the AREFIE house style and the standard report figures.

Every function takes a tidy estimate frame (``estimate, ci_low, ci_high`` + label columns, as
returned by the survey engine), draws in the house style, and returns the Figure; pass
``ax=`` to draw into an existing panel. ``show(fig, caption)`` displays it in a notebook so
the report numbers it ("Figure N – caption").

Every public name here is a function or a constant: the implementation modules are private
(``_bars``, ``_trend``, ...), so ``charts.bar_ci(...)`` and ``charts.trend(...)`` are the calls,
and no name is a module by accident. The figures of the multivariate methods (factor maps,
sequences, survival) load :mod:`arefie_studies.methods` on first use only.
"""

from typing import Any

from ._bars import bar_ci, comparison_bars
from ._colourblind import MACHADO_2009, delta_e, min_distance, simulate, to_lab
from ._common import ChartError
from ._likert import likert_bars
from ._multiples import small_multiples
from ._reliability import FLAG_HATCH, apply_presentation, hatch_flagged, presentation_note
from ._show import ANNEX_SECTIONS, figure_bundle, show, show_annex
from ._style import (
    ACCENT,
    FONT_FAMILY,
    GREY,
    GREY_LIGHT,
    LIKERT4,
    PALETTE,
    PRIMARY,
    SEQUENCE_PALETTE,
    TEXT,
    add_source,
    apply_house_style,
    format_num_fr,
    format_pct_fr,
    house_rc,
    house_style,
)
from ._territories import (
    HIDDEN_LABEL,
    caterpillar,
    funnel,
    funnel_limits,
    tile_map,
    tile_positions,
)
from ._trend import trend

#: names defined in modules that import ``arefie_studies.methods`` (loaded on first access)
_LAZY = {
    "axis_label": "_factor_maps",
    "category_map": "_factor_maps",
    "cluster_map": "_factor_maps",
    "dendrogram_plot": "_factor_maps",
    "repel_labels": "_factor_maps",
    "scree_plot": "_factor_maps",
    "total_overlap": "_factor_maps",
    "chronogram": "_sequences",
    "index_plot": "_sequences",
    "mean_time_plot": "_sequences",
    "transition_table": "_sequences",
    "survival_plot": "_survival",
}


def __getattr__(name: str) -> Any:
    """Load a multivariate figure function on first access (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ACCENT",
    "ANNEX_SECTIONS",
    "FLAG_HATCH",
    "FONT_FAMILY",
    "GREY",
    "GREY_LIGHT",
    "HIDDEN_LABEL",
    "LIKERT4",
    "MACHADO_2009",
    "PALETTE",
    "PRIMARY",
    "SEQUENCE_PALETTE",
    "TEXT",
    "ChartError",
    "add_source",
    "apply_house_style",
    "apply_presentation",
    "axis_label",
    "bar_ci",
    "category_map",
    "caterpillar",
    "chronogram",
    "cluster_map",
    "comparison_bars",
    "delta_e",
    "dendrogram_plot",
    "figure_bundle",
    "format_num_fr",
    "format_pct_fr",
    "funnel",
    "funnel_limits",
    "hatch_flagged",
    "house_rc",
    "house_style",
    "index_plot",
    "likert_bars",
    "mean_time_plot",
    "min_distance",
    "presentation_note",
    "repel_labels",
    "scree_plot",
    "show",
    "show_annex",
    "simulate",
    "small_multiples",
    "survival_plot",
    "tile_map",
    "tile_positions",
    "to_lab",
    "total_overlap",
    "transition_table",
    "trend",
]
