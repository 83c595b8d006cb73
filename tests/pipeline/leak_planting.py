"""Builders of planted leaks for the leak-scan tests: executed notebooks made with nbformat (no
kernel), DataFrame displays as pandas writes them, and rendered files."""

from __future__ import annotations

import base64
import json

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from arefie_studies.pipeline.leakscan import ScanRules

IDS = ("J10042", "J10043", "J10044", "J10045", "J10046")
RULES = ScanRules(threshold=11, identifier_values=frozenset(IDS) | {"Dupontel7", "2003-04-12"},
                  identifier_columns=frozenset({"id", "nom"}), row_level_rows=5)
PSEUDONYM = "a3f9c2e81b7d4e6f9a01"  # 20 hex characters, as arefie_studies.io.pseudonymise writes


def microdata(rows: int = 10) -> pd.DataFrame:
    """Rows of youths as a study reads them (no identifier column)."""
    return pd.DataFrame({
        "sexe": (["H", "F"] * rows)[:rows],
        "age": [16 + (7 * i) % 10 for i in range(rows)],
        "commune": (["Lille", "Amiens", "Lens", "Lille", "Arras"] * rows)[:rows],
        "situation": (["emploi", "formation", "recherche"] * rows)[:rows],
    })


def crosstab() -> pd.DataFrame:
    """A pd.crosstab of counts with cells under 11."""
    df = pd.DataFrame({"sexe": ["F"] * 40 + ["H"] * 23, "departement": ["59"] * 37 + ["62"] * 3
                       + ["59"] * 20 + ["62"] * 3})
    return pd.crosstab(df["sexe"], df["departement"])


def display(obj, *, result: bool = False, metadata: dict | None = None):
    """The output IPython writes for ``obj``: text/html and text/plain of a DataFrame."""
    data = {"text/plain": repr(obj)}
    if hasattr(obj, "to_html"):
        data["text/html"] = obj.to_html()
    if result:
        return new_output("execute_result", data=data, execution_count=1, metadata=metadata or {})
    return new_output("display_data", data=data, metadata=metadata or {})


def output(channel: str, payload) -> nbformat.NotebookNode:
    """One output on a named channel: 'execute_result text/html', 'stream stderr', 'error'…"""
    if channel.startswith("stream"):
        return new_output("stream", name=channel.split()[1], text=payload)
    if channel == "error":
        return new_output("error", ename="ValueError", evalue=payload,
                          traceback=["\x1b[0;31mValueError\x1b[0m: " + payload])
    otype, mime = channel.split()
    extra = {"execution_count": 1} if otype == "execute_result" else {}
    return new_output(otype, data={mime: payload}, metadata={}, **extra)


def notebook(*outputs, markdown: str = "", source: str = "display(x)") -> nbformat.NotebookNode:
    """An executed notebook: a markdown cell (optional), a clean cell, then a cell holding
    ``outputs``."""
    cells = [new_markdown_cell(markdown or "# Rapport"),
             new_code_cell("x = 1", outputs=[output("stream stdout", "Vague 2024 : 1 234 répondants\n")],
                           execution_count=1),
             new_code_cell(source, outputs=list(outputs), execution_count=2)]
    return new_notebook(cells=cells)


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)
