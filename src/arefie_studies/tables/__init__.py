"""arefie_studies.tables: banner tables, disclosure control, French formatting, HTML/XLSX export.

``write_xlsx`` is imported on first use (openpyxl costs ~0.3 s of import that a notebook without
an XLSX export does not need).
"""

from ._audit import DisclosureAudit, DisclosureError, audit_disclosure
from ._banner import CELL_COLUMNS, TOTAL, BannerError, BannerTable, banner, source_note
from ._compact import (
    COMPACT_NOTES,
    NO,
    YES,
    ascii_anchor,
    compact_html,
    compact_table,
    heading_html,
    hidden_cell_html,
    indicator_table_html,
    plain_table,
    plain_table_html,
    table_classes,
    table_html,
    value_cell_html,
    yes_rows,
)
from ._format import MISSING, NNBSP, fmt_ci, fmt_int, fmt_num, fmt_p, fmt_pct, fmt_pct_points
from ._presentation import (
    FLAG_MARK,
    NOT_SHOWN_MARK,
    PresentationError,
    nchs_proportions,
    presentation_rule,
    presentation_rule_text,
)
from ._suppress import (
    SUPPRESSED_MARK,
    disclosure_rule_text,
    exposed_cells,
    primary_suppression,
    protect_table,
    protected_shares,
)
from ._table import (
    FLAG_NOTE,
    NOT_SHOWN_NOTE,
    Cell,
    Row,
    Table,
    TableError,
    cell_html,
    frame_downloads,
    write_csv,
)

__all__ = [
    "CELL_COLUMNS",
    "COMPACT_NOTES",
    "FLAG_MARK",
    "FLAG_NOTE",
    "MISSING",
    "NNBSP",
    "NO",
    "NOT_SHOWN_MARK",
    "NOT_SHOWN_NOTE",
    "SUPPRESSED_MARK",
    "TOTAL",
    "YES",
    "BannerError",
    "BannerTable",
    "Cell",
    "DisclosureAudit",
    "DisclosureError",
    "PresentationError",
    "Row",
    "Table",
    "TableError",
    "ascii_anchor",
    "audit_disclosure",
    "banner",
    "cell_html",
    "compact_html",
    "compact_table",
    "disclosure_rule_text",
    "exposed_cells",
    "fmt_ci",
    "fmt_int",
    "fmt_num",
    "fmt_p",
    "fmt_pct",
    "fmt_pct_points",
    "frame_downloads",
    "heading_html",
    "hidden_cell_html",
    "indicator_table_html",
    "nchs_proportions",
    "plain_table",
    "plain_table_html",
    "presentation_rule",
    "presentation_rule_text",
    "primary_suppression",
    "protect_table",
    "protected_shares",
    "source_note",
    "table_classes",
    "table_html",
    "value_cell_html",
    "write_csv",
    "write_xlsx",
    "yes_rows",
]


def __getattr__(name: str):
    if name == "write_xlsx":  # lazy: openpyxl only when an XLSX is written
        from ._xlsx import write_xlsx

        return write_xlsx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
