"""arefie_studies.charts: the AREFIE house style and the standard report figures.

Every function takes a tidy estimate frame (``estimate, ci_low, ci_high`` + label columns, as
returned by the survey engine), draws in the house style, and returns the Figure; pass
``ax=`` to draw into an existing panel. ``show(fig, caption)`` displays it in a notebook so
the report numbers it ("Figure N – caption").
"""

from ._common import ChartError
from ._show import figure_bundle, show, show_annex
from .bars import bar_ci, comparison_bars
from .likert import likert_bars
from .multiples import small_multiples
from .reliability import apply_presentation, presentation_note
from .style import (
    ACCENT,
    GREY,
    LIKERT4,
    PALETTE,
    PRIMARY,
    SEQUENCE_PALETTE,
    add_source,
    apply_house_style,
    format_num_fr,
    format_pct_fr,
    house_rc,
    house_style,
)
from .territories import caterpillar, funnel, funnel_limits, tile_map, tile_positions
from .trend import trend

__all__ = [
    "ACCENT",
    "GREY",
    "LIKERT4",
    "PALETTE",
    "PRIMARY",
    "SEQUENCE_PALETTE",
    "ChartError",
    "add_source",
    "apply_house_style",
    "apply_presentation",
    "bar_ci",
    "caterpillar",
    "comparison_bars",
    "figure_bundle",
    "format_num_fr",
    "format_pct_fr",
    "funnel",
    "funnel_limits",
    "house_rc",
    "house_style",
    "likert_bars",
    "presentation_note",
    "show",
    "show_annex",
    "small_multiples",
    "tile_map",
    "tile_positions",
    "trend",
]
