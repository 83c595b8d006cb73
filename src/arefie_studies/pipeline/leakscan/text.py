"""Leaks in free text: identifier values and shapes, and small counts in prose.

Prose counts: a whole number 1 … threshold-1 (digits, or a French number word ``deux`` …
``dix``) directly followed by a population noun (:data:`POPULATION_NOUNS`: jeunes, personnes,
répondants, Missions Locales, ML, entreprises, bénéficiaires…), or written ``n = 7`` /
``effectif : 7``.  Not counts: decimals (``49,3``), percentages, thousands groups (``35 768``),
ordinals (``38e``), numbers after a label (``Tableau 3``, ``Figure 3``, ``page 3``, ``vague 2``…),
bounds of a range or threshold (``moins de 5 jeunes``, ``1 à 10 répondants``, ``au moins 3``),
proportions (``3 jeunes sur 10``, ``deux jeunes sur trois``); ``18 ans``, ``3 mois``, years and
dates never precede a population noun.
"""

from __future__ import annotations

import re
from functools import lru_cache

from arefie_studies.pipeline.leakscan.model import LeakFinding, ScanRules, Where, excerpt

__all__ = ["POPULATION_NOUNS", "identifier_findings", "prose_count_findings", "scan_text"]

_TOKEN_FINE = re.compile(r"\w+")
_TOKEN_COARSE = re.compile(r"\w(?:[\w./@'-]*\w)?")

#: Nouns that make a number a head count (case-insensitive; ``ML`` is matched in capitals only).
POPULATION_NOUNS = (
    r"jeunes?", r"personnes?", r"r[ée]pondant(?:e)?s?", r"individus?", r"missions?[ \-]locales?",
    r"entreprises?", r"employeurs?", r"b[ée]n[ée]ficiaires?", r"youths?", r"respondents?", r"people",
    r"persons?", r"participant(?:e)?s?", r"allocataires?", r"stagiaires?", r"apprenti(?:e)?s?",
    r"[ée]l[èe]ves?", r"[ée]tudiant(?:e)?s?", r"salari[ée](?:e)?s?", r"demandeu(?:r|se)s?\s+d['’]emploi",
    r"inscrit(?:e)?s", r"enqu[êe]t[ée](?:e)?s", r"interrog[ée](?:e)?s", r"sortant(?:e)?s",
    r"entrant(?:e)?s", r"signataires?", r"conseill(?:er|[èe]re)s?", r"professionnel(?:le)?s?",
    r"structures?", r"[ée]tablissements?", r"m[ée]nages?", r"familles?", r"foyers?", r"femmes?",
    r"hommes?", r"filles?", r"gar[çc]ons?", r"mineur(?:e)?s?", r"patient(?:e)?s?", r"cas",
    r"questionnaires?", r"usagers?", r"accompagn[ée](?:e)?s", r"b[ée]n[ée]voles?",
    r"NEET", r"cases", r"records?", r"firms?", r"companies",
)
_NOUN = r"(?:(?i:" + "|".join(POPULATION_NOUNS) + r")|ML)(?![\w-])"
_GAP = r"[ \t\r\n\u00a0\u202f\u2009]+"
_WORDS = {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
          "dix": 10}
_ADJ = (r"(?:(?i:autres|seul(?:e)?s|nouveaux|nouvelles|premiers|premi[èe]res|derniers|derni[èe]res"
        r"|jeunes|des|de\s+ces|parmi\s+les)" + _GAP + r")?")
_NUMBER = r"(?P<num>\d{1,3}(?![\d,.]\d)|(?i:deux|trois|quatre|cinq|six|sept|huit|neuf|dix))"
_COUNT_NOUN = re.compile(r"(?<![\w,./:\-–])" + _NUMBER + _GAP + _ADJ + _NOUN)
_COUNT_EQ = re.compile(r"(?<![\w.])(?:n|N|(?i:effectifs?(?:\s+(?:total|non\s+pond[ée]r[ée]))?))"
                       r"[ \u00a0\u202f]*[:=][ \u00a0\u202f]*(?P<num>\d{1,3})(?![\d,.]\d|[ \u00a0\u202f]?\d)")
#: Words before the number that make it a label, a bound or a range end, not a head count.
_BEFORE = re.compile(
    r"(?<!\w)(?i:tableau|table|figure|fig\.|graphique|graph|carte|annexe|page|p\.|section|chapitre|partie"
    r"|n°|no\.|num[ée]ro|vague|type|classe|groupe|cluster|question|item|[ée]tape|niveau|rang|semaine"
    r"|mois|jour|ann[ée]e|cohorte|version|module|axe|dimension|facteur|composante|ligne|colonne"
    r"|note|encadr[ée]|moins\s+de|plus\s+de|au\s+moins|au\s+plus|jusqu['’]\s*[àa]|inf[ée]rieure?s?\s+[àa]"
    r"|sup[ée]rieure?s?\s+[àa]|seuil(?:\s+de)?|minimum(?:\s+de)?|maximum(?:\s+de)?|\d\s*[àa]|entre"
    r"|[<>≤≥])[ \u00a0\u202f]*[:.]?[ \u00a0\u202f]*$"
)
_THOUSANDS_BEFORE = re.compile(r"\d[ \u00a0\u202f]$")
_RATIO_AFTER = re.compile(r"^" + _GAP + r"(?i:sur|out\s+of)" + _GAP
                          + r"(?P<d>\d+|(?i:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|cent))\b")


def _value(num: str) -> int:
    return _WORDS.get(num.lower(), None) or int(num)


def prose_count_findings(text: str, rules: ScanRules, where: Where) -> list[LeakFinding]:
    """Head counts under the threshold written in text (one finding listing them)."""
    hits: list[tuple[int, str]] = []
    for rx in (_COUNT_NOUN, _COUNT_EQ):
        for m in rx.finditer(text):
            value = _value(m["num"])
            if not 0 < value < rules.threshold:
                continue
            before = text[max(0, m.start() - 40):m.start()]
            if _BEFORE.search(before) or _THOUSANDS_BEFORE.search(before):
                continue
            ratio = _RATIO_AFTER.match(text[m.end():m.end() + 20])
            if ratio and (ratio["d"].lower() in _WORDS or ratio["d"].lower() == "cent"
                          or int(ratio["d"]) <= 10 or int(ratio["d"]) == 100):
                continue  # "3 jeunes sur 10": a proportion
            hits.append((value, excerpt(text, m.start(), m.end())))
    if not hits:
        return []
    shown = "; ".join(f"«{e}»" for _, e in hits[:3])
    return [where.finding(
        "small_count",
        f"{len(hits)} count(s) under the threshold {rules.threshold} in text "
        f"(n = {', '.join(str(v) for v, _ in hits[:8])}): {shown}", hits[0][1])]


@lru_cache(maxsize=8)
def _split_values(values: frozenset[str]) -> tuple[frozenset[str], tuple[tuple[str, list[str]], ...]]:
    """One-word values (a set, matched against the text's tokens) and multi-word values."""
    multi = tuple((v, v.split()) for v in values if " " in v)
    return frozenset(v for v in values if " " not in v), multi


def identifier_findings(text: str, rules: ScanRules, where: Where) -> list[LeakFinding]:
    """Values of identifying columns (whole tokens; multi-word values as phrases) and tokens shaped
    like identifiers or pseudonyms (:meth:`ScanRules.patterns`)."""
    found: set[str] = set()
    if rules.identifier_values:
        single, multi = _split_values(rules.identifier_values)
        flat = " ".join(text.split())
        tokens = set(_TOKEN_FINE.findall(flat)) | set(_TOKEN_COARSE.findall(flat))
        found = tokens & single
        for value, words in multi:
            if words[0] in tokens and " ".join(words) in flat:
                found.add(value)
    shaped: set[str] = set()
    for rx in rules.patterns():
        shaped |= {m.group(0) for m in rx.finditer(text)} - found
    out = []
    if found:
        shown = ", ".join(sorted(found)[:5]) + (" …" if len(found) > 5 else "")
        out.append(where.finding("identifier",
                                 f"{len(found)} identifying value(s) appear in the text: {shown}",
                                 sorted(found)[0]))
    if shaped:
        shown = ", ".join(sorted(shaped)[:5]) + (" …" if len(shaped) > 5 else "")
        out.append(where.finding("identifier", f"{len(shaped)} token(s) shaped like an identifier "
                                 f"or pseudonym: {shown}", sorted(shaped)[0]))
    return out


def scan_text(text: str, rules: ScanRules, where: Where, *, prose: bool = True,
              tables: bool = True) -> list[LeakFinding]:
    """Identifiers, prose counts and (``tables``) printed tables (DataFrame reprs) of a text."""
    from arefie_studies.pipeline.leakscan.grid import analyse_grid, text_grids

    if not text or not text.strip():
        return []
    out = identifier_findings(text, rules, where)
    if prose:
        out += prose_count_findings(text, rules, where)
    if tables:
        for i, grid in enumerate(text_grids(text), start=1):
            out += analyse_grid(grid, rules, where, f"printed table {i}")
    return out
