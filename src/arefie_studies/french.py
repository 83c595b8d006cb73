"""French text for partners: territory names with their articles, months, lists, plurals,
typographic spaces, and a checker for the mistakes found in the report audit.

This is the lowest layer of the package: it imports nothing from the project (nor pandas), so
the portal and the report renderer use it without loading the statistics stack. The number
formatters are those of :mod:`arefie_studies.tables` (``fmt_int(35768) == "35 768"``,
``fmt_pct(0.493) == "49,3 %"``, U+202F as thousands separator); they are implemented here and
checked equal to the tables' ones value by value (tests/test_french.py) until ``tables._format``
re-exports them.

>>> dans("Nord"), dans("Aisne"), dans("Somme"), dans("Hauts-de-France")
('dans le Nord', 'dans l’Aisne', 'dans la Somme', 'en Hauts-de-France')
>>> de("Somme"), de("Nord"), de("Aisne"), de("Hauts-de-France")
('de la Somme', 'du Nord', 'de l’Aisne', 'des Hauts-de-France')
>>> a("ML du Valois"), liste(["a", "b", "c"]), accord(0, "indicateur")
('à la ML du Valois', 'a, b et c', 'aucun indicateur')
"""

from __future__ import annotations

import html as _html
import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MISSING",
    "MOIS",
    "MOIS_ABREGES",
    "NBSP",
    "NNBSP",
    "Issue",
    "a",
    "accord",
    "dans",
    "de",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "le",
    "lint",
    "lint_html",
    "liste",
    "mois",
    "typographie",
    "typographie_html",
    "visible_text",
]

NNBSP = "\u202f"  # narrow no-break space: thousands separator, before ; ! ? % and inside « »
NBSP = "\u00a0"  # no-break space (accepted wherever NNBSP is)
_SPACES = NNBSP + NBSP

MOIS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
#: Abbreviations of the Imprimerie nationale (short months are never abbreviated).
MOIS_ABREGES = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip


def mois(numero: int, *, abrege: bool = False) -> str:
    """Month name (1-12): ``mois(3) == 'mars'``, ``mois(12, abrege=True) == 'déc.'``."""
    if not 1 <= int(numero) <= 12:
        raise ValueError(f"mois: month number must be 1-12, got {numero!r}.")
    return (MOIS_ABREGES if abrege else MOIS)[int(numero) - 1]


# --------------------------------------------------------------------------- numbers
MISSING = "–"  # en dash for a missing or undefined value (as in tables)


def fmt_num(x: Any, digits: int = 1, *, sign: bool = False) -> str:
    """``1234.56 -> '1 234,6'``: U+202F grouping, decimal comma, typographic minus; missing or
    non-finite values print as an en dash (same rules as ``tables.fmt_num``)."""
    if x is None:
        return MISSING
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"fmt_num: expected a number, got {x!r} ({type(x).__name__}).") from None
    if not math.isfinite(v):
        return MISSING
    s = f"{abs(v):,.{digits}f}".replace(",", NNBSP).replace(".", ",")
    rounded_zero = float(f"{abs(v):.{digits}f}") == 0.0
    if v < 0 and not rounded_zero:
        return "\u2212" + s
    return "+" + s if sign and v > 0 and not rounded_zero else s


def fmt_int(x: Any) -> str:
    """A count: ``35768 -> '35 768'``."""
    return fmt_num(x, 0)


def fmt_pct(x: Any, digits: int = 1, *, scale: float = 100.0) -> str:
    """A proportion as a percentage: ``0.493 -> '49,3 %'`` (``scale=1`` if already in %)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    return fmt_num(float(x) * scale, digits) + NNBSP + "%"


# --------------------------------------------------------------------------- territories
@dataclass(frozen=True)
class _Nom:
    """Grammar of a proper name: gender ``m``/``f``, ``pluriel``, and the preposition of place
    used without article (``en`` for regions, ``à`` for towns)."""

    genre: str
    pluriel: bool = False
    sans_article: str = ""  # "en" for "en Hauts-de-France", "à" for a town


#: Known territories (the five départements and the region); anything else falls back to
#: :func:`_devine` (a name ending in -e is feminine, as in the département list).
TERRITOIRES: dict[str, _Nom] = {
    "Aisne": _Nom("f"),
    "Nord": _Nom("m"),
    "Oise": _Nom("f"),
    "Pas-de-Calais": _Nom("m"),
    "Somme": _Nom("f"),
    "Hauts-de-France": _Nom("m", pluriel=True, sans_article="en"),
    "Mission Locale": _Nom("f"),
    "ML": _Nom("f"),
}
_VOYELLE = re.compile(r"^[aeiouyàâéèêëîïôöûüh]", re.I)


def _devine(nom: str) -> _Nom:
    head = nom.split()[0]
    if head in TERRITOIRES:  # "ML de Lille", "Mission Locale du Valois"
        return TERRITOIRES[head]
    if nom.startswith("Mission Locale"):
        return TERRITOIRES["Mission Locale"]
    return _Nom("f" if head.rstrip("s").endswith("e") else "m", pluriel=head.endswith("s"))


def _grammaire(nom: str) -> _Nom:
    nom = nom.strip()
    if not nom:
        raise ValueError("french: empty territory name.")
    return TERRITOIRES.get(nom) or _devine(nom)


def le(nom: str) -> str:
    """The name with its definite article: ``le Nord``, ``l’Aisne``, ``la Somme``,
    ``les Hauts-de-France``, ``la ML de Lille``."""
    g = _grammaire(nom)
    if g.pluriel:
        return f"les {nom}"
    if _VOYELLE.match(nom) and not nom.startswith(("ML", "Hau")):
        return f"l’{nom}"
    return f"{'la' if g.genre == 'f' else 'le'} {nom}"


def de(nom: str) -> str:
    """``de`` + article: ``du Nord``, ``de l’Aisne``, ``de la Somme``, ``des Hauts-de-France``."""
    art = le(nom)
    if art.startswith("le "):
        return "du " + art[3:]
    if art.startswith("les "):
        return "des " + art[4:]
    return "de " + art


def a(nom: str) -> str:
    """``à`` + article: ``au Nord``, ``à l’Aisne``, ``à la ML du Valois``, ``aux Hauts-de-France``."""
    art = le(nom)
    if art.startswith("le "):
        return "au " + art[3:]
    if art.startswith("les "):
        return "aux " + art[4:]
    return "à " + art


def dans(nom: str, *, article: bool = False) -> str:
    """Place: ``dans le Nord``, ``dans l’Aisne``, ``dans la Somme``, ``dans le Pas-de-Calais``,
    ``en Hauts-de-France`` (``article=True``: ``dans les Hauts-de-France``), ``à la ML de Lille``
    (a structure, not an area)."""
    g = _grammaire(nom)
    if nom.startswith(("ML ", "Mission Locale")):
        return a(nom)
    if g.sans_article and not article:
        return f"{g.sans_article} {nom}"
    return "dans " + le(nom)


# --------------------------------------------------------------------------- lists and plurals
def liste(items: Any, *, conjonction: str = "et", vide: str = "") -> str:
    """``['a', 'b', 'c'] -> 'a, b et c'`` (no serial comma); ``vide`` when there is nothing."""
    items = [str(x) for x in items if str(x).strip()]
    if not items:
        return vide
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjonction} {items[-1]}"


def accord(n: int, singulier: str, pluriel: str | None = None, *, feminin: bool = False,
           zero: str | None = None) -> str:
    """Count and noun agreed: ``1 jeune``, ``2 jeunes``, ``aucun indicateur`` (``feminin=True``:
    ``aucune baisse``), ``12 345`` with a narrow no-break space. French puts the singular for
    0 and 1; ``zero`` replaces the ``aucun ...`` wording."""
    n = int(n)
    if n == 0:
        return zero if zero is not None else f"{'aucune' if feminin else 'aucun'} {singulier}"
    nombre = f"{abs(n):,}".replace(",", NNBSP)
    nombre = ("\u2212" if n < 0 else "") + nombre
    if abs(n) < 2:
        return f"{nombre} {singulier}"
    return f"{nombre} {pluriel or _pluriel(singulier)}"


def _pluriel(mot: str) -> str:
    if mot.endswith(("s", "x", "z")):
        return mot
    if mot.endswith(("au", "eu")):
        return mot + "x"
    if mot.endswith("al"):
        return mot[:-2] + "aux"
    return mot + "s"


# --------------------------------------------------------------------------- typography
_AVANT = re.compile(r"(?<![\s\u202f\u00a0(\[])[ ]?([;!?%»])")
_DEUX_POINTS = re.compile(r"(?<![\s\u202f\u00a0/])[ ]?:(?=\s|$)")
_APRES = re.compile(r"«[ ]?(?=\S)")
_MILLIERS = re.compile(r"(?<![\d,.])(\d{1,3})((?:[ ,]\d{3})+)(?![\d])")


def typographie(text: str) -> str:
    """French spacing: a narrow no-break space before ``; ! ? % »`` and ``:``, after ``«``.

    URLs and times are left alone (a ``:`` is only spaced when a space or the end follows it).
    Numbers are formatted by the ``fmt_*`` helpers, not here.
    """
    text = _AVANT.sub(lambda m: NNBSP + m.group(1), text)
    text = _DEUX_POINTS.sub(NNBSP + ":", text)
    return _APRES.sub("«" + NNBSP, text)


_RAW_BLOCK = re.compile(r"(<(script|style|pre|code|textarea)\b.*?</\2\s*>)", re.S | re.I)
_TEXT_NODE = re.compile(r">([^<]+)<")
_ENTITY = re.compile(r"(&#?\w+;)")


def typographie_html(html: str) -> str:
    """:func:`typographie` applied to every text node of an HTML page; style, script, code and
    pre blocks, attribute values and HTML entities are left alone."""

    def text(m: re.Match[str]) -> str:
        parts = _ENTITY.split(m.group(1))
        return ">" + "".join(p if _ENTITY.fullmatch(p) else typographie(p) for p in parts) + "<"

    pieces = _RAW_BLOCK.split(html)  # [text, block, tag name, text, block, tag name, ...]
    out = []
    for i, piece in enumerate(pieces):
        if i % 3 == 1:
            out.append(piece)
        elif i % 3 == 0:  # sentinels so that text right after a block is a text node too
            out.append(_TEXT_NODE.sub(text, ">" + piece + "<")[1:-1])
    return "".join(out)


# --------------------------------------------------------------------------- checker
@dataclass(frozen=True)
class Issue:
    """One mistake: ``code`` (stable id), a French-or-English ``message`` for the developer and
    the ``extrait`` (the text around it)."""

    code: str
    message: str
    extrait: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}: «{self.extrait}»"


_ANGLAIS = (
    "wave", "variant", "n_types", "threshold", "True", "False", "NaN", "nan", "None", "null",
    "calibration_bounds", "NA", "n_clusters", "seed", "compute", "report", "dirty",
)  # fmt: skip
_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("modalite-seule", re.compile(r"\b(?:Oui|Non)\s*\(\d+(?:[,.]\d+)?\)"),
     "a bare Oui/Non with a value: name the variable (« être en QPV (0,89) »)"),
    ("sigle-minuscule",
     re.compile(r"(?<![\w/.-])(?:cej|qpv|rqth|dreets|insee|arefie|unml|i-milo)(?![\w/.-])"),
     "an acronym in lower case (CEJ, QPV, RQTH...)"),
    ("region-sans-article",
     re.compile(r"\b(?:[Pp]our|[Dd]e|[Àà]|[Pp]ar|[Ss]ur) Hauts-de-France\b"),
     "the region takes an article: « pour les Hauts-de-France », « des Hauts-de-France »"),
    ("en-departement",
     re.compile(r"\b[Ee]n (?:Nord|Somme|Aisne|Oise|Pas-de-Calais)\b"),
     "« dans le Nord », « dans la Somme », « dans l’Aisne » (not « en »)"),
    ("deux-points-aucun",
     re.compile(r":\s*aucune?\s*(?:[.;]|$|indicateurs?\b|items?\b|écarts?\b|différences?\b|"
                r"baisses?\b|hausses?\b|évolutions?\b)", re.M),
     "« ... : aucun » reads badly: say « aucun indicateur ne baisse »"),
    ("mois-abrege",
     re.compile(r"\b(?:mars|mai|juin|août)\.(?=\s*\d)|\bd[ée]ce\.|\b(?:jan|fev|fév|dec|sep|jui|"
                r"avri|aou)\.|\b(?:janv|févr|avr|juil|sept|oct|nov|déc)(?=\s+\d{2,4}\b)"),
     "month abbreviations: janv., févr., mars, avr., mai, juin, juil., août, sept., oct., nov., "
     "déc."),
    ("espace-avant", re.compile(r"(?<=[\w\)»])[;!?]|(?<=[a-zà-ÿ]):(?=\s)"),
     "a (narrow) no-break space is needed before ; : ! ?"),
    ("espace-pourcent", re.compile(r"\d(?:%| %|\s*\n\s*%)"),
     "« 95 % » needs a no-break space (U+202F) between the number and %"),
    ("espace-avant-normale", re.compile(r"\w (?:[;!?»]|:(?=\s))"),
     "an ordinary space before ; : ! ? » can break the line: use U+202F"),
    ("anglais", re.compile(r"(?<![\w.-])(?:" + "|".join(_ANGLAIS) + r")(?![\w-])"),
     "an English/programming word in the visible text"),
)
_URL = re.compile(r"(?:https?|file|mailto)://\S+|www\.\S+")
_DIRTY = re.compile(r"git [0-9a-f]{6,}-dirty")
_DIRTY_EXPLAINED = "version de travail non enregistrée"


def _extrait(text: str, start: int, end: int, width: int = 30) -> str:
    return " ".join(text[max(0, start - width) : end + width].split())


def lint(text: str) -> list[Issue]:
    """French mistakes in a partner-visible ``text`` (already stripped of markup).

    Checks the patterns found by the report audit: bare Oui/Non modalities with a value,
    lower-case acronyms, « Pour Hauts-de-France », « En Nord », « concernent : aucun », wrong
    month abbreviations, missing/breaking spaces before ``; : ! ?`` and ``%``, English words
    (wave, variant, True, NaN...), and a ``git ...-dirty`` version shown without explanation.
    """
    issues: list[Issue] = []
    text = _URL.sub(lambda m: " " * len(m.group(0)), text)  # addresses are not French text
    for code, pattern, message in _RULES:
        for m in pattern.finditer(text):
            issues.append(Issue(code, message, _extrait(text, m.start(), m.end())))
    if _DIRTY_EXPLAINED not in text:
        for m in _DIRTY.finditer(text):
            issues.append(Issue("version-modifiee",
                                "a -dirty code version must be explained to the reader "
                                f"(« {_DIRTY_EXPLAINED} »)",
                                _extrait(text, m.start(), m.end())))
    return issues


_INVISIBLE = re.compile(r"<(script|style|head|template)\b.*?</\1\s*>", re.S | re.I)
_BLOCK = re.compile(r"</?(?:p|div|li|tr|h\d|figcaption|caption|section|dd|dt|br|td|th)\b[^>]*>",
                    re.I)
_TAG = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    """The text a reader sees in an HTML page (no style, script, tags; entities decoded;
    one line per block element)."""
    text = _INVISIBLE.sub(" ", html)
    text = _BLOCK.sub("\n", text)
    text = _html.unescape(_TAG.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def lint_html(html: str) -> list[Issue]:
    """:func:`lint` applied to the visible text of an HTML page."""
    return lint(visible_text(html))
