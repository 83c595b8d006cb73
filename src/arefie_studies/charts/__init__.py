"""arefie_studies.charts: the AREFIE house style and the standard report figures."""

from .style import (
    ACCENT,
    GREY,
    LIKERT4,
    PALETTE,
    PRIMARY,
    add_source,
    apply_house_style,
    format_num_fr,
    format_pct_fr,
    house_rc,
    house_style,
)

__all__ = [
    "ACCENT",
    "GREY",
    "LIKERT4",
    "PALETTE",
    "PRIMARY",
    "add_source",
    "apply_house_style",
    "format_num_fr",
    "format_pct_fr",
    "house_rc",
    "house_style",
]
