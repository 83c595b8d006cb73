"""arefie_studies.tables: banner tables, disclosure control, French formatting, HTML/XLSX export."""

from ._banner import CELL_COLUMNS, TOTAL, BannerError, BannerTable, banner, source_note
from ._format import MISSING, NNBSP, fmt_ci, fmt_int, fmt_num, fmt_p, fmt_pct, fmt_pct_points
from ._suppress import (
    SUPPRESSED_MARK,
    disclosure_rule_text,
    exposed_cells,
    primary_suppression,
    protect_table,
)
from ._xlsx import write_xlsx

__all__ = [
    "CELL_COLUMNS",
    "MISSING",
    "NNBSP",
    "SUPPRESSED_MARK",
    "TOTAL",
    "BannerError",
    "BannerTable",
    "banner",
    "disclosure_rule_text",
    "exposed_cells",
    "fmt_ci",
    "fmt_int",
    "fmt_num",
    "fmt_p",
    "fmt_pct",
    "fmt_pct_points",
    "primary_suppression",
    "protect_table",
    "source_note",
    "write_xlsx",
]
