"""The regional frame shared by every generator: départements, the 42 Missions Locales, margins.

Assumptions (sources in ``data/reference/README.md``):

- 42 ML split across the départements in proportion to population (2023: Aisne 523,308, Nord
  2,612,965, Oise 829,717, Pas-de-Calais 1,457,146, Somme 563,328) → 4 / 18 / 6 / 10 / 4. ML names
  are illustrative (real towns, not the official list); codes are ``département × 100 + rank``.
- 115,109 youths accompanied in 2024, split by département in proportion to the 15–29 population
  (2015: 90k / 530k / 144k / 263k / 108k) times a precarity factor (Aisne 1.15, Pas-de-Calais
  1.10, Oise 0.85), then across ML by a relative size.
- Profile 2024: 48 % women (2019 figure); age <18 6 %, 18–21 48 %, 22–25 40 %, ≥26 6 %;
  qualification (highest diploma) none/brevet 49 %, CAP-BEP 16 %, bac 27 %, higher 8 % (49 % "no
  qualification" in 2024; the 2019 split ≥bac 45 % was by level *attended*, not diploma held).
  Interactions: minors are almost never bac holders; women are more often bac holders.
- QPV: 13 % of the regional population lives in a QPV; ML youths more often (≈22 %), more in
  urban ML. RQTH: 5.3 %. Housing (2019): 20 % autonomous, 69 % parents/family/friends, 9 %
  precarious, 2 % unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEPARTEMENTS: dict[int, str] = {2: "Aisne", 59: "Nord", 60: "Oise", 62: "Pas-de-Calais", 80: "Somme"}
POPULATION_2023 = {2: 523_308, 59: 2_612_965, 60: 829_717, 62: 1_457_146, 80: 563_328}
POP_15_29_2015 = {2: 90_000, 59: 530_000, 60: 144_000, 62: 263_000, 80: 108_000}
PRECARITY_FACTOR = {2: 1.15, 59: 1.0, 60: 0.85, 62: 1.10, 80: 1.0}
ACCOMPANIED_2024 = 115_109

SEXE = {1: "Homme", 2: "Femme"}
TRANCHE_AGE = {1: "Moins de 18 ans", 2: "18-21 ans", 3: "22-25 ans", 4: "26 ans et plus"}
QUALIFICATION = {1: "Sans diplôme ou brevet", 2: "CAP-BEP", 3: "Baccalauréat",
                 4: "Diplôme supérieur au bac"}
OUI_NON = {0: "Non", 1: "Oui"}

SHARE_WOMEN = 0.48
AGE_SHARES = np.array([0.06, 0.48, 0.40, 0.06])
QUAL_SHARES = np.array([0.49, 0.16, 0.27, 0.08])
RQTH_SHARE = 0.053
HOUSING_2019 = {"Logement autonome": 0.20, "Chez les parents, la famille ou des amis": 0.69,
                "Hébergement précaire ou sans logement": 0.09, "Non renseigné": 0.02}

# (code, name, relative size, territory type: urbain | mixte | rural)
_ML = [
    (201, "ML du Saint-Quentinois", 3.0, "urbain"), (202, "ML du Laonnois", 2.0, "mixte"),
    (203, "ML du Soissonnais", 2.0, "mixte"), (204, "ML de Thiérache", 1.5, "rural"),
    (5901, "ML de Lille", 6.0, "urbain"), (5902, "ML de Roubaix", 3.5, "urbain"),
    (5903, "ML de Tourcoing", 3.0, "urbain"), (5904, "ML de Villeneuve-d'Ascq", 2.0, "urbain"),
    (5905, "ML d'Armentières", 1.5, "mixte"), (5906, "ML de Seclin", 1.2, "mixte"),
    (5907, "ML de Dunkerque", 3.0, "urbain"), (5908, "ML de Flandre intérieure", 1.5, "rural"),
    (5909, "ML du Douaisis", 3.0, "mixte"), (5910, "ML du Valenciennois", 3.0, "urbain"),
    (5911, "ML de Denain", 2.0, "mixte"), (5912, "ML de Saint-Amand-les-Eaux", 1.0, "mixte"),
    (5913, "ML du Val de Sambre", 2.5, "mixte"), (5914, "ML de l'Avesnois", 1.2, "rural"),
    (5915, "ML du Cambrésis", 2.0, "mixte"), (5916, "ML de Caudry", 1.0, "rural"),
    (5917, "ML de Lomme", 1.5, "urbain"), (5918, "ML de Grande-Synthe", 1.2, "urbain"),
    (6001, "ML du Beauvaisis", 2.5, "mixte"), (6002, "ML du Compiégnois", 2.0, "mixte"),
    (6003, "ML du Bassin creillois", 2.5, "urbain"), (6004, "ML du Noyonnais", 1.0, "rural"),
    (6005, "ML du Clermontois", 1.0, "rural"), (6006, "ML du Valois", 1.0, "rural"),
    (6201, "ML de l'Arrageois", 2.0, "mixte"), (6202, "ML de Lens", 3.0, "urbain"),
    (6203, "ML de l'Artois", 3.0, "mixte"), (6204, "ML du Boulonnais", 2.0, "urbain"),
    (6205, "ML du Calaisis", 2.0, "urbain"), (6206, "ML de l'Audomarois", 1.5, "mixte"),
    (6207, "ML d'Hénin-Carvin", 2.0, "mixte"), (6208, "ML du Montreuillois", 1.0, "rural"),
    (6209, "ML du Ternois", 0.8, "rural"), (6210, "ML de Liévin", 1.5, "urbain"),
    (8001, "ML du Grand Amiénois", 4.0, "urbain"), (8002, "ML de Picardie maritime", 1.5, "rural"),
    (8003, "ML de Haute Somme", 1.0, "rural"), (8004, "ML du Santerre", 0.8, "rural"),
]

#: Youth territory (rural / peri-urban QPV / urban) shares by ML territory type.
TERRITOIRE = {1: "Rural (zone de revitalisation)", 2: "Périurbain (QPV)", 3: "Urbain"}
TERRITORY_MIX = {"urbain": (0.05, 0.30, 0.65), "mixte": (0.30, 0.30, 0.40), "rural": (0.70, 0.15, 0.15)}
QPV_SHARE_BY_TYPE = {"urbain": 0.32, "mixte": 0.20, "rural": 0.07}


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total`` (Hamilton's method)."""
    w = np.asarray(weights, dtype=float)
    exact = w / w.sum() * total
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return base


def dept_counts() -> dict[int, int]:
    deps = list(DEPARTEMENTS)
    w = np.array([POP_15_29_2015[d] * PRECARITY_FACTOR[d] for d in deps])
    return dict(zip(deps, _largest_remainder(w, ACCOMPANIED_2024).tolist(), strict=True))


@dataclass(frozen=True)
class MissionLocale:
    code: int
    nom: str
    departement: int
    taille: float
    type_territoire: str
    accompagnes_2024: int


def missions_locales() -> list[MissionLocale]:
    """The 42 ML with their 2024 accompanied youths (sums to 115,109)."""
    counts = dept_counts()
    out = []
    for dep in DEPARTEMENTS:
        rows = [r for r in _ML if r[0] // 100 == dep]
        n = _largest_remainder(np.array([r[2] for r in rows]), counts[dep])
        out += [MissionLocale(c, nom, dep, t, typ, int(k)) for (c, nom, t, typ), k in zip(rows, n, strict=True)]
    return out


def ml_frame() -> pd.DataFrame:
    mls = missions_locales()
    return pd.DataFrame({
        "ml_code": [m.code for m in mls], "ml_nom": [m.nom for m in mls],
        "departement": [m.departement for m in mls],
        "departement_nom": [DEPARTEMENTS[m.departement] for m in mls],
        "type_territoire": [m.type_territoire for m in mls],
        "accompagnes_2024": [m.accompagnes_2024 for m in mls],
    })


def ml_labels() -> dict[int, str]:
    return {m.code: m.nom for m in missions_locales()}


def _ipf(seed: np.ndarray, margins: list[np.ndarray], iters: int = 200) -> np.ndarray:
    """Iterative proportional fitting of ``seed`` (one axis per margin) to one-way margins."""
    t = seed.astype(float).copy()
    for _ in range(iters):
        for ax, m in enumerate(margins):
            other = tuple(i for i in range(t.ndim) if i != ax)
            cur = t.sum(axis=other)
            shape = [1] * t.ndim
            shape[ax] = -1
            t *= (m / cur).reshape(shape)
    return t


def population_table() -> pd.DataFrame:
    """ML youths 2024 by sexe × tranche_age × departement × qualification (160 cells, sum 115,109).

    The seed encodes interactions (age × qualification, sex × qualification, département ×
    qualification: Aisne and Pas-de-Calais less qualified); IPF then matches the one-way margins
    exactly before integer rounding by largest remainder within each département (département
    counts exact, other margins within a few units).
    """
    deps = list(DEPARTEMENTS)
    dcount = dept_counts()
    age_q = np.array([  # rows: age group, cols: qualification (relative odds)
        [0.90, 0.08, 0.02, 0.00],
        [0.50, 0.17, 0.28, 0.05],
        [0.40, 0.17, 0.30, 0.13],
        [0.52, 0.20, 0.20, 0.08],
    ])
    sex_q = np.array([[1.12, 1.10, 0.90, 0.80], [0.88, 0.90, 1.12, 1.25]])
    dep_q = np.array([[1.15, 1.05, 0.90, 0.75], [0.97, 1.0, 1.02, 1.08], [0.95, 1.0, 1.03, 1.05],
                      [1.08, 1.05, 0.93, 0.85], [1.0, 1.0, 1.0, 1.0]])
    seed = np.ones((2, 4, 5, 4)) * age_q[None, :, None, :] * sex_q[:, None, None, :] * dep_q[None, None, :, :]
    total = ACCOMPANIED_2024
    margins = [np.array([1 - SHARE_WOMEN, SHARE_WOMEN]) * total, AGE_SHARES * total,
               np.array([dcount[d] for d in deps], dtype=float), QUAL_SHARES * total]
    fitted = _ipf(seed, margins)
    # integerise within each département so that the département counts stay exact
    counts = np.empty_like(fitted, dtype=np.int64)
    for k, d in enumerate(deps):
        counts[:, :, k, :] = _largest_remainder(fitted[:, :, k, :].ravel(), dcount[d]).reshape(2, 4, 4)
    counts = counts.ravel()
    s, a, d, q = np.meshgrid(np.arange(2), np.arange(4), np.arange(5), np.arange(4), indexing="ij")
    out = pd.DataFrame({
        "sexe": s.ravel() + 1, "tranche_age": a.ravel() + 1,
        "departement": np.array(deps)[d.ravel()], "qualification": q.ravel() + 1,
        "effectif": counts,
    })
    # French labels, identical to the categories read_data gives for the survey files
    for col, labels in (("sexe", SEXE), ("tranche_age", TRANCHE_AGE), ("departement", DEPARTEMENTS),
                        ("qualification", QUALIFICATION)):
        out.insert(out.columns.get_loc(col) + 1, f"{col}_libelle", out[col].map(labels))
    return out


def ml_profile_table() -> pd.DataFrame:
    """Profile margins of all accompanied youths per ML, 2024 (long: ml × variable × modality).

    Sex, age group and qualification follow the département's cells; QPV varies with the ML's
    territory type; RQTH 5.3 %; housing as in 2019. Used for "CEJ youths vs all ML youths".
    """
    pop = population_table()
    rows = []
    for m in missions_locales():
        cells = pop[pop.departement == m.departement]
        share = m.accompagnes_2024 / cells.effectif.sum()
        for var, labels in (("sexe", SEXE), ("tranche_age", TRANCHE_AGE), ("qualification", QUALIFICATION)):
            w = cells.groupby(var).effectif.sum().reindex(list(labels)).to_numpy() * share
            n = _largest_remainder(w, m.accompagnes_2024)
            rows += [(m.code, m.nom, m.departement, var, labels[k], int(c)) for k, c in zip(labels, n, strict=True)]
        qpv = QPV_SHARE_BY_TYPE[m.type_territoire]
        for var, shares in (("qpv", {"Oui": qpv, "Non": 1 - qpv}),
                            ("rqth", {"Oui": RQTH_SHARE, "Non": 1 - RQTH_SHARE}),
                            ("logement", HOUSING_2019)):
            n = _largest_remainder(np.array(list(shares.values())), m.accompagnes_2024)
            rows += [(m.code, m.nom, m.departement, var, k, int(c)) for k, c in zip(shares, n, strict=True)]
    return pd.DataFrame(rows, columns=["ml_code", "ml_nom", "departement", "variable", "modalite", "effectif"])


def benchmarks_sante() -> pd.DataFrame:
    """General-population and insertion-public comparison points (DOMAIN.md; sources in README)."""
    rows = [
        ("tabac_quotidien", "Population générale 18-25 ans", 25.0, 2021, "Santé publique France, Baromètre santé"),
        ("tabac_quotidien_chomeurs", "Chômeurs 18-25 ans", 31.0, 2021, "Santé publique France, Baromètre santé"),
        ("episode_depressif", "Population générale 18-24 ans", 21.0, 2021, "Santé publique France, Baromètre santé 2021"),
        ("cannabis_annee", "Population générale 18-25 ans", 28.0, 2021, "OFDT, Baromètre santé"),
        ("obesite", "Population générale 18-24 ans", 9.0, 2020, "Obépi-Roche / ObÉpi 2020"),
        ("renoncement_soins_cout", "Population générale 18-28 ans", 36.0, 2022, "DREES / Baromètre d'opinion"),
        ("tabagisme", "Jeunes en insertion", 40.0, 2020, "Étude santé jeunes 2020 (AREFIE, ARS, OR2S)"),
        ("surpoids_obesite", "Jeunes en insertion", 32.0, 2020, "Étude santé jeunes 2020 (AREFIE, ARS, OR2S)"),
        ("detresse_psychologique", "Jeunes en insertion", 26.0, 2020, "Étude santé jeunes 2020 (AREFIE, ARS, OR2S)"),
        ("detresse_moderee", "Jeunes en ML, 2020 (25 ML)", 25.0, 2020, "Étude santé jeunes 2020 (AREFIE, ARS, OR2S)"),
        ("depression", "Jeunes en ML, 2020 (25 ML)", 5.0, 2020, "Étude santé jeunes 2020 (AREFIE, ARS, OR2S)"),
    ]
    return pd.DataFrame(rows, columns=["indicateur", "population", "valeur_pct", "annee", "source"])
