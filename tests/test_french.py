"""arefie_studies.french: territory names with articles, months, lists, plurals, typography and
the checker of the audit's patterns."""

from __future__ import annotations

import pytest

from arefie_studies import french

N = "\u202f"


@pytest.mark.parametrize(("name", "dans", "de", "le"), [
    ("Nord", "dans le Nord", "du Nord", "le Nord"),
    ("Aisne", "dans l’Aisne", "de l’Aisne", "l’Aisne"),
    ("Oise", "dans l’Oise", "de l’Oise", "l’Oise"),
    ("Somme", "dans la Somme", "de la Somme", "la Somme"),
    ("Pas-de-Calais", "dans le Pas-de-Calais", "du Pas-de-Calais", "le Pas-de-Calais"),
    ("Hauts-de-France", "en Hauts-de-France", "des Hauts-de-France", "les Hauts-de-France"),
])
def test_territories(name, dans, de, le):
    assert french.dans(name) == dans
    assert french.de(name) == de
    assert french.le(name) == le


def test_region_with_article_and_missions_locales():
    assert french.dans("Hauts-de-France", article=True) == "dans les Hauts-de-France"
    assert french.le("ML de Lille") == "la ML de Lille"
    assert french.a("ML du Valois") == "à la ML du Valois"
    assert french.dans("ML du Valois") == "à la ML du Valois"
    assert french.de("ML de l'Avesnois") == "de la ML de l'Avesnois"
    assert french.a("Nord") == "au Nord" and french.a("Hauts-de-France") == "aux Hauts-de-France"


def test_months():
    assert [french.mois(m, abrege=True) for m in range(1, 13)] == [
        "janv.", "févr.", "mars", "avr.", "mai", "juin",
        "juil.", "août", "sept.", "oct.", "nov.", "déc."]
    assert french.mois(3) == "mars" and french.mois(12) == "décembre"
    with pytest.raises(ValueError, match="1-12"):
        french.mois(13)


def test_lists_and_plurals():
    assert french.liste(["a", "b", "c"]) == "a, b et c"
    assert french.liste(["a", "b"], conjonction="ou") == "a ou b"
    assert french.liste([], vide="aucun") == "aucun"
    assert french.accord(1, "jeune") == "1 jeune"
    assert french.accord(2, "jeune") == "2 jeunes"
    assert french.accord(0, "indicateur") == "aucun indicateur"
    assert french.accord(0, "baisse", feminin=True) == "aucune baisse"
    assert french.accord(12345, "jeune") == f"12{N}345 jeunes"
    assert french.accord(3, "territoire régional", "territoires régionaux") == \
        "3 territoires régionaux"
    assert french.accord(2, "local") == "2 locaux"


def test_typography():
    assert french.typographie("Source : AREFIE ; 95 % des « jeunes »") == \
        f"Source{N}: AREFIE{N}; 95{N}% des «{N}jeunes{N}»"
    assert french.typographie("Pourquoi? Voilà!") == f"Pourquoi{N}? Voilà{N}!"
    # URLs, times and already-correct text are untouched
    for text in ("https://arefie.fr/x", "à 14:30", f"45{N}%", f"Note{N}: ok"):
        assert french.typographie(text) == text


def test_number_formatters_agree_with_the_tables_ones():
    from arefie_studies import tables

    assert french.fmt_int(35768) == f"35{N}768"
    assert french.fmt_pct(0.493) == f"49,3{N}%"
    assert french.fmt_num(-0.04, 1) == "0,0" and french.fmt_num(-1234.5, 1) == f"\u22121{N}234,5"
    values = [None, float("nan"), float("inf"), 0, 1, -1, 0.5, -0.04, 999.95, 1234.567,
              -98765.4321, 35768, 1e7, 0.0049]
    for v in values:
        for digits in (0, 1, 2):
            assert french.fmt_num(v, digits) == tables.fmt_num(v, digits), (v, digits)
            assert french.fmt_num(v, digits, sign=True) == tables.fmt_num(v, digits, sign=True)
            assert french.fmt_pct(v, digits) == tables.fmt_pct(v, digits), (v, digits)
        assert french.fmt_int(v) == tables.fmt_int(v)
    with pytest.raises(ValueError, match="expected a number"):
        french.fmt_num("abc")


@pytest.mark.parametrize(("text", "code"), [
    ("Il est plus lent pour : jeunes femmes, Oui (0,89)", "modalite-seule"),
    ("les jeunes en cej sont suivis", "sigle-minuscule"),
    ("Pour Hauts-de-France, la part augmente", "region-sans-article"),
    ("En Nord, la part augmente", "en-departement"),
    ("en Somme comme en Aisne", "en-departement"),
    (f"les baisses concernent{N}: aucun indicateur", "deux-points-aucun"),
    ("entrées en mars. 2024", "mois-abrege"),
    ("de juin. 2024 à déce. 2024", "mois-abrege"),
    ("entre janv 2024 et dec. 2024", "mois-abrege"),
    ("la part baisse; elle remonte", "espace-avant"),
    ("Source: AREFIE", "espace-avant"),
    ("intervalle à 95 % près", "espace-pourcent"),
    ("intervalle à 95%", "espace-pourcent"),
    ("intervalle à 95\n% près", "espace-pourcent"),
    ("la part baisse ; elle remonte", "espace-avant-normale"),
    ("Vague (wave) 2024", "anglais"),
    ("Nombre de types : n_types", "anglais"),
    ("Pondéré : True", "anglais"),
    ("valeur NaN", "anglais"),
    ("calibration_bounds 0,2 à 5", "anglais"),
    ("Version du code 0.1.0 (git 336f888-dirty)", "version-modifiee"),
])
def test_lint_finds_each_audit_pattern(text, code):
    assert code in {i.code for i in french.lint(text)}, french.lint(text)


def test_lint_accepts_good_french():
    good = (f"Dans le Nord, 49,3{N}% des jeunes accompagnés par la ML de Lille sont des femmes{N}; "
            f"aucun indicateur ne baisse. Source{N}: AREFIE, baromètre 2025 (entrées de janv. 2024 "
            f"à déc. 2024, en mars et en juin). Les jeunes en CEJ et en QPV. «{N}Très{N}»{N}! "
            "Version 0.1.0 (git 336f888-dirty) : version de travail non enregistrée du code. "
            "Logiciel arefie-studies, fichier data/synthetic/cej.csv. https://example.org/a?b")
    issues = french.lint(good.replace(" : version", f"{N}: version"))
    assert issues == [], issues


def test_visible_text_drops_markup_and_decodes():
    html = ("<html><head><style>p{color:red}</style><title>True</title></head><body>"
            "<p>Lecture&nbsp;: 45&#8239;%</p><script>var None=1;</script></body></html>")
    assert french.visible_text(html) == "Lecture\u00a0: 45\u202f%"
    assert french.lint_html(html) == []


def test_aucun_after_a_colon_only_when_it_stands_for_an_empty_list():
    from arefie_studies import french

    codes = [i.code for i in french.lint("Les baisses significatives concernent\u202f: aucun indicateur.")]
    assert "deux-points-aucun" in codes
    ok = "Outil de planification hebdomadaire\u202f: aucun outil partagé\u202f; fréquence mensuelle."
    assert "deux-points-aucun" not in [i.code for i in french.lint(ok)]
