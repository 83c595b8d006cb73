"""Synthetic national *Baromètre* of ML users: youths 2018–2025 and companies 2023–2025 (Parquet).

Format: Parquet, one table per population with a ``annee`` column. The national files come from
the UNML online survey tool as spreadsheet/CSV exports consolidated year after year; at ~160,000
rows they are best kept columnar, filtered with DuckDB (region, ML, year) and carry their codebook
in the Parquet metadata (value labels, the "Ne sait pas" code 9 declared as missing).

Assumptions (DOMAIN.md; tested in tests/synth/test_barometre.py):

- Youth answers per year: 2018 15,000 (assumed), 2019 20,000, 2020 17,500 (assumed), 2021 38,998,
  2022 26,000 (assumed), 2023 21,000 (assumed), 2024 7,700, 2025 15,000. Companies: 2023 1,200
  (assumed), 2024 1,750, 2025 5,100.
- 430 ML in the 13 metropolitan regions (INSEE codes); Hauts-de-France = 32 with its 42 ML (same
  codes and names as the regional files). Answers spread over ML by size.
- 4-point items coded 1 "Très satisfait" … 4 "Pas du tout satisfait", 9 "Ne sait pas" (≈ 1.5 %).
  National satisfied shares (very + rather) in 2024–25: overall 96 %, welcome 95 %, help with the
  career plan 92 %, counsellor understands 93 %, supports 94 %, trusted 94 %, orients well 91 %,
  easy to reach 92 %; about 60 % of the satisfied are "très satisfait". Satisfaction rises from
  2018 (≈ 3–5 points lower) to 2025. Hauts-de-France is slightly more satisfied (+0.12 SD of the
  latent score) and ML differ (random effect, SD 0.25).
- Time in ML: <1 year 58 %, 1–2 24 %, 2–3 10 %, >3 9 %; 67 % in a programme, of whom 72 % in CEJ
  (Garantie jeunes before March 2022). Companies: 92 % satisfied overall.
- Women answer more often (55 % vs 48 %); ``poids`` post-stratifies each year on region × sex.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies.io.codebook import Codebook
from arefie_studies.synth import _registry as reg
from arefie_studies.synth._common import V, categorical, make_codebook, make_ids

REGIONS = {11: "Île-de-France", 24: "Centre-Val de Loire", 27: "Bourgogne-Franche-Comté", 28: "Normandie",
           32: "Hauts-de-France", 44: "Grand Est", 52: "Pays de la Loire", 53: "Bretagne",
           75: "Nouvelle-Aquitaine", 76: "Occitanie", 84: "Auvergne-Rhône-Alpes",
           93: "Provence-Alpes-Côte d'Azur", 94: "Corse"}
ML_PER_REGION = {11: 72, 24: 20, 27: 23, 28: 25, 32: 42, 44: 44, 52: 20, 53: 16, 75: 47, 76: 44, 84: 45,
                 93: 30, 94: 2}
YOUTH_N = {2018: 15_000, 2019: 20_000, 2020: 17_500, 2021: 38_998, 2022: 26_000, 2023: 21_000,
           2024: 7_700, 2025: 15_000}
COMPANY_N = {2023: 1_200, 2024: 1_750, 2025: 5_100}
YEAR_EFFECT = {2018: -0.40, 2019: -0.33, 2020: -0.28, 2021: -0.20, 2022: -0.12, 2023: -0.05, 2024: 0.0,
               2025: 0.02}
LIKERT = {1: "Très satisfait", 2: "Plutôt satisfait", 3: "Plutôt pas satisfait", 4: "Pas du tout satisfait",
          9: "Ne sait pas"}
YOUTH_ITEMS = {  # name: (label, satisfied share 2024–25)
    "sat_globale": ("Satisfaction globale à l'égard de la Mission Locale", 0.96),
    "sat_accueil": ("Satisfaction concernant l'accueil", 0.95),
    "sat_projet": ("Aide à construire le projet professionnel", 0.92),
    "sat_comprehension": ("Le conseiller comprend ma situation", 0.93),
    "sat_soutien": ("Les soutiens apportés (aides, démarches)", 0.94),
    "sat_confiance": ("Relation de confiance avec le conseiller", 0.94),
    "sat_orientation": ("La Mission Locale m'oriente bien", 0.91),
    "sat_joignable": ("Facilité à joindre la Mission Locale", 0.92),
}
COMPANY_ITEMS = {
    "sat_globale": ("Satisfaction globale à l'égard de la Mission Locale", 0.92),
    "sat_reactivite": ("Réactivité de la Mission Locale", 0.90),
    "sat_candidats": ("Adéquation des candidats proposés", 0.85),
    "sat_suivi": ("Suivi du jeune après l'embauche", 0.88),
}
HDF_EFFECT = 0.12


def ml_table() -> pd.DataFrame:
    """The ~430 ML of France: code, name, region, relative size (HdF from the regional registry)."""
    rng = np.random.default_rng(430)  # fixed: the frame is part of the reference, not of the seed
    rows = []
    hdf = reg.ml_frame()
    for region, k in ML_PER_REGION.items():
        if region == 32:
            rows += [(int(c), n, 32, float(a)) for c, n, a in zip(hdf.ml_code, hdf.ml_nom, hdf.accompagnes_2024, strict=True)]
            continue
        size = np.round(rng.lognormal(np.log(2600), 0.5, k))
        rows += [(region * 1000 + i + 1, f"ML {REGIONS[region]} n° {i + 1}", region, float(s)) for i, s in enumerate(size)]
    return pd.DataFrame(rows, columns=["ml", "ml_nom", "region", "taille"])


def _likert(rng: np.random.Generator, latent: np.ndarray, ref: np.ndarray, target: float) -> np.ndarray:
    """Cut an item latent at quantiles of the reference rows (2024–25) to hit the satisfied share."""
    shares = np.array([0.3 * (1 - target), 0.7 * (1 - target), 0.4 * target, 0.6 * target])
    cuts = np.quantile(latent[ref], np.cumsum(shares)[:-1])
    code = 4 - np.searchsorted(cuts, latent, side="right")
    code = np.where(rng.random(len(latent)) < 0.015, 9, code)
    return code.astype(np.int16)


def _post_stratify(year: np.ndarray, region: np.ndarray, sex: np.ndarray, region_size: pd.Series) -> np.ndarray:
    """Weights so that each year's region × sex distribution matches the ML population (48 % women)."""
    key = pd.DataFrame({"y": year, "r": region, "s": sex})
    n_cell = key.groupby(["y", "r", "s"]).y.transform("size").to_numpy()
    n_year = key.groupby("y").y.transform("size").to_numpy()
    share_r = region_size.reindex(region).to_numpy() / region_size.sum()
    share_s = np.where(sex == 2, 0.48, 0.52)
    return np.round(n_year * share_r * share_s / n_cell, 6)


def _youths(rng: np.random.Generator, mls: pd.DataFrame, scale: float) -> tuple[pd.DataFrame, Codebook]:
    ns = {y: max(round(k * scale), 50) for y, k in YOUTH_N.items()}
    year = np.repeat(np.array(list(ns)), list(ns.values()))
    n = len(year)
    ml_idx = rng.choice(len(mls), size=n, p=(mls.taille / mls.taille.sum()).to_numpy())
    region = mls.region.to_numpy()[ml_idx]
    ml_eff = rng.normal(0, 0.25, len(mls))
    sex = np.where(rng.random(n) < 0.55, 2, 1)
    age = categorical(rng, np.tile(np.log([0.07, 0.48, 0.39, 0.06]), (n, 1)))
    qual = categorical(rng, np.tile(np.log([0.45, 0.17, 0.29, 0.09]), (n, 1)))
    anc = categorical(rng, np.tile(np.log([0.58, 0.24, 0.10, 0.09]), (n, 1)))
    in_prog = rng.random(n) < 0.67
    cej_era = year >= 2023
    prog_2022 = np.where(rng.random(n) < 0.5, 1, 3)
    prog = np.where(cej_era, np.where(rng.random(n) < 0.72, 1, np.where(rng.random(n) < 0.6, 2, 4)),
                    np.where(year == 2022, prog_2022,
                             np.where(rng.random(n) < 0.55, 3, np.where(rng.random(n) < 0.6, 2, 4))))
    prog = np.where(in_prog, prog, 5)
    person = (np.vectorize(YEAR_EFFECT.get)(year) + HDF_EFFECT * (region == 32) + ml_eff[ml_idx]
              + 0.1 * (anc == 1) + 0.1 * (prog == 1) + rng.normal(0, 1, n))
    ref = year >= 2024
    out = {"annee": year, "region": region, "ml": mls.ml.to_numpy()[ml_idx], "sexe": sex,
           "tranche_age": age, "qualification": qual, "anciennete": anc, "dispositif": prog}
    for name, (_label, target) in YOUTH_ITEMS.items():
        out[name] = _likert(rng, person + rng.normal(0, 0.8, n), ref, target)
    out["recommande"] = (rng.random(n) < 1 / (1 + np.exp(-(2.6 + 1.2 * person)))).astype(np.int16)
    region_size = mls.groupby("region").taille.sum()
    out["poids"] = _post_stratify(year, region, sex, region_size)
    df = pd.DataFrame(out)
    df.insert(0, "id_reponse", make_ids(np.char.add("BJ", year.astype(str)) + "-", _rank_within(year), 6))
    specs = {
        "id_reponse": V("Identifiant de la réponse", type="string", role="id"),
        "annee": V("Année de l'enquête", range=(2018, 2025)),
        "region": V("Région", REGIONS),
        "ml": V("Mission Locale", dict(zip(mls.ml, mls.ml_nom, strict=True))),
        "sexe": V("Sexe", reg.SEXE),
        "tranche_age": V("Tranche d'âge", reg.TRANCHE_AGE, measure="ordinal"),
        "qualification": V("Niveau de qualification", reg.QUALIFICATION, measure="ordinal"),
        "anciennete": V("Ancienneté d'inscription en Mission Locale",
                        {1: "Moins d'un an", 2: "1 à 2 ans", 3: "2 à 3 ans", 4: "Plus de 3 ans"}, measure="ordinal"),
        "dispositif": V("Dispositif d'accompagnement", {1: "Contrat d'engagement jeune (CEJ)", 2: "PACEA",
                                                        3: "Garantie jeunes", 4: "Autre dispositif",
                                                        5: "Aucun dispositif"}),
    }
    for name, (label, _t) in YOUTH_ITEMS.items():
        specs[name] = V(label, LIKERT, measure="ordinal", missing=[9])
    specs["recommande"] = V("Recommanderait la Mission Locale à un ami", {0: "Non", 1: "Oui"})
    specs["poids"] = V("Poids (post-stratification région × sexe, par année)", role="weight", range=(0.0001, 1000))
    cb = make_codebook("barometre_jeunes", "Baromètre national de satisfaction des jeunes accompagnés en "
                       "Mission Locale, 2018-2025 (synthétique)", specs, id_columns=["id_reponse"])
    return df, cb


def _companies(rng: np.random.Generator, mls: pd.DataFrame, scale: float) -> tuple[pd.DataFrame, Codebook]:
    ns = {y: max(round(k * scale), 50) for y, k in COMPANY_N.items()}
    year = np.repeat(np.array(list(ns)), list(ns.values()))
    n = len(year)
    ml_idx = rng.choice(len(mls), size=n, p=(mls.taille / mls.taille.sum()).to_numpy())
    region = mls.region.to_numpy()[ml_idx]
    secteur = categorical(rng, np.tile(np.log([0.12, 0.10, 0.20, 0.15, 0.18, 0.15, 0.10]), (n, 1)))
    taille = categorical(rng, np.tile(np.log([0.45, 0.32, 0.15, 0.08]), (n, 1)))
    service = categorical(rng, np.tile(np.log([0.45, 0.25, 0.20, 0.10]), (n, 1)))
    person = (0.1 * (year - 2024) + HDF_EFFECT * (region == 32) + rng.normal(0, 0.2, len(mls))[ml_idx]
              + 0.15 * (service == 1) + rng.normal(0, 1, n))
    ref = year >= 2024
    out = {"annee": year, "region": region, "ml": mls.ml.to_numpy()[ml_idx], "secteur": secteur,
           "taille_entreprise": taille, "service": service}
    for name, (_l, target) in COMPANY_ITEMS.items():
        out[name] = _likert(rng, person + rng.normal(0, 0.8, n), ref, target)
    out["recommande"] = (rng.random(n) < 1 / (1 + np.exp(-(2.0 + 1.2 * person)))).astype(np.int16)
    df = pd.DataFrame(out)
    df.insert(0, "id_reponse", make_ids(np.char.add("BE", year.astype(str)) + "-", _rank_within(year), 5))
    specs = {
        "id_reponse": V("Identifiant de la réponse", type="string", role="id"),
        "annee": V("Année de l'enquête", range=(2023, 2025)),
        "region": V("Région", REGIONS),
        "ml": V("Mission Locale", dict(zip(mls.ml, mls.ml_nom, strict=True))),
        "secteur": V("Secteur d'activité", {1: "Industrie", 2: "Construction", 3: "Commerce",
                                            4: "Hôtellerie-restauration", 5: "Services aux entreprises",
                                            6: "Santé, action sociale", 7: "Autres services"}),
        "taille_entreprise": V("Taille de l'entreprise", {1: "Moins de 10 salariés", 2: "10 à 49 salariés",
                                                         3: "50 à 249 salariés", 4: "250 salariés ou plus"},
                               measure="ordinal"),
        "service": V("Principal service utilisé", {1: "Recrutement", 2: "Immersion (PMSMP)", 3: "Alternance",
                                                   4: "Information sur les aides"}),
    }
    for name, (label, _t) in COMPANY_ITEMS.items():
        specs[name] = V(label, LIKERT, measure="ordinal", missing=[9])
    specs["recommande"] = V("Recommanderait la Mission Locale à une autre entreprise", {0: "Non", 1: "Oui"})
    cb = make_codebook("barometre_entreprises", "Baromètre national de satisfaction des entreprises partenaires "
                       "des Missions Locales, 2023-2025 (synthétique)", specs, id_columns=["id_reponse"])
    return df, cb


def _rank_within(year: np.ndarray) -> np.ndarray:
    """1-based rank of each row within its year (rows are sorted by year)."""
    first = np.r_[0, np.flatnonzero(np.diff(year)) + 1]
    starts = np.repeat(first, np.diff(np.r_[first, len(year)]))
    return np.arange(len(year)) - starts + 1


def generate(seed: int = 2024, scale: float = 1.0) -> dict[str, tuple[pd.DataFrame, Codebook]]:
    """Youth and company tables; ``scale`` shrinks the yearly sizes (tests)."""
    rng = np.random.default_rng([seed, 44])
    mls = ml_table()
    return {"barometre_jeunes": _youths(rng, mls, scale), "barometre_entreprises": _companies(rng, mls, scale)}
