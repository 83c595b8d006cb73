"""Leak scan: nothing identifying, no individual record and no small count in anything a study
publishes.

The scan reads *everything* a variant outputs, not only the cells the tables module marks:

- the executed notebook (:mod:`.notebook`): every output of every cell — ``execute_result``,
  ``display_data``, ``stream`` (stdout and stderr), ``error`` — in every mime type, with its
  metadata; markdown cells and their attachments; identifiers in the code;
- the rendered files and downloads (:mod:`.files`): HTML (text, attributes such as ``alt`` and
  ``title``, comments, ``<script>`` data, ``data:`` URIs holding CSV/JSON/SVG/XLSX), PDF text,
  XLSX, CSV, JSON, text and Markdown files; unreadable data files (Parquet, SPSS…) are refused.

Everywhere it looks for (kinds, see :data:`KINDS`):

- ``identifier``: values of the study's identifying columns, and tokens shaped like them or like a
  pseudonym (:mod:`.rules`, :mod:`.text`);
- ``row_level``: tables whose rows are individuals (:mod:`.grid`);
- ``small_cell``: counts 1 … threshold-1 in any table — marked cells by their ``data-n``, unmarked
  tables (pandas, crosstabs, hand-written HTML, CSV, XLSX, JSON, printed DataFrames) by what their
  labels and values say (:mod:`.grid`);
- ``hidden_count``: a hidden (suppressed) cell that still carries a number (:mod:`.htmldoc`);
- ``small_count``: counts under the threshold in prose — ``3 jeunes``, ``7 Missions Locales``,
  ``n = 5`` (:mod:`.text`);
- ``unscanned``: something that cannot be read.

Each :class:`LeakFinding` names the file, the notebook cell and the channel (``execute_result
text/html``, ``stream stderr``, ``html @alt``, ``xlsx sheet 'T1'``…) with a short excerpt;
:func:`summarize` counts them.  The threshold and the row-level sensitivity are the caller's
(:class:`ScanRules`, :func:`rules_for_study`).
"""

from __future__ import annotations

from arefie_studies.pipeline.leakscan.files import pdf_text, scan_file, scan_files, scan_report_dir
from arefie_studies.pipeline.leakscan.htmldoc import scan_html
from arefie_studies.pipeline.leakscan.model import (
    KINDS,
    PSEUDONYM_PATTERN,
    LeakFinding,
    ScanRules,
    Where,
    summarize,
)
from arefie_studies.pipeline.leakscan.notebook import scan_notebook
from arefie_studies.pipeline.leakscan.payloads import scan_json_value
from arefie_studies.pipeline.leakscan.rules import (
    MIN_MICRODATA_ROWS,
    identifier_shape,
    rules_for_study,
)
from arefie_studies.pipeline.leakscan.text import POPULATION_NOUNS, scan_text

__all__ = [
    "KINDS",
    "MIN_MICRODATA_ROWS",
    "POPULATION_NOUNS",
    "PSEUDONYM_PATTERN",
    "LeakFinding",
    "ScanRules",
    "Where",
    "identifier_shape",
    "pdf_text",
    "rules_for_study",
    "scan_file",
    "scan_files",
    "scan_html",
    "scan_json_value",
    "scan_notebook",
    "scan_report_dir",
    "scan_text",
    "summarize",
]
