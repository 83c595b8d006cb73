"""The run's progress (per variant, per notebook cell) and its summary, in French."""

from __future__ import annotations

import io
import json
import os
import re
import time

from arefie_studies.pipeline.progress import CellProgress, RunProgress, code_cells, last_cell_event
from arefie_studies.pipeline.runner import Failure, RunSummary


def notebook(tmp_path, kinds, parameters_at=None):
    cells = []
    for i, kind in enumerate(kinds):
        cell = {"cell_type": kind, "metadata": {}, "source": f"# {i}"}
        if i == parameters_at:
            cell["metadata"]["tags"] = ["parameters"]
        cells.append(cell)
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")
    return path


def test_code_cells_count_the_injected_parameters_cell(tmp_path):
    # markdown, parameters, code, markdown, code: papermill inserts its cell after "parameters"
    nb = notebook(tmp_path, ["markdown", "code", "code", "markdown", "code"], parameters_at=1)
    assert code_cells(nb) == [None, 1, 2, 3, None, 4]
    assert code_cells(nb, injected=False) == [None, 1, 2, None, 3]
    # no parameters cell: the injected one goes first
    nb = notebook(tmp_path, ["markdown", "code"])
    assert code_cells(nb) == [1, None, 2]
    assert code_cells(tmp_path / "missing.ipynb") == []


def test_last_cell_event_reads_papermill_log_lines():
    log = (b"2026-01-01 INFO papermill: Executing Cell 3---------------------------------------\n"
           b"2026-01-01 INFO papermill: Ending Cell 3------------------------------------------\n"
           b"2026-01-01 INFO papermill: Executing Cell 4---------------------------------------\n")
    assert last_cell_event(log) == ("Executing", 4)
    assert last_cell_event(log[:-90]) == ("Ending", 3)
    assert last_cell_event(b"status ok\n") is None


def write_log(path, *lines):
    with open(path, "ab") as fh:
        fh.write(b"".join(f"INFO papermill: {line}{'-' * 30}\n".encode() for line in lines))


def test_cell_progress_follows_this_runs_log_only(tmp_path):
    nb = notebook(tmp_path, ["code", "markdown", "code", "code"], parameters_at=0)
    log = tmp_path / "v.log"
    write_log(log, "Executing Cell 4")       # the previous run's log
    old = time.time_ns() - 10_000_000_000
    os.utime(log, ns=(old, old))
    job = CellProgress("s/regional", log, code_cells(nb), submitted_ns=time.time_ns() - 1)
    job.poll()
    assert not job.started and job.state() == ""     # not this run's log yet
    log.write_bytes(b"study s variant regional\n")   # the worker truncates it
    job.poll()
    assert job.started and job.state() == "s/regional démarrage" and job.steps_done == 0
    write_log(log, "Executing Cell 1", "Ending Cell 1", "Executing Cell 2", "Ending Cell 2",
              "Executing Cell 3")                    # cell 3 is the markdown one
    job.poll()
    assert job.state() == "s/regional cellule 2/4" and job.steps == 6 and job.steps_done == 2
    write_log(log, "Ending Cell 3", "Executing Cell 4")
    job.poll()
    assert job.state() == "s/regional cellule 3/4" and job.steps_done == 3
    write_log(log, "Ending Cell 4", "Executing Cell 5", "Ending Cell 5")
    job.poll()
    assert job.state() == "s/regional mise en page" and job.steps_done == 5


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_run_progress_on_a_terminal_shows_cells_and_variants(tmp_path):
    nb = notebook(tmp_path, ["code", "code"], parameters_at=0)
    log = tmp_path / "a.log"
    out = Terminal()
    view = RunProgress(2, stream=out, interval=0.05)
    view.submitted("etude/regional", log, nb)
    view.submitted("etude/departement-59", tmp_path / "b.log", nb)
    view.start()
    write_log(log, "Executing Cell 1", "Ending Cell 1", "Executing Cell 2")
    deadline = time.monotonic() + 10
    while "etude/regional cellule 2/3" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    view.ended("etude/regional", ok=True, seconds=43.94)
    view.ended("etude/departement-59", ok=False, seconds=2.0)
    view.close()
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out.getvalue())
    assert "rapports : 0/2 variantes" in text and "etude/regional cellule 2/3" in text
    assert "✓ [1/2] etude/regional : publié (43,9 s)" in text
    assert "✗ [2/2] etude/departement-59 : en échec (2,0 s)" in text
    assert "rapports : 2/2 variantes 100 %" in text


def test_run_progress_elsewhere_writes_one_line_per_variant(tmp_path):
    out = io.StringIO()   # not a terminal: no bar, no cell lines
    view = RunProgress(1, stream=out)
    view.submitted("etude/regional", tmp_path / "a.log", tmp_path / "nb.ipynb")
    view.start()
    view.ended("etude/regional", ok=True, seconds=5.26)
    view.close()
    assert out.getvalue() == "✓ [1/1] etude/regional : publié (5,3 s)\n"
    quiet = io.StringIO()
    view = RunProgress(1, enabled=False, stream=quiet)   # --no-progress
    view.ended("etude/regional", ok=True, seconds=5.26)
    view.close()
    assert quiet.getvalue() == ""


def test_run_summary_is_french_with_agreed_plurals():
    s = RunSummary(published=[("a", "r"), ("a", "n"), ("b", "r")], seconds=5.54)
    assert s.report() == "3 rapports publiés, 0 à jour, 0 en échec (5,5 s)."
    s = RunSummary(published=[("a", "r")], skipped=[("b", "r"), ("c", "r")], seconds=0.04)
    assert s.report() == "1 rapport publié, 2 à jour, 0 en échec (0,0 s)."
    s = RunSummary(skipped=[("b", "r")], seconds=1.0, failures=[
        Failure("a", "regional", "KeyError: 'x'", cell={"index": 3, "execution_count": 4,
                                                          "source": "table(x)"},
                kept="reports/_failed/a/regional.ipynb", log="reports/_logs/a/regional.log"),
        Failure("b", "nord", "analyse des fuites, publication refusée : 1 constat")])
    assert s.report().splitlines() == [
        "0 rapport publié, 1 à jour, 2 en échec (1,0 s).",
        "2 variantes en échec :",
        "  - a / regional : cellule 3 (In [4]) «table(x)» : KeyError: 'x'",
        "      carnet conservé dans reports/_failed/a/regional.ipynb ; "
        "journal : reports/_logs/a/regional.log",
        "  - b / nord : analyse des fuites, publication refusée : 1 constat",
    ]
    one = RunSummary(failures=[Failure("a", "r", "boom")])
    assert one.report().splitlines()[1] == "1 variante en échec :"
