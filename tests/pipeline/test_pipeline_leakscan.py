"""Leak scan: identifiers, row-level tables and small cells are found; clean reports pass."""

from __future__ import annotations

import importlib.util
import re
import shutil

import pandas as pd
import pytest
from pipeline_testutils import FIXTURE

from arefie_studies.pipeline.leakscan import ScanRules, rules_for_study, scan_files, scan_html
from arefie_studies.project.config import load_config

RULES = ScanRules(threshold=11, identifier_values=frozenset({"J10042", "Dupontel7", "2003-04-12",
                                                             "Jean Martinez"}),
                  identifier_columns=frozenset({"id", "nom"}), microdata_rows=60)


def tiny_study():
    spec = importlib.util.spec_from_file_location("tiny_study", FIXTURE / "src" / "tiny_study.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def table(rows, header="Sexe"):
    return f"<table><thead><tr><th>{header}</th><th>n</th></tr></thead><tbody>{rows}</tbody></table>"


def kinds(findings):
    return sorted(f.kind for f in findings)


def test_clean_report_passes():
    html = table('<tr><th>F</th><td data-n="30">30</td></tr>'
                 '<tr><th>H</th><td class="suppressed" data-suppressed="1">s</td></tr>')
    assert scan_html(html + "<p>Effectif 2 600 ; J1004 ; 12/04/2003x</p>", RULES) == []


def test_not_shown_cell_of_the_table_builder_passes():
    """An « nd » cell as ``tables.Table`` writes it (``data-not-shown="1"``, the presentation
    rule's marker, not a count) is clean; the same cell carrying its base is a leak."""
    from arefie_studies.tables import Cell, cell_html

    nd = cell_html(Cell.not_shown())
    assert 'data-not-shown="1"' in nd
    assert scan_html(table(f'<tr><th>F</th><td data-n="30">30</td></tr><tr><th>H</th>{nd}</tr>'),
                     RULES) == []
    leak = nd.replace("<td ", '<td data-n="40" ')
    [finding] = scan_html(table(f"<tr><th>H</th>{leak}</tr>"), RULES, "r.html")
    assert finding.kind == "hidden_count" and 'data-n="40"' in finding.detail


def test_hidden_cell_carrying_its_true_count_is_a_leak():
    """``data-n="4" data-suppressed="1"``: the cell is hidden on screen but its count is in the
    HTML (as in the CEJ per-ML reports): a hidden cell must carry no number at all."""
    html = table('<tr><th>F</th><td data-n="30">30</td></tr>'
                 '<tr><th>H</th><td data-n="4" data-suppressed="1">s</td></tr>')
    [finding] = scan_html(html, RULES, "r.html")
    assert finding.kind == "hidden_count" and 'data-n="4"' in finding.detail


def test_small_cell_not_suppressed_is_found():
    html = table('<tr><th>F</th><td data-n="30">30</td></tr><tr><th>X</th><td data-n="10">10</td></tr>')
    [finding] = scan_html(html, RULES, "r.html")
    assert finding.kind == "small_cell" and "n = 10" in finding.detail and finding.file == "r.html"
    # the threshold is the study's: 10 passes a threshold of 5
    assert scan_html(html, ScanRules(threshold=5)) == []


def test_banner_count_rows_are_checked_without_markers():
    nnbsp = "\u202f"
    html = ('<table class="arefie-table"><tbody><tr><th>Oui</th><td>49,3 %</td><td>12 %</td></tr>'
            f'<tr class="effectifs"><th scope="row">n</th><td>1{nnbsp}234</td><td>{{}}</td>'
            '<td class="suppressed">s</td><td>–</td></tr>'
            '<tr class="effectifs"><th scope="row">N</th><td>35 768</td><td>7</td></tr></tbody></table>')
    assert scan_html(html.format("11"), RULES) == []  # the weighted N row is not a count
    [finding] = scan_html(html.format("8"), RULES)
    assert finding.kind == "small_cell" and "n = 8" in finding.detail


def test_unreadable_count_is_a_finding():
    [finding] = scan_html('<td data-n="">?</td>', RULES)
    assert finding.kind == "small_cell" and "unreadable" in finding.detail


@pytest.mark.parametrize("text", [
    "<p>Exemple : J10042 a répondu</p>",
    '<img alt="Dupontel7">',
    "<p>né le 2003-04-12.</p>",
    "<p>Jean\n  Martinez</p>",
])
def test_identifier_values_are_found(text):
    [finding] = scan_html(text, RULES)
    assert finding.kind == "identifier"


def test_identifier_inside_embedded_image_is_ignored():
    assert scan_html('<img src="data:image/png;base64,AAJ10042+/J10042==">', RULES) == []


def test_row_level_tables_are_found():
    rows = "".join(f'<tr><td>{i}</td><td data-n="20">20</td></tr>' for i in range(60))
    [finding] = scan_html(table(rows), RULES)
    assert finding.kind == "row_level" and "60 rows" in finding.detail
    [finding] = scan_html(table('<tr><td>a</td><td data-n="20">20</td></tr>', header="ID"), RULES)
    assert finding.kind == "row_level" and "identifying column" in finding.detail


def test_pdf_and_xlsx_are_scanned(tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.importorskip("pypdf")  # no PDF text extractor on this machine
    (tmp_path / "ok.pdf").write_bytes(tiny_study()._pdf(["Effectif : 60", "Vague 2024"]))
    (tmp_path / "bad.pdf").write_bytes(tiny_study()._pdf(["Exemple : J10042 Dupontel7"]))
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["id", "nom"])
    wb.active.append(["J10042", 3])
    wb.save(tmp_path / "bad.xlsx")
    findings = scan_files(sorted(tmp_path.iterdir()), RULES, relative_to=tmp_path)
    # the workbook is a table with an 'id' column (row-level), the value J10042, and a count of 3
    assert sorted((f.file, f.kind) for f in findings) == [
        ("bad.pdf", "identifier"), ("bad.xlsx", "identifier"), ("bad.xlsx", "row_level"),
        ("bad.xlsx", "small_cell")]
    pdf = next(f for f in findings if f.file == "bad.pdf")
    assert "J10042" in pdf.detail and "Dupontel7" in pdf.detail and pdf.channel == "pdf"


def test_rules_for_the_fixture_study_read_identifying_values(project):
    cfg = load_config(project / "studies" / "tiny.yaml")
    rules = rules_for_study(cfg, project)
    assert rules.threshold == 11
    assert rules.microdata_rows is None  # 60 rows: too few for the row-count test
    assert rules.identifier_columns == {"id", "nom", "date_naissance"}
    assert {"J10000", "J10059", "Dupontel0", "2000-01-10", "10/01/2000"} <= rules.identifier_values
    assert "59" not in rules.identifier_values  # short codes are not identifying values
    # the shape of the ids is searched too (dates and names are not shapes: too common / too short)
    [shape] = rules.identifier_patterns
    assert re.fullmatch(shape, "J99999") and not re.search(shape, "2000-01-10 Dupontel0 J1004")
    assert rules.microdata_columns == frozenset()  # 60 rows: not microdata-sized
    tuned = rules_for_study(cfg, project, row_level_rows=8, row_level_signals=3)
    assert (tuned.row_level_rows, tuned.row_level_signals, tuned.threshold) == (8, 3, 11)


def test_row_count_rule_uses_the_smallest_large_input(project):
    rows = "\n".join(f"P{i:06d},{i % 7}" for i in range(150))
    (project / "data" / "big.csv").write_text("pid,score\n" + rows + "\n")
    (project / "data" / "small.csv").write_text("ml,nb\n" + "\n".join(f"M{i},3" for i in range(9)))
    (project / "studies" / "tiny_b.yaml").write_text(
        "title: B\ninputs:\n  big: {path: data/big.csv, identifiers: [pid]}\n"
        "  ml: {path: data/small.csv, identifiers: [ml]}\n")
    rules = rules_for_study(load_config(project / "studies" / "tiny_b.yaml"), project)
    assert rules.microdata_rows == 150
    assert "P000149" in rules.identifier_values and "M1" not in rules.identifier_values  # too short
    long_table = table("".join(f'<tr><td>{i}</td><td data-n="20">20</td></tr>' for i in range(150)))
    assert kinds(scan_html(long_table, rules)) == ["row_level"]



def test_a_download_with_its_header_first_is_read_by_its_columns(tmp_path):
    """A table download (header on the first line, notes after the values): a column of degrees
    of freedom or of percentages is no head count; a column of respondents under the threshold
    is a leak."""
    from arefie_studies.pipeline.leakscan import scan_files
    from arefie_studies.tables import write_csv

    ok = pd.DataFrame({"Aisne": [0.22, 0.31], "Degrés de liberté (département)": [3, 3],
                       "% satisfaits": [1.0, 0.95]}, index=pd.Index(["a", "b"], name="ligne"))
    write_csv(ok, tmp_path / "tableau-ok.csv", notes=["Source : test."])
    assert scan_files([tmp_path / "tableau-ok.csv"], RULES, relative_to=tmp_path) == []
    bad = pd.DataFrame({"Répondants": [4, 30]}, index=pd.Index(["a", "b"], name="ligne"))
    write_csv(bad, tmp_path / "tableau-bad.csv")
    assert kinds(scan_files([tmp_path / "tableau-bad.csv"], RULES, relative_to=tmp_path)) == ["small_cell"]


def test_a_column_of_shares_is_no_count(tmp_path):
    """In a download, a column of proportions holding 1.0 (100 %) is not a column of counts."""
    from arefie_studies.pipeline.leakscan import scan_files
    from arefie_studies.tables import write_csv

    shares = pd.DataFrame({"ML de Thiérache": [1.0, 0.953, 1.0, 1.0, 0.87],   # mostly 100 %
                           "Parts": [1.0, 0.5, 1.0, 1.0, 0.2]},
                          index=pd.Index(["a", "b", "c", "d", "e"], name="ligne"))
    write_csv(shares, tmp_path / "tableau-parts.csv")
    assert scan_files([tmp_path / "tableau-parts.csv"], RULES, relative_to=tmp_path) == []
