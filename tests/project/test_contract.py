"""The study contract's report object."""

import pytest


def test_report_chapters_split_at_level_one_headings():
    from arefie_studies.studies import Annex, Heading, Paragraph, Report

    r = Report([Annex("notes", "n"), Heading("A", 1, "a"), Paragraph("pa"), Heading("A.1", 2, "a1"),
                Paragraph("pa1"), Heading("B", 1, "b"), Paragraph("pb")])
    assert [type(b).__name__ for b in r.chapter("")] == ["Annex"]
    assert r.chapter("a").text() == "A\npa\nA.1\npa1"
    assert r.chapter("b").text() == "B\npb"
    with pytest.raises(KeyError, match="chapters: '', 'a', 'b'"):
        r.chapter("c")


def test_find_root_from_outside_the_repository(tmp_path, monkeypatch):
    """A notebook copied outside the repository finds the checkout the library is installed from."""
    from pathlib import Path

    import arefie_studies
    from arefie_studies.project import ProjectNotFoundError, find_root

    monkeypatch.chdir(tmp_path)
    checkout = Path(arefie_studies.__file__).resolve().parents[2]
    assert (checkout / "studies").is_dir()   # the set-up installs the library editable
    assert find_root() == checkout
    with pytest.raises(ProjectNotFoundError, match="Hint: open the notebook from the repository"):
        find_root(tmp_path)   # an explicit start is never replaced


def test_table_block_from_a_decided_table():
    import pandas as pd

    from arefie_studies.studies import Table
    from arefie_studies.tables import Table as DecidedTable

    est = pd.DataFrame({"row": ["Oui", "Oui"], "column": ["Nord", "Aisne"], "estimate": [0.49, 0.5],
                        "ci_low": [0.45, 0.3], "ci_high": [0.53, 0.7], "n": [600, 7]})
    block = Table.of(DecidedTable.from_estimates(est, title="Part", threshold=11), name="part")
    assert block.name == "part" and 'data-suppressed="1"' in block.html
    assert "0.5" not in block.frame.astype(str).to_numpy().ravel().tolist()
    assert "s" in block.frame.astype(str).to_numpy().ravel().tolist()


def test_report_tables_write_their_downloads_hidden_as_shown(tmp_path, capsys):
    import openpyxl
    import pandas as pd

    from arefie_studies.studies import Report, Table
    from arefie_studies.tables import Table as DecidedTable

    est = pd.DataFrame({"row": ["Oui", "Oui"], "column": ["Nord", "Aisne"], "estimate": [0.493, 0.5],
                        "ci_low": [0.451, 0.3], "ci_high": [0.535, 0.7], "n": [600, 7]})
    decided = DecidedTable.from_estimates(est, title="Part des jeunes", threshold=11, source="Source : test.")
    Report([Table.of(decided, "part")], downloads=tmp_path).show()
    csv = (tmp_path / "tableau-part.csv").read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0].startswith("ligne,")   # the header first: a spreadsheet reads it
    assert ",s" in csv and "0.5," not in csv and "Source : test." in csv and "de 1 à 10" in csv
    values = [c.value for row in openpyxl.load_workbook(tmp_path / "tableau-part.xlsx").active.iter_rows()
              for c in row if c.value is not None]
    assert 0.493 in values and 0.5 not in values and "s" in values
    # a frame-only block (no decided table) writes the same two files
    frame = decided.to_frame()
    Report([Table(html="<table></table>", frame=frame, name="brut", notes=("Note.",))],
           downloads=tmp_path).show()
    assert "Note." in (tmp_path / "tableau-brut.csv").read_text(encoding="utf-8-sig")
    assert (tmp_path / "tableau-brut.xlsx").is_file()
    # shown by a researcher (no downloads folder): nothing written
    Report([Table.of(decided, "autre")]).show()
    assert not (tmp_path / "tableau-autre.csv").exists()


def test_renderer_links_a_table_to_its_downloads():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from arefie_studies.pipeline.render import prepare_notebook

    out = new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>"},
                     metadata={"arefie": {"kind": "table", "name": "part"}})
    nb = new_notebook(cells=[new_code_cell("x", outputs=[out])])
    html = prepare_notebook(nb, downloads=frozenset({"part"})).cells[0].outputs[0]["data"]["text/html"]
    assert 'href="tableau-part.xlsx"' in html and 'href="tableau-part.csv"' in html
    html = prepare_notebook(nb).cells[0].outputs[0]["data"]["text/html"]
    assert "tableau-part" not in html
    assert isinstance(nb, nbformat.NotebookNode)


def test_annex_sections_in_the_annex_order_and_unknown_ones_refused():
    from arefie_studies.studies.contract import Annex

    blocks = Annex.sections({"notes": "N", "variance": "V", "sample": "E", "weighting": ""})
    assert [(b.section, b.markdown) for b in blocks] == [("sample", "E"), ("variance", "V"), ("notes", "N")]
    with pytest.raises(ValueError, match=r"unknown section\(s\) \['precision'\]"):
        Annex.sections({"precision": "V"})
