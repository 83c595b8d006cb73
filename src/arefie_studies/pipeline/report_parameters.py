"""The study parameters in French, for the traceability table of a report.

Each parameter name has a French label (``wave`` → « Vague / édition », ``n_types`` → « Nombre
de types »...); a parameter without one is returned with ``known=False`` so that the template
shows its internal name with a visible note, never silently in English. Values are French too:
booleans oui/non, bounds « 0,2 à 5 », lists « 6 et 12 », an empty territory « aucune (rapport
régional) ».
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arefie_studies import french

__all__ = ["PARAMETER_LABELS", "parameter_rows", "text_fr"]

#: French names of the study parameters shown in the traceability table. A parameter missing
#: here is shown with its internal name and a visible note (never silently in English).
PARAMETER_LABELS: dict[str, str] = {
    "wave": "Vague / édition",
    "compare_wave": "Vague de comparaison",
    "ml": "Mission Locale",
    "departement": "Département",
    "n_types": "Nombre de types",
    "n_classes": "Nombre de classes",
    "calibration": "Méthode de calage",
    "calibration_bounds": "Bornes de calage",
    "population": "Marges de calage (fichier)",
    "benchmarks": "Points de comparaison (fichier)",
    "ml_pool_waves": "Vagues regroupées (jeunes, par Mission Locale)",
    "ml_pool_waves_entreprises": "Vagues regroupées (entreprises, par Mission Locale)",
    "extraction_date": "Date d’extraction",
    "horizon": "Horizon des parcours (mois)",
    "horizon_long": "Horizon long des parcours (mois)",
    "exit_months": "Mois de mesure des sorties",
    "low_hours": "Seuil d’heures hebdomadaires",
    "km_group": "Variable des courbes de survie",
    "followup_months": "Durée de suivi (mois)",
    "ml_reference": "Référentiel des Missions Locales (fichier)",
    "ml_profiles": "Profils des Missions Locales (fichier)",
    "seed": "Graine du tirage aléatoire",
    "disclosure_threshold": "Seuil de diffusion",
    "variant": "Variante",
    "study": "Étude",
}
_VALUE_LABELS = {
    ("calibration", "raking"): "calage sur marges (méthode du raking)",
    ("calibration", "logit"): "calage logit borné",
    ("km_group", "qualification"): "niveau de qualification",
    ("variant", "regional"): "régional",
}
_EMPTY_MEANS = {"ml": "aucune (rapport régional)", "departement": "aucun (rapport régional)"}

def text_fr(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (list, tuple)):
        return ", ".join(text_fr(v) for v in value)
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)).replace(".", ",")
    return "" if value is None else str(value)


def _param_value(name: str, value: Any) -> str:
    """A parameter value in French: booleans oui/non, bounds « 0,2 à 5 », lists « 6 et 12 »,
    the empty territory as « aucune (rapport régional) »."""
    if value is None or value == "":
        return _EMPTY_MEANS.get(name, "—")
    if isinstance(value, (list, tuple)):
        items = [text_fr(v) for v in value]
        if name.endswith("_bounds") and len(items) == 2:
            return f"{items[0]} à {items[1]}"
        return french.liste(items)
    if isinstance(value, str) and (name, value) in _VALUE_LABELS:
        return _VALUE_LABELS[(name, value)]
    if name == "variant" and isinstance(value, str):
        for prefix, text in (("ml-", "Mission Locale "), ("departement-", "département ")):
            if value.startswith(prefix):
                return text + value[len(prefix):]
    return text_fr(value)


def parameter_rows(params: Any) -> list[tuple[str, str, bool]]:
    """``[(French name, French value, known)]`` for the traceability table; ``known`` is False
    for a parameter without a French name (the template adds a visible note)."""
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else [
        (item.get("name"), item.get("value")) if isinstance(item, Mapping) else item
        for item in params
    ]
    out = []
    for name, value in items:
        name = str(name)
        label = PARAMETER_LABELS.get(name)
        out.append((label or name, _param_value(name, value), label is not None))
    return out
