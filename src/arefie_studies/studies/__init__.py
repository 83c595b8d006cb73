"""The observatory's studies, one module per study, all on one contract (:mod:`.contract`):
``compute(inputs, params) -> Results`` then ``report(results, params) -> Report``.

    from arefie_studies.studies import run
    r = run("barometre", {"wave": 2025})      # results computed once (cached), then the report
    r.results, r.report.show()
"""

from arefie_studies.studies.contract import (
    Annex,
    Figure,
    Heading,
    KeyFigure,
    KeyFigures,
    Paragraph,
    Report,
    Results,
    StudyRun,
    Table,
    run,
    study_module,
)

#: Modules of this package that are not studies (the contract and what the studies share).
SHARED_MODULES = ("contract", "glossary")

__all__ = [
    "SHARED_MODULES",
    "Annex",
    "Figure",
    "Heading",
    "KeyFigure",
    "KeyFigures",
    "Paragraph",
    "Report",
    "Results",
    "StudyRun",
    "Table",
    "run",
    "study_module",
]
