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
