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
