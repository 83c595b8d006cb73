"""Every rendered report passes the French checker (the audit's patterns, french.lint).

Checks the small report rendered here AND every report present under ``reports/`` in the
project (after ``arefie-studies run``), so a study whose texts regress is caught.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_synthetic_french import META, notebook

from arefie_studies import french
from arefie_studies.pipeline.render import render_html

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = sorted(ROOT.glob("reports/*/*/report.html"))


def _check(html: str, where: str) -> None:
    issues = french.lint_html(html)
    assert issues == [], f"{where}: {len(issues)} French issue(s):\n" + "\n".join(
        map(str, issues[:30]))


def test_rendered_test_report_is_clean():
    md = {**META, "parameters": {k: v for k, v in META["parameters"].items() if k != "pooled"}}
    _check(render_html(notebook(), title="Baromètre", variant="Rapport régional", metadata=md),
           "test report")


@pytest.mark.parametrize("path", PUBLISHED, ids=[str(p.relative_to(ROOT)) for p in PUBLISHED])
def test_published_report_is_clean(path):
    _check(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
