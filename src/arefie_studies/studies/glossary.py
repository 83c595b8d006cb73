"""One glossary of indicator definitions shared by the studies.

A term used by several studies ("sans logement stable", "emploi durable", "satisfait") has ONE
definition here; each study computes it as defined and its methods annex states it once
(:func:`glossary_markdown`). A study module refers to a term by its key, e.g.
``glossary.term("sans_logement_stable").label``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["GLOSSARY", "Term", "glossary_markdown", "term"]


@dataclass(frozen=True)
class Term:
    """An indicator's French ``label`` and its ``definition`` (what is counted, what is not)."""

    key: str
    label: str
    definition: str


def _terms(*items: tuple[str, str, str]) -> dict[str, Term]:
    return {k: Term(k, label, definition) for k, label, definition in items}


# Terms shared by several studies.
_COMMON = _terms(
    ("sans_logement_stable", "Sans logement stable",
     "jeune sans abri, en squat, en hébergement d’urgence ou d’insertion (CHRS, foyer, FJT), à "
     "l’hôtel, en habitat mobile ou de fortune, ou hébergé chez des tiers (amis, autre famille "
     "que les parents). Les jeunes logés chez leurs parents ou dans un logement autonome (locataire, "
     "propriétaire, colocation) n’en font pas partie."),
    ("emploi_durable", "Emploi durable",
     "contrat à durée indéterminée (CDI), contrat à durée déterminée ou mission d’intérim de six mois "
     "ou plus, ou création d’entreprise. L’alternance (apprentissage, contrat de professionnalisation) "
     "est comptée à part et n’est pas un emploi durable."),
    ("alternance", "Alternance",
     "contrat d’apprentissage ou de professionnalisation, compté à part de l’emploi durable."),
    ("qpv", "Quartier prioritaire (QPV)",
     "jeune résidant dans un quartier prioritaire de la politique de la ville."),
)

# Étude santé jeunes (sante_jeunes): add its terms here only.
_SANTE = _terms()

# Déploiement du CEJ (cej): add its terms here only.
_CEJ = _terms()

# Parcours résidentiel (parcours_residentiel): add its terms here only.
_PARCOURS = _terms(
    ("precarite_residentielle", "Précarité résidentielle",
     "jeune hébergé par de la famille ou des amis (hébergé par un tiers), en hébergement "
     "d’urgence ou social (CHRS, CHU, hôtel), en squat, à la rue ou dans un véhicule — situations "
     "d’exclusion du logement de la typologie ETHOS (FEANTSA). Les jeunes en foyer de jeunes "
     "travailleurs ou en résidence n’en font pas partie (ils sont en revanche sans logement "
     "stable)."),
    ("rupture_accompagnement", "Rupture d’accompagnement",
     "arrêt de l’accompagnement en Mission Locale au cours des 12 derniers mois."),
)

# Baromètre régional (barometre): add its terms here only.
_BAROMETRE = _terms(
    ("satisfait", "Satisfait",
     "réponse « très satisfait » ou « plutôt satisfait » ; les réponses « ne sait pas » sont "
     "exclues du calcul."),
)


def _merge(*sections: dict[str, Term]) -> dict[str, Term]:
    out: dict[str, Term] = {}
    for section in sections:
        for key, t in section.items():
            if key in out:
                raise ValueError(f"glossary: term {key!r} is defined twice; keep one definition.")
            out[key] = t
    return out


#: Every term, keyed by name.
GLOSSARY: dict[str, Term] = _merge(_COMMON, _SANTE, _CEJ, _PARCOURS, _BAROMETRE)


def term(key: str) -> Term:
    """The glossary entry ``key`` (KeyError listing the known keys otherwise)."""
    try:
        return GLOSSARY[key]
    except KeyError:
        raise KeyError(f"glossary: no term {key!r}; known terms: {', '.join(sorted(GLOSSARY))}.") from None


def glossary_markdown(keys: Iterable[str]) -> str:
    """French Markdown list « **Label** : définition. » of the given terms, in the order given
    (each once), for a study's methods annex."""
    seen = list(dict.fromkeys(keys))
    return "\n".join(f"- **{term(k).label}** : {term(k).definition}" for k in seen)
