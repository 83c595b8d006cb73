"""Synthetic *Parcours résidentiel* surveys: ~3,000 youths and ~400 ML professionals (SPSS .sav).

Assumptions (DOMAIN.md; tested in tests/synth/test_residentiel.py):

- **Design**: stratified by département (strata), youths met in their ML (the PSU); fixed
  allocation 450 / 1,000 / 500 / 650 / 400, so Nord is under-sampled and small départements
  over-sampled. ``poids`` = N_h / n_h × a sex post-stratification factor within département, summing
  to the 115,109 accompanied youths.
- **Territory**: each youth lives in a rural revitalisation zone, a peri-urban QPV or an urban area,
  drawn from the ML's territory mix; QPV residence follows (peri-urban QPV → QPV).
- **Residential profiles**: a latent class drives the housing variables so that a typology can be
  recovered (MCA + HCPC): stable with parents (≈ 55 %), stable autonomous (≈ 20 %), unstable
  hosting by family or friends (≈ 12 %), transition (FJT, residence) (≈ 6 %), severe precarity
  (emergency housing, squat, street) (≈ 9 %). Odds shift with age, territory, qualification.
  Housing situation, tenure, moves in 3 years, breakdowns, homelessness, barriers and resources
  are drawn from the class.
- **Insertion outcomes** worsen with housing precarity: employment ≈ 35 % for stable youths vs ≈ 15 %
  in severe precarity; drop-out from ML support ≈ 10 % vs ≈ 30 %.
- **Professionals**: ~400 across the 42 ML (≥ 3 per ML, more in large ML); comfort with housing
  questions is lower in rural ML; needs (training, partner directory, time) are frequent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies.io.codebook import Codebook
from arefie_studies.synth import _registry as reg
from arefie_studies.synth._common import (
    V,
    binary,
    categorical,
    make_codebook,
    make_ids,
    ordinal,
    zscore,
)

ON = {0: "Non", 1: "Oui"}
ALLOCATION = {2: 450, 59: 1000, 60: 500, 62: 650, 80: 400}
LOGEMENT = {1: "Chez les parents", 2: "Hébergé par la famille ou des amis (hébergé par un tiers)",
            3: "Logement personnel", 4: "Foyer de jeunes travailleurs (FJT), résidence",
            5: "Hébergement d'urgence ou social (CHRS, CHU, hôtel)", 6: "Squat, rue, véhicule"}
STATUT = {1: "Locataire du parc social", 2: "Locataire du parc privé", 3: "Propriétaire (ménage)",
          4: "Hébergé à titre gratuit", 5: "Résident avec redevance (FJT, résidence)",
          6: "Sans titre d'occupation"}
CLASSES = ["Stable chez les parents", "Autonome stable", "Hébergement instable", "Transition (FJT, résidence)",
           "Grande précarité"]
# P(logement | class) rows: classes; cols: 6 housing categories
_LOG_GIVEN_CLASS = np.array([
    [0.93, 0.05, 0.02, 0.00, 0.00, 0.00],
    [0.02, 0.03, 0.92, 0.03, 0.00, 0.00],
    [0.20, 0.70, 0.05, 0.02, 0.02, 0.01],
    [0.02, 0.05, 0.08, 0.83, 0.02, 0.00],
    [0.02, 0.18, 0.03, 0.05, 0.52, 0.20],
])


def _youths(rng: np.random.Generator, n_total: int) -> tuple[pd.DataFrame, Codebook, pd.DataFrame]:
    pop = reg.population_table()
    ml = reg.ml_frame()
    scale = n_total / sum(ALLOCATION.values())
    rows = []
    for dep, n_h in ALLOCATION.items():  # five strata
        cells = pop[pop.departement == dep]
        k = round(n_h * scale)
        idx = rng.choice(len(cells), size=k, p=(cells.effectif / cells.effectif.sum()).to_numpy())
        part = cells.iloc[idx][["sexe", "tranche_age", "departement", "qualification"]].reset_index(drop=True)
        mls = ml[ml.departement == dep]
        part["ml"] = rng.choice(mls.ml_code.to_numpy(), size=k,
                                p=(mls.accompagnes_2024 / mls.accompagnes_2024.sum()).to_numpy())
        rows.append(part)
    s = pd.concat(rows, ignore_index=True)
    n = len(s)
    lo = np.array([16, 18, 22, 26])[s.tranche_age - 1]
    hi = np.array([17, 21, 25, 29])[s.tranche_age - 1]
    age = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    agez = (age - 21) / 3
    female = (s.sexe.to_numpy() == 2).astype(float)
    qual = s.qualification.to_numpy()
    mtype = s.ml.map(ml.set_index("ml_code").type_territoire).to_numpy()
    mix = np.array([reg.TERRITORY_MIX[t] for t in mtype])
    territoire = categorical(rng, np.log(mix))
    qpv = np.where(territoire == 2, (rng.random(n) < 0.9), rng.random(n) < 0.05).astype(int)
    rqth = binary(rng, 1.3 * (age >= 26) + 0.3 * (qual == 1), 0.055)

    logits = np.tile(np.log([0.60, 0.15, 0.12, 0.05, 0.08]), (n, 1))
    logits[:, 0] += -0.7 * agez - 0.2 * female
    logits[:, 1] += 0.8 * agez + 0.3 * female + 0.3 * (qual >= 3)
    logits[:, 2] += 0.3 * (qual == 1) + 0.2 * qpv
    logits[:, 3] += 0.5 * (territoire == 3) + 0.2 * agez - 0.6 * (territoire == 1)
    logits[:, 4] += 0.5 * (qual == 1) + 0.4 * (territoire == 2) - 0.4 * female + 0.3 * rqth
    cls = categorical(rng, logits, start=0)
    logement = categorical(rng, np.log(_LOG_GIVEN_CLASS[cls] + 1e-9))
    precarious = np.isin(cls, [2, 4]).astype(float) + 0.6 * (cls == 3)

    stat_p = np.array([  # P(statut | logement)
        [0.38, 0.17, 0.45, 0.00, 0.00, 0.00],
        [0.30, 0.20, 0.15, 0.35, 0.00, 0.00],
        [0.40, 0.55, 0.02, 0.00, 0.00, 0.03],
        [0.00, 0.00, 0.00, 0.00, 1.00, 0.00],
        [0.00, 0.00, 0.00, 0.35, 0.45, 0.20],
        [0.00, 0.00, 0.00, 0.05, 0.00, 0.95],
    ])
    statut = categorical(rng, np.log(stat_p[logement - 1] + 1e-9))
    mob = np.array([0.4, 1.2, 2.4, 1.6, 3.2])[cls]
    nb_dem = np.minimum(rng.poisson(mob), 8)
    left = (cls > 0) | (rng.random(n) < 0.15)
    age_decoh = np.where(left, np.clip(np.round(age - rng.exponential(1.8, n)), 15, age), np.nan)
    rupture = binary(rng, 1.6 * np.isin(cls, [2, 4]) + 0.8 * (cls == 3), 0.24)
    sans_log = binary(rng, 2.6 * (cls == 4) + 1.0 * (cls == 2) + 0.8 * rupture, 0.12)
    motif_p = np.tile(np.log([0.15, 0.16, 0.18, 0.14, 0.12, 0.13, 0.12]), (n, 1))
    motif_p[:, 2] += 0.9 * np.isin(cls, [2, 4])
    motif_p[:, 4] += 1.1 * (cls == 4)
    motif_p[:, 0] += 0.6 * (cls == 3)
    motif = np.where(nb_dem > 0, categorical(rng, motif_p), np.nan)
    resz = zscore(0.6 * (qual >= 3) - 0.7 * precarious + 0.4 * agez + rng.normal(0, 1, n))
    ressources = ordinal(resz, [0.22, 0.33, 0.30, 0.15])
    out = {
        "id_jeune": make_ids("PR-", np.arange(1, n + 1), 5),
        "ml": s.ml.to_numpy(), "departement": s.departement.to_numpy(), "territoire": territoire,
        "sexe": s.sexe.to_numpy(), "age": age, "tranche_age": s.tranche_age.to_numpy(),
        "qualification": qual, "qpv": qpv, "rqth": rqth,
        "logement": logement, "statut_occupation": statut, "nb_demenagements": nb_dem,
        "age_decohabitation": age_decoh, "rupture_hebergement": rupture, "periode_sans_logement": sans_log,
        "motif_dernier_demenagement": motif, "ressources": ressources,
        "demande_logement_social": binary(rng, 0.8 * (cls >= 2) + 0.4 * (cls == 1), 0.26),
    }
    for name, lin, target in (
        ("frein_ressources", -1.0 * resz + 0.5 * precarious, 0.58),
        ("frein_garant", 0.9 * precarious - 0.3 * resz, 0.34),
        ("frein_offre", 0.4 * (territoire == 1) + 0.3 * (territoire == 3) + 0.2 * precarious, 0.41),
        ("frein_mobilite", 1.0 * (territoire == 1) + 0.3 * precarious, 0.29),
        ("frein_discrimination", 0.6 * qpv + 0.5 * precarious, 0.15),
        ("frein_demarches", 0.6 * (qual == 1) + 0.6 * precarious, 0.33),
    ):
        out[name] = binary(rng, lin, target)
    out["permis_b"] = binary(rng, 0.9 * agez + 0.5 * (territoire == 1) + 0.5 * (qual >= 3) - 0.5 * precarious, 0.38)
    out["vehicule"] = np.where(out["permis_b"] == 1, binary(rng, 0.8 * (territoire == 1) + 0.4 * resz, 0.55), 0)
    employ = zscore(0.5 * (qual >= 3) + 0.3 * agez - 1.1 * precarious + 0.4 * out["permis_b"]
                    - 0.3 * (territoire == 1) * (1 - out["vehicule"]) + rng.normal(0, 1, n))
    sit_logits = np.tile(np.log([0.30, 0.18, 0.42, 0.10]), (n, 1))
    sit_logits[:, 0] += 1.0 * employ
    sit_logits[:, 1] += 0.3 * employ - 0.3 * agez
    sit_logits[:, 3] += -0.6 * employ + 0.5 * (cls == 4)
    situation = categorical(rng, sit_logits)
    out["situation"] = situation
    out["emploi"] = (situation == 1).astype(int)
    out["formation"] = (situation == 2).astype(int)
    out["decrochage"] = binary(rng, 1.3 * precarious - 0.4 * employ + 0.2 * (territoire == 1), 0.15)
    out["satisfaction_logement"] = ordinal(-1.2 * precarious + 0.3 * resz + rng.normal(0, 1, n),
                                           [0.14, 0.20, 0.40, 0.26])
    out["satisfaction_logement"] = 5 - out["satisfaction_logement"]  # 1 = very satisfied
    out["souhait_demenager"] = binary(rng, 1.0 * precarious + 0.4 * (cls == 0) * agez, 0.47)

    # design weights: N_h / n_h, then post-stratified on sex within département
    counts = reg.population_table().groupby(["departement", "sexe"]).effectif.sum()
    key = pd.MultiIndex.from_arrays([s.departement, s.sexe])
    n_hs = pd.Series(1, index=key).groupby(level=[0, 1]).size()
    poids = (counts.reindex(key).to_numpy() / n_hs.reindex(key).to_numpy())
    out["poids"] = np.round(poids * (1 + rng.normal(0, 0.04, n)), 4)
    out["poids"] = out["poids"] * reg.ACCOMPANIED_2024 / out["poids"].sum()
    out["classe_latente"] = cls
    df = pd.DataFrame(out)
    df = df.iloc[rng.permutation(n)].reset_index(drop=True)
    df["id_jeune"] = make_ids("PR-", np.arange(1, n + 1), 5)
    latent = pd.DataFrame({"id_jeune": df["id_jeune"], "classe": df.pop("classe_latente")})
    df = df.astype({c: "float64" for c in df.columns if c != "id_jeune"})
    return df, _cb_youths(), latent


def _cb_youths() -> Codebook:
    specs = {
        "id_jeune": V("Identifiant du questionnaire", type="string", role="id"),
        "ml": V("Mission Locale (unité primaire)", reg.ml_labels()),
        "departement": V("Département (strate)", reg.DEPARTEMENTS),
        "territoire": V("Type de territoire de résidence", reg.TERRITOIRE),
        "sexe": V("Sexe", reg.SEXE),
        "age": V("Âge (ans)", range=(16, 29)),
        "tranche_age": V("Tranche d'âge", reg.TRANCHE_AGE, measure="ordinal"),
        "qualification": V("Niveau de qualification", reg.QUALIFICATION, measure="ordinal"),
        "qpv": V("Réside dans un quartier prioritaire (QPV)", ON),
        "rqth": V("Reconnaissance de travailleur handicapé (RQTH)", ON),
        "logement": V("Situation de logement actuelle", LOGEMENT),
        "statut_occupation": V("Statut d'occupation du logement", STATUT),
        "nb_demenagements": V("Nombre de déménagements au cours des 3 dernières années", range=(0, 20)),
        "age_decohabitation": V("Âge au premier départ du domicile parental", range=(12, 29)),
        "rupture_hebergement": V("A dû quitter brutalement un hébergement", ON),
        "periode_sans_logement": V("A connu une période sans logement (rue, squat, voiture)", ON),
        "motif_dernier_demenagement": V("Motif du dernier déménagement",
                                        {1: "Études ou formation", 2: "Emploi", 3: "Conflit familial",
                                         4: "Mise en couple ou séparation", 5: "Fin d'hébergement, expulsion",
                                         6: "Coût du logement", 7: "Autre"}),
        "ressources": V("Ressources mensuelles", {1: "Aucune", 2: "Moins de 500 €", 3: "500 à 999 €",
                                                  4: "1 000 € ou plus"}, measure="ordinal"),
        "demande_logement_social": V("A déposé une demande de logement social", ON),
        "frein_ressources": V("Frein : ressources insuffisantes", ON),
        "frein_garant": V("Frein : absence de garant", ON),
        "frein_offre": V("Frein : manque de petits logements", ON),
        "frein_mobilite": V("Frein : mobilité, transports", ON),
        "frein_discrimination": V("Frein : discriminations", ON),
        "frein_demarches": V("Frein : complexité des démarches", ON),
        "permis_b": V("Titulaire du permis B", ON),
        "vehicule": V("Dispose d'un véhicule", ON),
        "situation": V("Situation d'insertion actuelle", {1: "En emploi", 2: "En formation",
                                                          3: "En recherche d'emploi", 4: "Sans activité"}),
        "emploi": V("En emploi", ON),
        "formation": V("En formation", ON),
        "decrochage": V("Rupture d'accompagnement en Mission Locale (12 derniers mois)", ON),
        "satisfaction_logement": V("Satisfaction à l'égard du logement actuel",
                                   {1: "Très satisfait", 2: "Plutôt satisfait", 3: "Plutôt pas satisfait",
                                    4: "Pas du tout satisfait"}, measure="ordinal"),
        "souhait_demenager": V("Souhaite changer de logement", ON),
        "poids": V("Poids de sondage", role="weight", range=(0.0001, 10000)),
    }
    return make_codebook("parcours_residentiel_jeunes",
                         "Parcours résidentiel — enquête auprès des jeunes accompagnés (synthétique)",
                         specs, id_columns=["id_jeune"])


def _professionals(rng: np.random.Generator, n_total: int) -> tuple[pd.DataFrame, Codebook]:
    ml = reg.ml_frame()
    extra = n_total - 3 * len(ml)
    k = 3 + rng.multinomial(max(extra, 0), (ml.accompagnes_2024 / ml.accompagnes_2024.sum()).to_numpy())
    mlc = np.repeat(ml.ml_code.to_numpy(), k)
    dep = np.repeat(ml.departement.to_numpy(), k)
    rural = np.repeat((ml.type_territoire == "rural").to_numpy(), k).astype(float)
    n = len(mlc)
    fonction = categorical(rng, np.tile(np.log([0.70, 0.08, 0.12, 0.10]), (n, 1)))
    anciennete = np.clip(np.round(rng.gamma(2.0, 4.0, n)), 0, 35)
    comfort = zscore(-0.5 * rural + 1.2 * (fonction == 2) + 0.05 * anciennete + rng.normal(0, 1, n))
    out = {
        "id_pro": make_ids("PRO-", np.arange(1, n + 1), 4),
        "ml": mlc, "departement": dep, "fonction": fonction, "anciennete": anciennete,
        "part_jeunes_probleme_logement": np.clip(np.round(rng.normal(30 + 6 * (1 - rural), 12, n)), 0, 100),
        "frequence_questions_logement": ordinal(rng.normal(0, 1, n) + 0.4 * (1 - rural), [0.05, 0.25, 0.45, 0.25]),
        "aisance_logement": ordinal(comfort, [0.12, 0.33, 0.40, 0.15]),
    }
    for name, target in (("connait_fjt", 0.75), ("connait_siao", 0.55), ("connait_visale", 0.50),
                         ("connait_locapass", 0.45), ("connait_fsl", 0.40), ("connait_cllaj", 0.30)):
        out[name] = ordinal(0.8 * comfort + rng.normal(0, 0.8, n), [1 - target - 0.1, 0.1, target * 0.6, target * 0.4])
    for name, lin, target in (("besoin_formation", -0.6 * comfort, 0.62), ("besoin_annuaire", -0.3 * comfort, 0.55),
                              ("besoin_temps", 0.2 * (1 - rural), 0.48), ("besoin_referent", -0.4 * comfort + 0.4 * rural, 0.44),
                              ("besoin_outils", -0.2 * comfort, 0.37)):
        out[name] = binary(rng, lin, target)
    out["satisfaction_partenariats"] = ordinal(0.5 * comfort - 0.3 * rural + rng.normal(0, 1, n),
                                               [0.10, 0.30, 0.45, 0.15])
    out["orientations_siao_12m"] = rng.poisson(np.exp(0.8 + 0.4 * comfort + 0.4 * (fonction == 2)))
    df = pd.DataFrame(out)
    df = df.astype({c: "float64" for c in df.columns if c != "id_pro"})
    know = {1: "Pas du tout", 2: "Un peu", 3: "Assez bien", 4: "Très bien"}
    specs = {
        "id_pro": V("Identifiant du répondant", type="string", role="id"),
        "ml": V("Mission Locale", reg.ml_labels()),
        "departement": V("Département", reg.DEPARTEMENTS),
        "fonction": V("Fonction", {1: "Conseiller(ère) en insertion", 2: "Référent(e) logement",
                                   3: "Chargé(e) d'accueil", 4: "Encadrement"}),
        "anciennete": V("Ancienneté en Mission Locale (années)", range=(0, 45)),
        "part_jeunes_probleme_logement": V("Part estimée des jeunes suivis ayant un problème de logement (%)",
                                           range=(0, 100)),
        "frequence_questions_logement": V("Fréquence des questions de logement en entretien",
                                          {1: "Jamais", 2: "Parfois", 3: "Souvent", 4: "Très souvent"},
                                          measure="ordinal"),
        "aisance_logement": V("Aisance pour accompagner les questions de logement",
                              {1: "Pas du tout à l'aise", 2: "Plutôt pas à l'aise", 3: "Plutôt à l'aise",
                               4: "Tout à fait à l'aise"}, measure="ordinal"),
    }
    for name, lab in (("connait_fjt", "les FJT"), ("connait_siao", "le SIAO"), ("connait_visale", "la garantie Visale"),
                      ("connait_locapass", "l'avance Loca-Pass"), ("connait_fsl", "le FSL"),
                      ("connait_cllaj", "le CLLAJ")):
        specs[name] = V(f"Connaissance de {lab}", know, measure="ordinal")
    for name, lab in (("besoin_formation", "formation sur le logement"), ("besoin_annuaire", "annuaire des partenaires"),
                      ("besoin_temps", "temps dédié"), ("besoin_referent", "référent logement dans la structure"),
                      ("besoin_outils", "outils de diagnostic")):
        specs[name] = V(f"Besoin : {lab}", ON)
    specs["satisfaction_partenariats"] = V("Satisfaction à l'égard des partenariats logement",
                                           {1: "Pas du tout satisfait", 2: "Plutôt pas satisfait",
                                            3: "Plutôt satisfait", 4: "Très satisfait"}, measure="ordinal")
    specs["orientations_siao_12m"] = V("Nombre d'orientations vers le SIAO (12 derniers mois)", range=(0, 200))
    cb = make_codebook("parcours_residentiel_professionnels",
                       "Parcours résidentiel — enquête auprès des professionnels des ML (synthétique)",
                       specs, id_columns=["id_pro"])
    return df, cb


def generate(n_youths: int = 3000, n_pros: int = 400, seed: int = 2024) -> dict[str, tuple[pd.DataFrame, Codebook]]:
    rng = np.random.default_rng([seed, 33])
    df, cb, latent = _youths(rng, n_youths)
    pros = _professionals(rng, n_pros)
    return {"parcours_residentiel_jeunes": (df, cb), "parcours_residentiel_professionnels": pros,
            "_classes": (latent, None)}
