"""Planted leaks: one per kind and one per output channel, each must be reported with its channel;
typical clean report content must pass.  Notebooks are built with nbformat (no kernel)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from leak_planting import (
    IDS,
    PSEUDONYM,
    RULES,
    b64,
    crosstab,
    display,
    json_text,
    microdata,
    notebook,
    output,
)

from arefie_studies.pipeline.leakscan import (
    ScanRules,
    identifier_shape,
    scan_files,
    scan_html,
    scan_json_value,
    scan_notebook,
    scan_report_dir,
    scan_text,
    summarize,
)
from arefie_studies.pipeline.leakscan.model import Where
from arefie_studies.tables import hidden_cell_html, value_cell_html

NNBSP = "\u202f"


def found(findings, kind, channel=""):
    """Findings of ``kind`` whose channel contains ``channel``."""
    return [f for f in findings if f.kind == kind and channel in f.channel]


def only_in_planted_cell(findings):
    """Every finding is in cell 2 (cells 0 and 1 of :func:`notebook` are clean)."""
    return {f.cell for f in findings} == {2}


# --------------------------------------------------------------------------- one per channel
CHANNELS = [
    ("execute_result text/html", lambda: crosstab().to_html(), "small_cell"),
    ("execute_result text/plain", lambda: repr(crosstab()), "small_cell"),
    ("display_data text/html", lambda: microdata().to_html(), "row_level"),
    ("display_data text/plain", lambda: repr(microdata()), "row_level"),
    ("display_data text/markdown", lambda: "Parmi eux, **3 jeunes** ont signé un contrat.",
     "small_count"),
    ("display_data text/markdown", lambda: "| Sexe | n |\n|---|---|\n| F | 30 |\n| X | 3 |\n",
     "small_cell"),
    ("stream stdout", lambda: repr(microdata().head()), "row_level"),
    ("stream stdout", lambda: "Effectif de la ML : n = 4\n", "small_count"),
    ("stream stderr", lambda: f"UserWarning: ligne {PSEUDONYM} ignorée\n", "identifier"),
    ("stream stderr", lambda: repr(crosstab()), "small_cell"),
    ("error", lambda: "invalid row J10042", "identifier"),
    ("display_data application/json", lambda: {"F": 30, "X": 3}, "small_cell"),
    ("display_data application/json", lambda: [{"id": "J10042", "sexe": "F"}], "identifier"),
    ("display_data application/vnd.plotly.v1+json",
     lambda: {"data": [{"x": ["F", "H", "X"], "y": [30, 25, 3], "type": "bar"}]}, "small_cell"),
    ("display_data image/svg+xml", lambda: '<svg><text x="1">n = 4</text></svg>', "small_count"),
    ("display_data text/csv", lambda: "sexe,n\nF,30\nX,3\n", "small_cell"),
    ("display_data text/latex", lambda: r"\textbf{7 Missions Locales}", "small_count"),
]


@pytest.mark.parametrize(("channel", "payload", "kind"), CHANNELS,
                         ids=[f"{c}-{k}" for c, _, k in CHANNELS])
def test_each_output_channel_is_scanned(channel, payload, kind):
    findings = scan_notebook(notebook(output(channel, payload())), RULES, "etude.ipynb")
    hits = found(findings, kind, channel)
    assert hits, f"no {kind} in {channel}: {findings}"
    assert only_in_planted_cell(findings)
    assert hits[0].file == "etude.ipynb" and hits[0].source == "display(x)"
    assert f"cell 2 «display(x)» [{channel}" in str(hits[0])


CSV_SMALL = "sexe;n\nF;30\nX;3"
HTML_PARTS = [
    ('<img src="data:image/png;base64,iVBORw0KGgo=" alt="Répartition des 7 Missions Locales de l’Oise">',
     "@alt",
     "small_count"),
    ('<span title="Exemple : J10042">voir</span>', "@title", "identifier"),
    ('<p aria-label="5 répondants">…</p>', "@aria-label", "small_count"),
    ('<div data-source="Dupontel7"></div>', "@data-source", "identifier"),
    ("<!-- 5 répondants dans l’Aisne -->", "<!-- comment -->", "small_count"),
    ('<script type="application/json">[{"sexe": "X", "n": 3}, {"sexe": "F", "n": 40}]</script>',
     "<script>", "small_cell"),
    ('<script>var data = {"F": 30, "X": 3}; draw(data);</script>', "<script> literal", "small_cell"),
    (f'<script>const ids = ["{IDS[0]}"];</script>', "<script>", "identifier"),
    (f'<a download="t.csv" href="data:text/csv;base64,{b64(CSV_SMALL)}">CSV</a>',
     "@href data: URI text/csv", "small_cell"),
    (f'<object data="data:application/json;base64,{b64(json_text([{"id": "J10043"}]))}"></object>',
     "@data data: URI application/json", "identifier"),
    ('<a href="data:text/plain,Exemple%20J10044">txt</a>', "@href data: URI text/plain", "identifier"),
    (f'<img src="data:image/svg+xml;base64,{b64("<svg><title>3 jeunes</title></svg>")}" alt="">',
     "@src data: URI image/svg+xml", "small_count"),
]


@pytest.mark.parametrize(("html", "channel", "kind"), HTML_PARTS, ids=[c for _, c, _ in HTML_PARTS])
def test_html_attributes_scripts_and_embedded_data_are_scanned(html, channel, kind):
    findings = scan_notebook(notebook(output("display_data text/html", f"<div>{html}</div>")), RULES)
    assert found(findings, kind, f"display_data text/html {channel}"), findings
    # the same in a rendered report file
    assert found(scan_html(f"<html><body>{html}</body></html>", RULES, "report.html"), kind, channel)


def test_output_metadata_markdown_cells_and_attachments_are_scanned():
    nb = notebook(output("display_data text/html", "<p>ok</p>"),
                  markdown="Dans l’Oise, **4 Missions Locales** seulement ont répondu.")
    nb.cells[2].outputs[0].metadata = {"arefie": {"caption": f"Parcours de {IDS[1]}"}}
    nb.cells[0].attachments = {"extrait.csv": {"text/csv": b64("id,sexe\nJ10045,F\n")}}
    findings = scan_notebook(nb, RULES, "etude.ipynb")
    assert found(findings, "identifier", "display_data metadata")[0].cell == 2
    assert found(findings, "small_count", "markdown cell")[0].cell == 0
    assert found(findings, "identifier", "attachment extrait.csv text/csv")
    assert found(findings, "row_level", "attachment extrait.csv")  # an 'id' column


def test_identifiers_in_code_sources_are_found():
    nb = notebook(output("stream stdout", "ok\n"), source=f'df[df.id == "{IDS[2]}"]')
    [finding] = scan_notebook(nb, RULES)
    assert finding.kind == "identifier" and finding.channel == "code" and IDS[2] in finding.detail


# --------------------------------------------------------------------------- one per leak kind
@pytest.mark.parametrize("cell", [
    '<td data-n="7" data-suppressed="1">s</td>',  # the CEJ per-ML reports
    '<td class="suppressed" data-suppressed="1" title="n = 7">s</td>',
    '<td class="suppressed"><span aria-label="7 jeunes">s</span></td>',
    '<td data-suppressed="1">s (7)</td>',
    '<td data-suppressed="1"><img alt="7" src="x.png"></td>',
])
def test_a_hidden_cell_must_carry_no_number(cell):
    html = f'<table><tr><th>F</th><td data-n="30">30</td></tr><tr><th>X</th>{cell}</tr></table>'
    [finding] = found(scan_html(html, RULES, "r.html"), "hidden_count")
    assert "7" in finding.detail and finding.channel == "html" and finding.file == "r.html"


def test_dataframe_display_of_microdata_is_found_in_both_mime_types():
    df = microdata().assign(id=[f"J{20000 + i}" for i in range(10)])  # ids not in the rules
    nb = notebook(display(df.head(), result=True))
    findings = scan_notebook(nb, RULES)
    html = found(findings, "row_level", "execute_result text/html")
    plain = found(findings, "row_level", "execute_result text/plain")
    assert html and plain and "identifying column: 'id'" in html[0].detail
    # without an identifier column: the rows still look like persons (numbered, person fields)
    findings = scan_notebook(notebook(display(microdata().head(), result=True)), RULES)
    for channel in ("execute_result text/html", "execute_result text/plain"):
        [hit] = found(findings, "row_level", channel)
        assert "rows are numbered" in hit.detail and "person-level" in hit.detail
    # the excerpt never carries the records themselves
    assert all("Lille" not in f.excerpt and "Amiens" not in f.detail for f in findings)


def test_printed_frames_with_one_space_between_column_names_are_read():
    df = microdata().rename(columns={"commune": "commune_de_residence_declaree"})
    text = "Extrait des données\n" + repr(df.head()) + "\n\n[5 rows x 4 columns]\n"
    [finding] = scan_text(text, RULES, Where("x", "stream stdout"))
    assert finding.kind == "row_level" and "5 rows" in finding.detail


def test_papermill_injected_parameters_do_not_shift_cell_numbers():
    nb = notebook(output("stream stdout", "3 jeunes\n"))
    injected = nb.cells[1].copy()
    injected.update(source='ml = "J10046"', outputs=[], metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(1, injected)
    findings = scan_notebook(nb, RULES)
    assert [(f.cell, f.channel) for f in findings] == [(None, "code (injected parameters)"),
                                                        (2, "stream stdout")]


def test_hand_written_table_of_ten_youths_is_row_level():
    rows = "".join(f"<tr><td>{s}</td><td>{a}</td><td>{c}</td><td>{x}</td></tr>"
                   for s, a, c, x in microdata().itertuples(index=False))
    html = ("<table><tr><th>Sexe</th><th>Âge</th><th>Commune</th><th>Situation</th></tr>"
            f"{rows}</table>")
    [finding] = scan_html(html, RULES)
    assert finding.kind == "row_level" and "10 rows" in finding.detail


def test_full_dates_down_a_column_are_row_level():
    rows = "".join(f"<tr><td>{d:02d}/0{d % 9 + 1}/2003</td><td>oui</td></tr>" for d in range(1, 8))
    [finding] = scan_html(f"<table><tr><th>Né le</th><th>Emploi</th></tr>{rows}</table>", RULES)
    assert finding.kind == "row_level" and "distinct full dates" in finding.detail


def test_crosstab_counts_are_found_in_html_and_text():
    findings = scan_notebook(notebook(display(crosstab(), result=True)), RULES)
    for channel in ("execute_result text/html", "execute_result text/plain"):
        [hit] = found(findings, "small_cell", channel)
        assert "(n = 3, 3)" in hit.detail and "row 'F' × column '62' = 3" in hit.detail
    assert not found(findings, "row_level")


def test_a_marked_cell_showing_a_small_count_is_found_once():
    base = '<table><tr><th>F</th><td data-n="30">{}</td></tr></table>'
    [finding] = scan_html(base.format("3"), RULES)  # the base is 30 but the cell shows 3
    assert finding.kind == "small_cell" and "= 3" in finding.detail
    assert scan_html(base.format("30"), RULES) == scan_html(base.format("49,3 %"), RULES) == []
    [finding] = scan_html(base.replace("30", "8").format("8"), RULES)  # reported once, from data-n
    assert "data-n under the threshold" in finding.detail


def test_hand_written_count_table_and_value_counts_are_found():
    html = ("<table><tr><th>Département</th><th>Jeunes</th></tr><tr><td>Nord</td><td>120</td></tr>"
            "<tr><td>Aisne</td><td>7</td></tr></table>")
    [finding] = scan_html(html, RULES)
    assert finding.kind == "small_cell" and "row 'Aisne' × column 'Jeunes' = 7" in finding.detail
    counts = repr(pd.Series([120, 2, 45], index=["Lille", "Lens", "Arras"], name="count"))
    [finding] = scan_text(counts, RULES, Where("out", "stream stdout"))
    assert finding.kind == "small_cell" and "= 2" in finding.detail


@pytest.mark.parametrize("text", [
    "Dans ce territoire, 3 jeunes ont quitté le dispositif.",
    "L’enquête a été menée auprès de 7 Missions Locales.",
    "Seulement 5 répondants ont choisi cette réponse.",
    "Ces résultats reposent sur 9 ML.",
    "Deux bénéficiaires sont sortis en emploi.",
    "Taux d’emploi des mineurs (n = 4) : 50 %.",
    "Effectif : 6",
    "sur 8 entreprises interrogées, toutes recrutent",
    "1 jeune a abandonné",
    "Les 10 youths interviewed",
])
def test_small_counts_in_prose_are_found(text):
    [finding] = scan_text(text, RULES, Where("r.html", "html"))
    assert finding.kind == "small_count"


def test_identifier_values_and_shapes_are_found_everywhere():
    ids = [f"BJ2018-{i:06d}" for i in range(1, 200)]
    shape = identifier_shape(ids)
    rules = ScanRules(identifier_values=frozenset(ids), identifier_patterns=(shape,))
    [hit] = scan_text("Réponse BJ2018-000007 exclue", rules, Where("x"))
    assert hit.kind == "identifier" and "BJ2018-000007" in hit.detail
    # a value of the same shape that is not in the data (another wave) is found by its shape
    [hit] = scan_text("Réponse BJ2019-123456 exclue", rules, Where("x"))
    assert "shaped like an identifier" in hit.detail
    # pseudonyms: 20 hex characters, always searched; hashes of other lengths are not
    [hit] = scan_text(f"pseudo {PSEUDONYM}", ScanRules(), Where("x"))
    assert PSEUDONYM in hit.detail
    assert scan_text("sha256 " + "ab12" * 16 + " git 1a2b3c4", ScanRules(), Where("x")) == []
    assert identifier_shape([str(100000 + i) for i in range(50)]) is None  # bare numbers: no shape
    hexes = [f"{i:04x}" + "a1b2c3d4e5f6" for i in range(50)]
    assert identifier_shape(hexes) is not None


# --------------------------------------------------------------------------- downloads
def test_downloads_xlsx_csv_json_and_data_files(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T1"
    for row in (["Tableau 1 – Sorties"], ["", "Ensemble", "Femmes"], ["Emploi", 0.493, 0.51],
                ["n", 40, 7], ["Lecture : dont 4 jeunes en CDI."]):
        ws.append(row)
    ws["B3"].number_format = ws["C3"].number_format = "0.0%"
    wb.save(tmp_path / "tableaux.xlsx")
    (tmp_path / "effectifs.csv").write_text("département;jeunes\nNord;120\nAisne;4\n", encoding="utf-8")
    (tmp_path / "donnees.json").write_text(json.dumps([{"id": IDS[3], "sexe": "F"}]), encoding="utf-8")
    (tmp_path / "extrait.parquet").write_bytes(b"PAR1")
    (tmp_path / "meta.json").write_text(json.dumps({"fingerprint": "x", "files": {},
                                                    "parameters": {"n_types": 4}}))
    findings = scan_report_dir(tmp_path, RULES)
    assert [h.detail.split(":")[0] for h in found(findings, "small_cell", "xlsx sheet 'T1'")] == [
        "1 count(s) under the threshold 11 in the sheet's table, not marked hidden (n = 7)"]
    assert found(findings, "small_count", "xlsx sheet 'T1'")
    assert found(findings, "small_cell", "csv")[0].file == "effectifs.csv"
    assert {f.kind for f in findings if f.file == "donnees.json"} == {"identifier", "row_level"}
    assert [f.kind for f in findings if f.file == "extrait.parquet"] == ["unscanned"]
    assert not [f for f in findings if f.file == "meta.json"]  # the pipeline's own provenance


def test_records_are_one_table_and_unreadable_files_are_refused(tmp_path):
    records = [{"annee": 2024, "jeunes": 3}, {"annee": 2025, "jeunes": 40}]
    [finding] = scan_json_value(records, RULES, Where("d.json", "json"))  # not one per record
    assert finding.kind == "small_cell" and "column 'jeunes' = 3" in finding.detail
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "bad.ipynb").write_text("{", encoding="utf-8")
    findings = scan_report_dir(tmp_path, RULES)
    assert sorted((f.file, f.kind) for f in findings) == [("bad.ipynb", "unscanned"),
                                                          ("bad.xlsx", "unscanned")]
    assert all("cannot be read" in f.detail for f in findings)


# --------------------------------------------------------------------------- clean content passes
CLEAN_SNIPPETS = [
    f"<p>49,3{NNBSP}% [45,1{NNBSP}; 53,4] des jeunes sont en emploi.</p>",
    f"<p>En 2024, 35{NNBSP}768 jeunes ont été accompagnés ; 2{NNBSP}005 répondants.</p>",
    "<p>Tableau 12 – Jeunes en emploi selon le sexe. Figure 3 Jeunes accompagnés.</p>",
    "<p>La ML se classe 38e sur 42 ; 1re sur 5 dans l’Aisne.</p>",
    "<p>Extraction du 31/03/2025, vagues 2018 à 2030.</p>",
    "<p>Différence non significative (p = 0,37 ; n = 1 234).</p>",
    "<p>Les jeunes de 18 ans ; 3 mois après l’entrée ; 6 jeunes sur 10 ; deux jeunes sur trois.</p>",
    "<p>Les cases reposant sur 1 à 10 répondants, soit moins de 11 jeunes, sont masquées.</p>",
    "<p>Au moins 5 jeunes par case ; seuil de 11 répondants ; au plus 3 Missions Locales.</p>",
    "<p>Question 3 jeunes NEET ; page 2 ; vague 2 : 1 500 répondants ; type 4 bénéficiaires.</p>",
    "<p>Horizon de 12 mois, 24 semaines, 15 h par semaine, 4 à 6 types.</p>",
    "<p>Les 42 Missions Locales ; les 11 jeunes ; 12 entreprises.</p>",
]


@pytest.mark.parametrize("html", CLEAN_SNIPPETS)
def test_typical_report_text_passes(html):
    assert scan_html(html, RULES) == []


def test_typical_report_tables_pass():
    percent = ("<table><thead><tr><th></th><th>Ensemble</th><th>Femmes</th><th>Hommes</th></tr>"
               "</thead><tbody><tr class='question'><th colspan='4'>Situation à 6 mois</th></tr>"
               "<tr><th>Emploi</th>" + value_cell_html(0.493, 0.451, 0.534, n=640)
               + value_cell_html(0.51, 0.47, 0.55, n=320) + hidden_cell_html() + "</tr>"
               "<tr><th>Formation</th>" + value_cell_html(0.2, 0.17, 0.23, n=640)
               + value_cell_html(0.21, 0.18, 0.24, n=320) + hidden_cell_html() + "</tr>"
               f"<tr class='effectifs'><th scope='row'>n</th><td>640</td><td>320</td>{hidden_cell_html()}</tr>"
               f"<tr class='effectifs'><th scope='row'>N</th><td>35{NNBSP}768</td><td>17 000</td><td>7</td>"
               "</tr></tbody></table>")
    ranks = ("<table><tr><th>Indicateur</th><th>Valeur</th><th>Rang</th><th>Année</th></tr>"
             + "".join(f"<tr><td>Indicateur {i}</td><td>{i},5 %</td><td>{i}e sur 42</td><td>2024</td></tr>"
                       for i in range(1, 9)) + "</table>")
    software = ("<table class='meta-table'><thead><tr><th>Logiciel</th><th>Version</th></tr></thead>"
                "<tbody><tr><td>numpy</td><td>1.26.4</td></tr><tr><td>pandas</td><td>2.2.2</td></tr>"
                "</tbody></table>")
    params = ("<table class='meta-table'><thead><tr><th>Paramètre</th><th>Valeur</th></tr></thead><tbody>"
              + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in [
                  ("ml", ""), ("horizon", 12), ("exit_months", "6, 12"), ("n_types", 4),
                  ("low_hours", 15), ("extraction_date", "2025-03-31"), ("km_group", "qualification")])
              + "</tbody></table>")
    months = ("<table><tr><th>Mois</th><th>Part en emploi</th></tr>"
              + "".join(f"<tr><td>{m}</td><td>{10 + m},0 %</td></tr>" for m in range(1, 13)) + "</table>")
    for html in (percent, ranks, software, params, months):
        assert scan_html(html, RULES) == [], html


def test_typical_clean_notebook_passes():
    shares = crosstab().apply(lambda c: c / c.sum()).round(3)
    counts = crosstab() * 11
    big = microdata(200)["commune"].value_counts()
    nb = notebook(display(shares, result=True), display(counts), output("stream stdout", repr(big)),
                  output("stream stdout", "Nombre de types retenu : 4\nSilhouette moyenne : 0,31\n"),
                  output("display_data text/markdown", "Les **42 Missions Locales** ont répondu."),
                  markdown="## Méthode\nEnquête 2024 : 2 600 répondants, 42 Missions Locales.")
    nb.cells[2].outputs[1].metadata = {"arefie": {"caption": "Figure 3 – Jeunes par sexe"}}
    assert scan_notebook(nb, RULES) == []


# --------------------------------------------------------------------------- caller's thresholds
def test_threshold_and_row_level_sensitivity_are_the_callers():
    table = crosstab().to_html()
    assert found(scan_html(table, RULES), "small_cell")
    assert scan_html(table, ScanRules(threshold=3)) == []  # the counts are 3: not under 3
    four = microdata(4).to_html()
    assert scan_html(four, RULES) == []  # 4 rows < row_level_rows = 5
    [hit] = scan_html(four, ScanRules(row_level_rows=3))
    assert hit.kind == "row_level"
    with pytest.raises(ValueError, match="row_level_rows"):
        ScanRules(row_level_rows=1)


def test_summary_counts_kinds_and_files(tmp_path):
    (tmp_path / "a.html").write_text("<p>3 jeunes, J10042</p>", encoding="utf-8")
    (tmp_path / "b.csv").write_text("sexe,n\nX,3\n", encoding="utf-8")
    findings = scan_files(sorted(tmp_path.iterdir()), RULES, relative_to=tmp_path)
    text = summarize(findings, limit=2)
    assert text.splitlines()[0] == ("3 finding(s): identifier ×1, small_cell ×1, small_count ×1 in "
                                    "a.html (2), b.csv (1)")
    assert text.splitlines()[-1] == "  … and 1 more"
