import pytest

from arefie_studies.studies import glossary


def test_each_term_once_in_the_given_order():
    md = glossary.glossary_markdown(["emploi_durable", "sans_logement_stable", "emploi_durable"])
    assert md.count("**Emploi durable**") == 1
    assert md.index("Emploi durable") < md.index("Sans logement stable")
    assert "hébergé chez des tiers" in md and "n’est pas un emploi durable" in md


def test_unknown_term_lists_known_ones():
    with pytest.raises(KeyError, match=r"known terms: .*emploi_durable"):
        glossary.term("emploi_stable")


def test_report_chapters_split_at_level_one_headings():
    from arefie_studies.studies import Annex, Heading, Paragraph, Report

    r = Report([Annex("notes", "n"), Heading("A", 1, "a"), Paragraph("pa"), Heading("A.1", 2, "a1"),
                Paragraph("pa1"), Heading("B", 1, "b"), Paragraph("pb")])
    assert [type(b).__name__ for b in r.chapter("")] == ["Annex"]
    assert r.chapter("a").text() == "A\npa\nA.1\npa1"
    assert r.chapter("b").text() == "B\npb"
    with pytest.raises(KeyError, match="chapters: '', 'a', 'b'"):
        r.chapter("c")
