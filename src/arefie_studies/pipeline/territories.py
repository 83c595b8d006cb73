"""Territories of the portal: the region, its départements and its Mission Locales, with the
reference indicators of ``data/reference`` (``missions_locales.csv``: youths accompanied in 2024;
``profil_ml_2024.csv``: their profile), and the territory a report is about (from its parameters).

Numbers are formatted the French way (:mod:`arefie_studies.french`: ``35 768``, ``49,3 %``); a
département or the region sums its Mission Locales (counts and profile counts, then shares).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arefie_studies import french

__all__ = ["REGION", "Territory", "load_territories", "territory_id"]

REGION = "Hauts-de-France"
_DEPARTEMENTS = {"02": "Aisne", "59": "Nord", "60": "Oise", "62": "Pas-de-Calais", "80": "Somme"}


@dataclass
class Territory:
    """A region, département or Mission Locale, with its reference indicators."""

    id: str  # "region", "dep-59", "ml-5901"
    kind: str  # "region" | "departement" | "ml"
    code: str
    name: str
    parent: str = ""  # id of the containing territory
    indicators: list[tuple[str, str]] = field(default_factory=list)


def _dep_code(value: Any) -> str:
    text = str(value).strip()
    return text.zfill(2) if text.isdigit() else text


def territory_id(parameters: Mapping[str, Any] | None) -> str:
    """The territory a report is about, from its parameters: ``ml`` → ``ml-<code>``,
    ``departement`` → ``dep-<code>``, otherwise the region."""
    params = parameters or {}
    ml = str(params.get("ml") or "").strip()
    if ml:
        return f"ml-{ml}"
    dep = str(params.get("departement") or "").strip()
    if dep:
        return f"dep-{_dep_code(dep)}"
    return "region"


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _share(counts: Mapping[str, float], level: str) -> float | None:
    total = sum(counts.values())
    return counts.get(level, 0.0) / total if total else None


_PROFILE_INDICATORS = (  # (variable, level, French label)
    ("sexe", "Femme", "Part de jeunes femmes"),
    ("tranche_age", "Moins de 18 ans", "Part de mineurs (moins de 18 ans)"),
    ("qualification", "Sans diplôme ou brevet", "Part sans diplôme (ou brevet seul)"),
    ("qpv", "Oui", "Part résidant en quartier prioritaire (QPV)"),
    ("rqth", "Oui", "Part avec une reconnaissance de handicap (RQTH)"),
    ("logement", "Hébergement précaire ou sans logement", "Part en hébergement précaire ou sans logement"),
)


def _indicators(accompanied: float, profile: Mapping[str, Mapping[str, float]],
                n_ml: int | None = None) -> list[tuple[str, str]]:
    fmt_int, fmt_pct = french.fmt_int, french.fmt_pct
    out = []
    if n_ml is not None:
        out.append(("Missions Locales", fmt_int(n_ml)))
    out.append(("Jeunes accompagnés en 2024", fmt_int(accompanied)))
    for var, level, label in _PROFILE_INDICATORS:
        if var in profile:
            out.append((label, fmt_pct(_share(profile[var], level))))
    return out


def load_territories(root: Path | None) -> dict[str, Territory]:
    """Region, départements and Mission Locales from ``data/reference`` (with their indicators);
    only the region and the five départements when the reference files are absent."""
    ref = Path(root) / "data" / "reference" if root else None
    mls = _read_csv(ref / "missions_locales.csv") if ref else []
    profiles = _read_csv(ref / "profil_ml_2024.csv") if ref else []
    prof: dict[str, dict[str, dict[str, float]]] = {}
    for row in profiles:
        var = prof.setdefault(row["ml_code"], {}).setdefault(row["variable"], {})
        var[row["modalite"]] = var.get(row["modalite"], 0.0) + float(row["effectif"])

    def add(into: dict[str, dict[str, float]], src: Mapping[str, Mapping[str, float]]) -> None:
        for var, levels in src.items():
            for lev, n in levels.items():
                into.setdefault(var, {})[lev] = into.setdefault(var, {}).get(lev, 0.0) + n

    out: dict[str, Territory] = {"region": Territory("region", "region", "32", REGION)}
    deps = dict(_DEPARTEMENTS)
    for row in mls:
        deps.setdefault(_dep_code(row["departement"]), row["departement_nom"])
    for code, name in sorted(deps.items()):
        out[f"dep-{code}"] = Territory(f"dep-{code}", "departement", code, name, parent="region")
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    agg: dict[str, dict[str, dict[str, float]]] = {}
    for row in mls:
        code, dep = row["ml_code"], _dep_code(row["departement"])
        n = float(row.get("accompagnes_2024") or 0)
        ml_prof = prof.get(code, {})
        t = Territory(f"ml-{code}", "ml", code, row["ml_nom"], parent=f"dep-{dep}")
        t.indicators = [("Département", row["departement_nom"]),
                        ("Type de territoire", row.get("type_territoire", "")),
                        *_indicators(n, ml_prof)]
        out[t.id] = t
        for key in (f"dep-{dep}", "region"):
            totals[key] = totals.get(key, 0.0) + n
            counts[key] = counts.get(key, 0) + 1
            add(agg.setdefault(key, {}), ml_prof)
    for key, n in totals.items():
        out[key].indicators = _indicators(n, agg.get(key, {}), n_ml=counts[key])
    return out
