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
