"""The CEJ study's frames, prepared from the declared inputs (:class:`~arefie_studies.project.StudyInputs`).

``youths``: one row per youth (contract columns, ML code, age group, duration); ``weekly``: hours per
youth × month of contract; ``payments``: monthly allowance payments with their kind; first
employment times. No file is opened here: everything comes from ``inputs.frames`` and
``inputs.references``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["AGE_GROUPS", "DAYS_PER_MONTH", "EMPLOYMENT", "CejData", "CejInputError", "prepare"]

AGE_GROUPS = ["Moins de 18 ans", "18-21 ans", "22-25 ans", "26 ans et plus"]
EMPLOYMENT = ("Emploi", "Contrat en alternance")
DAYS_PER_MONTH = 30.4375
#: Full monthly allowance (adult, minor) by period start: €500.44 (€300.27) until March 2023,
#: €528 (€316.80) from April 2023, €561.68 (€337.01) from April 2025.
RATES = ((pd.Timestamp("2023-04-01"), 500.44, 300.27), (pd.Timestamp("2025-04-01"), 528.00, 316.80),
         (pd.Timestamp.max, 561.68, 337.01))
PAYMENT_KINDS = ["Montant plein (majeur)", "Montant plein (mineur)", "Montant réduit (revenus d'activité)"]


class CejInputError(ValueError):
    """A CEJ input or parameter lacks a column or a value the study needs (message names both)."""


def need(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise CejInputError(
            f"{what}: column(s) {missing} missing; available: {list(df.columns)}. "
            "Hint: check that the i-Milo extract follows data/codebooks/cej_*.yaml.")


@dataclass(frozen=True)
class CejData:
    youths: pd.DataFrame
    situations: pd.DataFrame
    weekly: pd.DataFrame
    payments: pd.DataFrame
    survey: pd.DataFrame
    ml_ref: pd.DataFrame
    ml_profiles: pd.DataFrame
    extraction: pd.Timestamp


def _reference(inputs, name: str) -> pd.DataFrame:
    try:
        ref = inputs.references[name].copy()
    except KeyError:
        raise CejInputError(f"studies/cej.yaml: reference '{name}' is not declared under 'references:' "
                            f"(declared: {list(inputs.references)}).") from None
    ref["ml_code"] = ref["ml_code"].astype(str)
    return ref


def prepare(inputs, extraction_date: str, low_hours: float, max_month: int) -> CejData:
    """The study's frames from ``inputs`` (see the module docstring)."""
    f = inputs.frames
    for name in ("jeunes", "contrats", "situations", "activite", "allocations", "enquete_ml"):
        if name not in f:
            raise CejInputError(f"studies/cej.yaml: input '{name}' is not declared (declared: {list(f)}).")
    ml_ref = _reference(inputs, "missions_locales")
    prof = _reference(inputs, "profil_ml")
    j = f["jeunes"].copy()
    need(j, ["id_jeune", "ml", "departement", "sexe", "age_entree", "qualification", "qpv", "rqth",
             "logement", "date_entree"], "cej_jeunes")
    c = f["contrats"]
    need(c, ["id_jeune", "date_debut", "date_fin", "motif_fin", "duree_prevue_mois"], "cej_contrats")
    j = j.merge(c[["id_jeune", "date_fin", "motif_fin"]], on="id_jeune", how="left", validate="one_to_one")
    code_of = dict(zip(ml_ref["ml_nom"], ml_ref["ml_code"], strict=True))
    unknown = sorted(set(j["ml"].astype(str)) - set(code_of))
    if unknown:
        raise CejInputError(f"cej_jeunes: column 'ml' holds Missions Locales absent from the reference "
                            f"'missions_locales': {unknown[:5]}. Hint: update the reference list of ML.")
    j["ml_code"] = j["ml"].astype(str).map(code_of)
    j["tranche_age"] = pd.Categorical.from_codes(np.digitize(j["age_entree"].to_numpy(), [18, 22, 26]),
                                                 categories=AGE_GROUPS, ordered=True)
    j["mois_entree"] = j["date_entree"].dt.to_period("M")
    ext = pd.Timestamp(extraction_date)
    j["duree_mois"] = ((j["date_fin"].fillna(ext) - j["date_entree"]).dt.days + 1) / DAYS_PER_MONTH
    j["termine"] = j["date_fin"].notna()
    j = j.reset_index(drop=True)
    s = f["situations"]
    need(s, ["id_jeune", "date_debut", "date_fin", "situation", "type_contrat"], "cej_situations")
    return CejData(youths=j, situations=s, weekly=weekly_hours(j, f["activite"], low_hours, max_month),
                   payments=payments(j, f["allocations"]), survey=f["enquete_ml"], ml_ref=ml_ref,
                   ml_profiles=prof, extraction=ext)


def weekly_hours(j: pd.DataFrame, activite: pd.DataFrame, low_hours: float, max_month: int) -> pd.DataFrame:
    """Weekly hours per youth × month of contract (1 = first 30.4 days, capped at ``max_month``):
    ``row`` (position in ``youths``), ``ml_code``, ``mois``, ``weeks``, ``low_weeks`` (weeks under
    ``low_hours``) and ``hours``."""
    need(activite, ["id_jeune", "semaine", "heures"], "cej_activite_hebdo")
    pos = pd.Series(np.arange(len(j)), index=j["id_jeune"])
    row = activite["id_jeune"].map(pos)
    if row.isna().any():
        raise CejInputError(f"cej_activite_hebdo: {int(row.isna().sum())} weeks belong to youths absent "
                            "from cej_jeunes. Hint: the extracts must come from the same extraction.")
    row = row.to_numpy(int)
    days = (activite["semaine"].to_numpy() - j["date_entree"].to_numpy()[row]) / np.timedelta64(1, "D")
    mm = int(max_month)
    # one integer key per (youth, month of contract), in (row, mois) order: sums by np.bincount
    # (the groupby's sums, without its copies: 34M weekly rows nationally)
    key = row * mm + (np.clip(np.floor(days / DAYS_PER_MONTH).astype(int) + 1, 1, mm) - 1)
    del row, days
    h = activite["heures"].to_numpy(float)
    size = len(j) * mm
    weeks = np.bincount(key, minlength=size)
    low = np.bincount(key, weights=(h < low_hours), minlength=size).astype(int)
    hours = np.bincount(key, weights=h, minlength=size)
    del key
    cell = np.flatnonzero(weeks)
    ym = pd.DataFrame({"row": cell // mm, "mois": cell % mm + 1, "weeks": weeks[cell], "low_weeks": low[cell],
                       "hours": hours[cell]})
    ym.insert(1, "ml_code", j["ml_code"].to_numpy()[ym["row"].to_numpy()])
    return ym


def payments(j: pd.DataFrame, allocations: pd.DataFrame) -> pd.DataFrame:
    """Monthly payments with the youth's ML and the kind of payment (full adult or minor rate of the
    period, or reduced for activity income)."""
    need(allocations, ["id_jeune", "mois", "montant"], "cej_allocations")
    a = allocations[["id_jeune", "mois", "montant"]].copy()
    a["ml_code"] = a["id_jeune"].map(j.set_index("id_jeune")["ml_code"])
    if a["ml_code"].isna().any():
        raise CejInputError(f"cej_allocations: {int(a['ml_code'].isna().sum())} payments belong to youths "
                            "absent from cej_jeunes.")
    full = np.select([a["mois"] < RATES[0][0], a["mois"] < RATES[1][0]], [RATES[0][1], RATES[1][1]], RATES[2][1])
    minor = np.select([a["mois"] < RATES[0][0], a["mois"] < RATES[1][0]], [RATES[0][2], RATES[1][2]], RATES[2][2])
    kind = np.select([np.isclose(a["montant"], full), np.isclose(a["montant"], minor)], PAYMENT_KINDS[:2],
                     PAYMENT_KINDS[2])
    a["type"] = pd.Categorical(kind, categories=PAYMENT_KINDS)
    return a


def first_employment(data: CejData, followup_months: int) -> pd.DataFrame:
    """Time (months) from entry to the first employment or work-study episode: ``t_emploi`` and
    ``emploi`` (1 when it starts within ``followup_months`` and before the extraction date; else
    censored at the earlier of the two), aligned on ``youths``."""
    s = data.situations
    first = s[s["situation"].astype(str).isin(EMPLOYMENT)].groupby("id_jeune", observed=True)["date_debut"].min()
    j = data.youths
    t = (j["id_jeune"].map(first) - j["date_entree"]).dt.days / DAYS_PER_MONTH
    cens = np.minimum((data.extraction - j["date_entree"]).dt.days / DAYS_PER_MONTH, followup_months)
    event = t.notna() & (t <= cens)
    return pd.DataFrame({"t_emploi": np.where(event, t, cens).astype(float), "emploi": event.astype(int)})
