"""Synthetic *Étude santé jeunes* (2024: ~2,700 youths in 42 ML; 2020: ~2,100 in 25 ML), SPSS .sav.

Assumptions (DOMAIN.md; targets are tested in tests/synth/test_sante.py):

- **Sample**: youths met in ML, drawn from the 2024 ML population table (sex × age group ×
  département × qualification, ``data/reference/population_ml_2024.csv``) with a *non-probability*
  selection bias: women ×1.45, ages 22–25 ×1.3 and 26+ ×1.25, minors ×0.6, Nord ×1.25,
  bac+ ×1.2–1.3. Hence ≈ 57 % women in the sample vs 48 % in the population: calibration matters.
  2020 wave: 25 ML (the largest per département: 2/11/4/6/2).
- **Precarity** is a latent score driven by qualification, housing, QPV, RQTH and job search; the 11
  EPICES items (Sass et al. 2006; score = 75.14 + Σ weights, 0–100, ≥ 30 precarious) are drawn
  from it, so EPICES ≥ 30 concerns ≈ 70 % of youths.
- **Mental health**: a latent distress (precarity, women, precarious housing, RQTH, age) drives the
  10 ADRS yes/no items (Revah-Lévy et al. 2007) through a Rasch-type model; the intercept is
  calibrated so that ADRS ≥ 3 concerns 33 % (2024) / 30 % (2020) and ADRS ≥ 6 ≈ 8 % / 5 %
  (2020 report: 25 % moderate distress, 5 % depression).
- **Addictions**: daily smoking 40 % (2024) / 42 % (2020), more for men and precarious youths;
  AUDIT-C items (0–4 each; non-drinkers coded 0 on items 2–3); cannabis in the year 33 %, CAST
  items (0–4, 0–24 score, ≥ 7 high risk) asked to users only (system-missing otherwise).
- **Nutrition**: height by sex; BMI = 15 + exp(N) calibrated to 32 % overweight or obese (≥ 25),
  ≈ 12 % obese, ≈ 9 % underweight, rising with precarity and age. Weight 999 = "Ne sait pas".
- **Physical activity**: IPAQ short-form items (days and minutes of vigorous, moderate, walking;
  sitting hours), men and less precarious youths more active.
- **Access to care**: forgone care in the year ≈ 40 %, strongly linked to precarity and the
  absence of complementary insurance; GP, dentist, screening.
- Sensitive items carry the user-missing code 9 "Ne souhaite pas répondre" (1–6 %).
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
    sigmoid,
    zscore,
)

NSP = {9: "Ne souhaite pas répondre"}
ON = {0: "Non", 1: "Oui"}
ON9 = {**ON, **NSP}

EPICES_ITEMS = [  # (name, label, weight if "Oui", target share of "Oui", slope on precarity)
    ("epices_01", "Rencontrez-vous parfois un travailleur social ?", 10.06, 0.35, 1.0),
    ("epices_02", "Bénéficiez-vous d'une assurance maladie complémentaire ?", -11.83, 0.72, -0.8),
    ("epices_03", "Vivez-vous en couple ?", -8.28, 0.20, -0.3),
    ("epices_04", "Êtes-vous propriétaire de votre logement ?", -8.28, 0.05, -0.6),
    ("epices_05", "Y a-t-il des périodes dans le mois où vous rencontrez de réelles difficultés "
     "financières à faire face à vos besoins (alimentation, loyer, EDF…) ?", 14.80, 0.40, 1.2),
    ("epices_06", "Vous est-il arrivé de faire du sport au cours des 12 derniers mois ?", -6.51, 0.52, -0.6),
    ("epices_07", "Êtes-vous allé au spectacle au cours des 12 derniers mois ?", -7.10, 0.42, -0.7),
    ("epices_08", "Êtes-vous parti en vacances au cours des 12 derniers mois ?", -7.10, 0.45, -0.9),
    ("epices_09", "Au cours des 6 derniers mois, avez-vous eu des contacts avec des membres de votre "
     "famille autres que vos parents ou vos enfants ?", -9.47, 0.85, -0.6),
    ("epices_10", "En cas de difficultés, y a-t-il dans votre entourage des personnes sur qui vous "
     "puissiez compter pour vous héberger quelques jours en cas de besoin ?", -9.47, 0.72, -0.9),
    ("epices_11", "En cas de difficultés, y a-t-il dans votre entourage des personnes sur qui vous "
     "puissiez compter pour vous apporter une aide matérielle ?", -7.10, 0.68, -0.9),
]
EPICES_CONSTANT = 75.14

ADRS_ITEMS = [
    "Je n'ai pas d'énergie pour l'école, pour le travail",
    "J'ai du mal à réfléchir",
    "Je sens que la tristesse, le cafard me débordent en ce moment",
    "Il n'y a vraiment rien qui me fait plaisir",
    "Ce que je fais ne sert à rien",
    "Au fond, quand c'est comme ça, j'ai envie de mourir",
    "Je ne supporte pas grand-chose",
    "Je me sens découragé(e)",
    "Je dors très mal",
    "À l'école, au boulot, je n'y arrive pas",
]
ADRS_DIFFICULTY = np.array([-0.6, -0.2, 0.3, 1.0, 0.6, 2.0, 0.4, -0.3, 0.0, 0.5])

CAST_ITEMS = [
    "Avez-vous déjà fumé du cannabis avant midi ?",
    "Avez-vous déjà fumé du cannabis lorsque vous étiez seul(e) ?",
    "Avez-vous déjà eu des problèmes de mémoire quand vous fumiez du cannabis ?",
    "Des amis ou des membres de votre famille vous ont-ils déjà dit que vous devriez réduire "
    "votre consommation de cannabis ?",
    "Avez-vous déjà essayé de réduire ou d'arrêter votre consommation de cannabis sans y parvenir ?",
    "Avez-vous déjà eu des problèmes à cause de votre consommation de cannabis (dispute, bagarre, "
    "accident, mauvais résultat à l'école…) ?",
]
CAST_VALUES = {0: "Jamais", 1: "Rarement", 2: "De temps en temps", 3: "Assez souvent", 4: "Très souvent"}

LOGEMENT = {1: "Chez les parents", 2: "Hébergé par la famille ou des amis", 3: "Logement autonome",
            4: "Foyer de jeunes travailleurs, résidence", 5: "Hébergement d'urgence ou social (CHRS, CHU, hôtel)",
            6: "Squat, rue, véhicule"}
SITUATION = {1: "En emploi", 2: "En formation", 3: "En recherche d'emploi", 4: "Autre situation"}

#: Non-probability selection multipliers (sample vs population).
BIAS_SEX = np.array([1.0, 1.45])
BIAS_AGE = np.array([0.6, 1.0, 1.3, 1.25])
BIAS_DEP = {2: 0.85, 59: 1.25, 60: 0.8, 62: 0.95, 80: 0.9}
BIAS_QUAL = np.array([0.85, 1.0, 1.2, 1.3])

WAVES = {  # year: (n, ML per département or None for all, targets)
    2024: {"n": 2700, "ml_per_dep": None, "adrs3": 0.33, "adrs6": 0.08, "smoke": 0.40, "cannabis": 0.33,
           "forgone": 0.40, "overweight": 0.32},
    2020: {"n": 2138, "ml_per_dep": {2: 2, 59: 11, 60: 4, 62: 6, 80: 2}, "adrs3": 0.30, "adrs6": 0.05,
           "smoke": 0.42, "cannabis": 0.31, "forgone": 0.36, "overweight": 0.30},
}


def _calibrate_adrs(distress: np.ndarray, u: np.ndarray, p3: float, p6: float) -> tuple[float, float]:
    """Discrimination a and offset c of the Rasch-type ADRS model hitting P(≥3)=p3 and P(≥6)≈p6.

    For a given a, c is found by bisection so that P(score ≥ 3) = p3 on the fixed draws; then a is
    found by bisection on P(score ≥ 6) (a larger a spreads the scores).
    """

    lu = np.log(u) - np.log1p(-u) + ADRS_DIFFICULTY  # u < sigmoid(a·d + c − δ) ⇔ logit(u) + δ < a·d + c

    def shares(a: float, c: float) -> tuple[float, float]:
        score = (lu < (a * distress + c)[:, None]).sum(1)
        return float(np.mean(score >= 3)), float(np.mean(score >= 6))

    def offset(a: float) -> float:
        lo, hi = -15.0, 15.0
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if shares(a, mid)[0] < p3 else (lo, mid)
        return (lo + hi) / 2

    alo, ahi = 0.2, 4.0
    for _ in range(20):
        amid = (alo + ahi) / 2
        alo, ahi = (amid, ahi) if shares(amid, offset(amid))[1] < p6 else (alo, amid)
    a = (alo + ahi) / 2
    return a, offset(a)


def _select_ml(ml_per_dep: dict[int, int] | None) -> pd.DataFrame:
    ml = reg.ml_frame()
    if ml_per_dep is None:
        return ml
    ml = ml.sort_values(["departement", "accompagnes_2024", "ml_code"], ascending=[True, False, True])
    rank = ml.groupby("departement").cumcount().to_numpy()
    keep = rank < ml.departement.map(ml_per_dep).to_numpy()
    return ml[keep].sort_values("ml_code")


def _draw_sample(rng: np.random.Generator, n: int, mls: pd.DataFrame) -> pd.DataFrame:
    pop = reg.population_table()
    w = (pop.effectif.to_numpy() * BIAS_SEX[pop.sexe - 1] * BIAS_AGE[pop.tranche_age - 1]
         * pop.departement.map(BIAS_DEP).to_numpy() * BIAS_QUAL[pop.qualification - 1])
    cells = rng.choice(len(pop), size=n, p=w / w.sum())
    s = pop.iloc[cells].reset_index(drop=True)[["sexe", "tranche_age", "departement", "qualification"]]
    # ML within département, proportional to size
    ml_code = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for dep, g in mls.groupby("departement"):
        idx = np.flatnonzero(s.departement.to_numpy() == dep)
        cum = np.cumsum(g.accompagnes_2024.to_numpy() / g.accompagnes_2024.sum())
        ml_code[idx] = g.ml_code.to_numpy()[np.minimum(np.searchsorted(cum, u[idx]), len(g) - 1)]
    s["ml"] = ml_code
    lo = np.array([16, 18, 22, 26])[s.tranche_age - 1]
    hi = np.array([17, 21, 25, 29])[s.tranche_age - 1]
    s["age"] = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    return s


def generate(year: int = 2024, n: int | None = None, seed: int = 2024) -> tuple[pd.DataFrame, Codebook]:
    """One wave of the santé jeunes survey: a frame of numeric codes and its codebook."""
    cfg = WAVES[year]
    n = int(n or cfg["n"])
    rng = np.random.default_rng([seed, year, 1])
    mls = _select_ml(cfg["ml_per_dep"])
    s = _draw_sample(rng, n, mls)
    ml_type = s.ml.map(reg.ml_frame().set_index("ml_code").type_territoire).to_numpy()
    female = (s.sexe.to_numpy() == 2).astype(float)
    age = s.age.to_numpy().astype(float)
    agez = (age - 21) / 3
    qual = s.qualification.to_numpy()

    rqth = binary(rng, 1.3 * (age >= 26) + 0.3 * (qual == 1), reg.RQTH_SHARE + 0.007)
    qpv = (rng.random(n) < pd.Series(ml_type).map(reg.QPV_SHARE_BY_TYPE).to_numpy()).astype(np.int8)
    # housing: multinomial logit on age, sex, qualification, QPV
    base = np.log(np.array([0.62, 0.14, 0.13, 0.04, 0.05, 0.02]))
    logits = np.tile(base, (n, 1))
    logits[:, 0] -= 0.55 * agez + 0.25 * female
    logits[:, 2] += 0.7 * agez + 0.25 * female + 0.2 * (qual >= 3)
    logits[:, 3] += 0.3 * agez
    logits[:, 4] += 0.3 * (qual == 1) + 0.2 * rqth
    logits[:, 5] += 0.4 * (qual == 1) - 0.4 * female
    logement = categorical(rng, logits)
    precarious_housing = (logement >= 5).astype(float)
    sit_logits = np.tile(np.log([0.24, 0.17, 0.50, 0.09]), (n, 1))
    sit_logits[:, 0] += 0.3 * agez + 0.3 * (qual >= 3) - 0.4 * precarious_housing
    sit_logits[:, 1] -= 0.3 * agez
    situation = categorical(rng, sit_logits)

    prec = (0.8 * (qual == 1) + 0.3 * (qual == 2) - 0.3 * (qual == 4) + 1.1 * precarious_housing
            + 0.45 * (logement == 2) + 0.3 * (logement == 4) + 0.4 * qpv + 0.3 * rqth
            + 0.5 * (situation == 3) - 0.3 * (situation == 1) + rng.normal(0, 1, n))
    precz = zscore(prec)
    out: dict[str, np.ndarray] = {}
    for name, _label, _w, target, slope in EPICES_ITEMS:
        extra = 0.8 * (logement == 3) if name == "epices_04" else 0.0
        extra = extra + (1.2 * (logement == 3) if name == "epices_03" else 0.0)
        out[name] = binary(rng, slope * precz + extra, target)
    epices_score = EPICES_CONSTANT + sum(w * out[nm] for nm, _l, w, _t, _s in EPICES_ITEMS)
    epz = zscore(epices_score)

    # ----- mental health (ADRS) -------------------------------------------------------------------
    distress = (0.45 * epz + 0.45 * female + 0.45 * precarious_housing + 0.3 * rqth + 0.12 * agez
                + 0.15 * (situation == 3) + rng.normal(0, 1, n))
    distress = zscore(distress)
    u = rng.random((n, 10))
    a, c = _calibrate_adrs(distress, u, cfg["adrs3"], cfg["adrs6"])
    items = (u < sigmoid(a * distress[:, None] + c - ADRS_DIFFICULTY)).astype(float)
    adrs_nr = rng.random(n) < 0.01
    items[adrs_nr] = np.nan
    for j in range(10):
        out[f"adrs_{j + 1:02d}"] = items[:, j]
    out["sante_percue"] = ordinal(0.8 * distress + 0.3 * epz + 0.2 * agez + rng.normal(0, 1, n),
                                  [0.22, 0.46, 0.22, 0.08, 0.02])
    out["pensees_suicidaires"] = binary(rng, 1.6 * distress, 0.09).astype(float)
    out["tentative_suicide"] = binary(rng, 1.2 * distress + 0.4 * female, 0.05).astype(float)
    out["consult_psy"] = binary(rng, 0.9 * distress + 0.4 * female - 0.3 * epz, 0.14)
    out["troubles_sommeil"] = binary(rng, 1.0 * distress, 0.38)

    # ----- addictions -----------------------------------------------------------------------------
    smoke_lin = 0.55 * epz - 0.35 * female + 0.25 * distress + 0.1 * agez + 0.3 * (situation == 3)
    daily = binary(rng, smoke_lin, cfg["smoke"])
    other = ordinal(rng.normal(0, 1, n), [0.50, 0.22, 0.28], start=1)  # never, former, occasional
    tabac = np.where(daily == 1, 4, np.array([1, 2, 3])[other - 1])
    out["tabac"] = tabac
    out["cigarettes_jour"] = np.where(tabac == 4, np.clip(np.round(rng.gamma(4, 2.6, n)), 1, 40), np.nan)
    out["vapotage"] = binary(rng, 0.5 * (tabac >= 3) - 0.2 * agez, 0.21)
    alc = zscore(0.5 * (1 - female) + 0.2 * agez - 0.1 * epz + 0.3 * (tabac >= 3) + rng.normal(0, 1, n))
    q1 = ordinal(alc, [0.30, 0.30, 0.25, 0.11, 0.04], start=0)
    drinker = q1 > 0
    alc2 = zscore(alc + rng.normal(0, 0.8, n))
    q2 = np.where(drinker, np.clip(ordinal(np.where(drinker, alc2, -9), [0.30, 0.315, 0.21, 0.105, 0.042, 0.028]) - 2, 0, 4), 0)
    alc3 = zscore(alc + rng.normal(0, 0.7, n))
    q3 = np.where(drinker, np.clip(ordinal(np.where(drinker, alc3, -9), [0.30, 0.28, 0.21, 0.13, 0.07, 0.01]) - 2, 0, 4), 0)
    out["audit_c1"], out["audit_c2"], out["audit_c3"] = q1, q2, q3
    can = 0.6 * (1 - female) + 0.9 * (tabac == 4) + 0.3 * distress + 0.2 * epz - 0.15 * agez
    cannabis = binary(rng, can, cfg["cannabis"])
    out["cannabis_12m"] = cannabis
    sev = zscore(can + rng.normal(0, 1, n))
    cast = np.full((n, 6), np.nan)
    cast_diff = np.array([0.0, -0.3, 0.5, 0.4, 0.9, 1.1])
    latent = sev[:, None] - cast_diff + rng.normal(0, 0.9, (n, 6))
    cast_val = np.clip(np.floor(latent * 1.1 + 1.2), 0, 4)
    cast[cannabis == 1] = cast_val[cannabis == 1]
    for j in range(6):
        out[f"cast_{j + 1}"] = cast[:, j]
    out["autres_drogues"] = binary(rng, 1.2 * cannabis + 0.3 * distress, 0.06)

    # ----- nutrition ----------------------------------------------------------------------------------
    height = np.where(female == 1, rng.normal(163.5, 6.5, n), rng.normal(176.5, 7.0, n))
    bz = zscore(0.3 * epz + 0.15 * agez + 0.1 * female + rng.normal(0, 1, n))
    mu, sd = 2.035, 0.573
    bmi = 15 + np.exp(mu + sd * bz)
    shift = np.quantile(bmi, 1 - cfg["overweight"]) - 25.0
    bmi = np.minimum(15 + (bmi - 15) * (25.0 - 15) / (25.0 + shift - 15), 55.0)
    weight = np.round(bmi * (height / 100) ** 2)
    out["taille"] = np.round(height)
    out["poids"] = np.where(rng.random(n) < 0.025, 999.0, weight)
    out["petit_dejeuner"] = ordinal(0.4 * epz + rng.normal(0, 1, n), [0.45, 0.35, 0.20])
    out["fruits_legumes"] = binary(rng, -0.5 * epz + 0.3 * female, 0.58)
    out["boissons_sucrees"] = binary(rng, 0.4 * epz - 0.2 * female, 0.36)
    out["aide_alimentaire"] = binary(rng, 1.3 * epz, 0.14)

    # ----- physical activity (IPAQ short) -----------------------------------------------------------
    pa = zscore(0.5 * (1 - female) - 0.3 * epz - 0.2 * distress + rng.normal(0, 1, n))
    for name, p0, mins in (("vig", 0.35, 45.0), ("mod", 0.45, 40.0), ("marche", 0.78, 35.0)):
        days = rng.binomial(7, sigmoid(0.9 * pa + np.log(p0 / (1 - p0))))
        minutes = np.round(rng.lognormal(np.log(mins), 0.6, n) / 5) * 5
        out[f"ipaq_{name}_jours"] = days
        out[f"ipaq_{name}_minutes"] = np.where(days > 0, np.clip(minutes, 10, 240), np.nan)
    out["ipaq_assis_heures"] = np.clip(np.round(rng.normal(6.0 + 0.6 * distress - 0.5 * pa, 2.2)), 1, 16)

    # ----- access to care -------------------------------------------------------------------------
    comp = out["epices_02"]
    css = (comp == 1) & (rng.random(n) < sigmoid(1.4 * epz - 0.4))
    couverture = np.where(comp == 1, np.where(css, 2, 1), np.where(rng.random(n) < 0.2, 4, 3))
    out["couverture_complementaire"] = couverture
    out["medecin_traitant"] = binary(rng, -0.6 * epz - 0.3 * agez + 0.3 * female, 0.74)
    out["consult_generaliste"] = binary(rng, -0.3 * epz + 0.5 * female, 0.78)
    out["consult_dentiste"] = binary(rng, -0.6 * epz + 0.3 * female, 0.44)
    forgone = binary(rng, 0.9 * epz + 0.5 * (comp == 0) + 0.3 * female + 0.35 * distress, cfg["forgone"])
    out["renoncement_soins"] = forgone
    motif = categorical(rng, np.tile(np.log([0.45, 0.22, 0.13, 0.10, 0.10]), (n, 1))
                        + np.outer(epz, [0.4, 0, 0.2, 0, 0]))
    out["renoncement_motif"] = np.where(forgone == 1, motif, np.nan)

    # ----- affective and sexual life --------------------------------------------------------------
    sexual = binary(rng, 0.5 * agez + 0.3 * (out["epices_03"] == 1) * 3, 0.78)
    out["rapports_sexuels"] = sexual
    out["preservatif"] = np.where(sexual == 1, binary(rng, -0.3 * agez - 0.3 * epz, 0.52), np.nan)
    out["contraception"] = np.where((sexual == 1) & (female == 1),
                                    binary(rng, -0.4 * epz, 0.72), np.nan)
    out["depistage_ist"] = binary(rng, 0.4 * female + 0.3 * sexual, 0.30)
    out["violences_sexuelles"] = binary(rng, 1.6 * female + 0.4 * distress + 0.3 * epz, 0.10)

    # ----- environmental health -------------------------------------------------------------------
    out["logement_humidite"] = binary(rng, 0.6 * epz + 0.7 * precarious_housing, 0.24)
    out["bruit_gene"] = binary(rng, 0.5 * qpv + 0.3 * epz, 0.31)
    out["chaleur_logement"] = binary(rng, 0.4 * epz, 0.42)
    out["inquietude_pollution"] = ordinal(rng.normal(0, 1, n) + 0.2 * female, [0.18, 0.37, 0.30, 0.15])

    # ----- assemble ---------------------------------------------------------------------------------
    rng_missing = np.random.default_rng([seed, year, 9])
    for col, share in (("tabac", 0.01), ("renoncement_soins", 0.015), ("cannabis_12m", 0.03),
                       ("pensees_suicidaires", 0.04), ("tentative_suicide", 0.04),
                       ("rapports_sexuels", 0.05), ("violences_sexuelles", 0.06)):
        v = np.asarray(out[col], dtype=float)
        hit = (rng_missing.random(n) < share) & ~np.isnan(v)
        out[col] = np.where(hit, 9.0, v)
    cast_block = np.column_stack([out[f"cast_{j + 1}"] for j in range(6)])
    cast_block[np.asarray(out["cannabis_12m"]) == 9] = np.nan
    for filtered, parent in (("cigarettes_jour", "tabac"), ("renoncement_motif", "renoncement_soins"),
                             ("preservatif", "rapports_sexuels"), ("contraception", "rapports_sexuels")):
        out[filtered] = np.where(np.asarray(out[parent]) == 9, np.nan, out[filtered])  # skip logic
    for j in range(6):
        out[f"cast_{j + 1}"] = cast_block[:, j]

    order = rng.permutation(n)
    df = pd.DataFrame({
        "id_questionnaire": make_ids(f"SJ{year}-", np.arange(1, n + 1), 5),
        "annee": np.full(n, year), "vague": np.full(n, 1 if year == 2020 else 2),
        "ml": s.ml.to_numpy(), "departement": s.departement.to_numpy(),
        "sexe": s.sexe.to_numpy(), "age": s.age.to_numpy(), "annee_naissance": year - s.age.to_numpy(),
        "tranche_age": s.tranche_age.to_numpy(), "qualification": qual,
        "situation": situation, "logement": logement, "qpv": qpv, "rqth": rqth,
        **out,
    })
    df = df.iloc[order].reset_index(drop=True)
    df["id_questionnaire"] = make_ids(f"SJ{year}-", np.arange(1, n + 1), 5)
    df = df.astype({c: "float64" for c in df.columns if c != "id_questionnaire"})
    return df, codebook(year)


def codebook(year: int = 2024) -> Codebook:
    specs = {
        "id_questionnaire": V("Identifiant du questionnaire", type="string", role="id"),
        "annee": V("Année de l'enquête", range=(2020, 2024)),
        "vague": V("Vague de l'enquête", {1: "2020", 2: "2024"}, measure="ordinal"),
        "ml": V("Mission Locale", reg.ml_labels()),
        "departement": V("Département", reg.DEPARTEMENTS),
        "sexe": V("Sexe", reg.SEXE),
        "age": V("Âge (ans)", range=(16, 29)),
        "annee_naissance": V("Année de naissance", range=(1990, 2008)),
        "tranche_age": V("Tranche d'âge", reg.TRANCHE_AGE, measure="ordinal"),
        "qualification": V("Niveau de qualification (diplôme le plus élevé)", reg.QUALIFICATION, measure="ordinal"),
        "situation": V("Situation actuelle", SITUATION),
        "logement": V("Situation de logement", LOGEMENT),
        "qpv": V("Réside dans un quartier prioritaire (QPV)", ON),
        "rqth": V("Reconnaissance de la qualité de travailleur handicapé (RQTH)", ON),
    }
    for name, label, _w, _t, _s in EPICES_ITEMS:
        specs[name] = V(f"EPICES — {label}", ON)
    for j, label in enumerate(ADRS_ITEMS):
        specs[f"adrs_{j + 1:02d}"] = V(f"ADRS {j + 1} — {label}", {0: "Faux", 1: "Vrai"})
    specs |= {
        "sante_percue": V("État de santé perçu", {1: "Très bon", 2: "Bon", 3: "Assez bon", 4: "Mauvais",
                                                   5: "Très mauvais"}, measure="ordinal"),
        "pensees_suicidaires": V("Pensées suicidaires au cours des 12 derniers mois", ON9, missing=[9]),
        "tentative_suicide": V("Tentative de suicide au cours de la vie", ON9, missing=[9]),
        "consult_psy": V("Consultation d'un psychologue ou psychiatre (12 derniers mois)", ON),
        "troubles_sommeil": V("Troubles du sommeil fréquents", ON),
        "tabac": V("Consommation de tabac", {1: "N'a jamais fumé", 2: "Ancien fumeur", 3: "Fumeur occasionnel",
                                              4: "Fumeur quotidien", **NSP}, missing=[9]),
        "cigarettes_jour": V("Nombre de cigarettes par jour (fumeurs quotidiens)", range=(1, 60)),
        "vapotage": V("Utilise une cigarette électronique", ON),
        "audit_c1": V("AUDIT-C 1 — Fréquence de consommation d'alcool",
                      {0: "Jamais", 1: "1 fois par mois ou moins", 2: "2 à 4 fois par mois",
                       3: "2 à 3 fois par semaine", 4: "4 fois ou plus par semaine"}, measure="ordinal"),
        "audit_c2": V("AUDIT-C 2 — Nombre de verres un jour typique où vous buvez",
                      {0: "1 ou 2 (ou ne boit pas)", 1: "3 ou 4", 2: "5 ou 6", 3: "7 à 9", 4: "10 ou plus"},
                      measure="ordinal"),
        "audit_c3": V("AUDIT-C 3 — Fréquence de 6 verres ou plus en une occasion",
                      {0: "Jamais", 1: "Moins d'une fois par mois", 2: "Une fois par mois",
                       3: "Une fois par semaine", 4: "Tous les jours ou presque"}, measure="ordinal"),
        "cannabis_12m": V("Consommation de cannabis au cours des 12 derniers mois", ON9, missing=[9]),
    }
    for j, label in enumerate(CAST_ITEMS):
        specs[f"cast_{j + 1}"] = V(f"CAST {j + 1} — {label}", CAST_VALUES, measure="ordinal")
    specs |= {
        "autres_drogues": V("Consommation d'autres drogues illicites (12 derniers mois)", ON),
        "taille": V("Taille (cm)", range=(130, 215)),
        "poids": V("Poids (kg)", {999: "Ne sait pas"}, missing=[999], measure="scale", range=(35, 200)),
        "petit_dejeuner": V("Prise d'un petit-déjeuner", {1: "Tous les jours", 2: "Parfois", 3: "Jamais"},
                            measure="ordinal"),
        "fruits_legumes": V("Mange des fruits ou légumes chaque jour", ON),
        "boissons_sucrees": V("Boit des boissons sucrées chaque jour", ON),
        "aide_alimentaire": V("A eu recours à l'aide alimentaire (12 derniers mois)", ON),
    }
    for name, lab in (("vig", "intenses"), ("mod", "modérées"), ("marche", "de marche")):
        specs[f"ipaq_{name}_jours"] = V(f"IPAQ — Jours d'activités {lab} (7 derniers jours)", range=(0, 7))
        specs[f"ipaq_{name}_minutes"] = V(f"IPAQ — Minutes par jour d'activités {lab}", range=(0, 960))
    specs |= {
        "ipaq_assis_heures": V("IPAQ — Heures assis par jour", range=(0, 24)),
        "couverture_complementaire": V("Couverture complémentaire santé",
                                       {1: "Complémentaire (mutuelle)", 2: "Complémentaire santé solidaire",
                                        3: "Aucune", 4: "Ne sait pas"}),
        "medecin_traitant": V("A déclaré un médecin traitant", ON),
        "consult_generaliste": V("A consulté un médecin généraliste (12 derniers mois)", ON),
        "consult_dentiste": V("A consulté un dentiste (12 derniers mois)", ON),
        "renoncement_soins": V("A renoncé à des soins (12 derniers mois)", ON9, missing=[9]),
        "renoncement_motif": V("Principal motif du renoncement",
                               {1: "Coût", 2: "Délai pour obtenir un rendez-vous", 3: "Distance, transport",
                                4: "Ne sait pas à qui s'adresser", 5: "Autre"}),
        "rapports_sexuels": V("A déjà eu des rapports sexuels", ON9, missing=[9]),
        "preservatif": V("Préservatif lors du dernier rapport", ON),
        "contraception": V("Utilise une contraception (femmes)", ON),
        "depistage_ist": V("Dépistage IST/VIH (12 derniers mois)", ON),
        "violences_sexuelles": V("A subi des violences sexuelles au cours de la vie", ON9, missing=[9]),
        "logement_humidite": V("Humidité ou moisissures dans le logement", ON),
        "bruit_gene": V("Gêné par le bruit dans le logement", ON),
        "chaleur_logement": V("Souffre de la chaleur dans le logement en été", ON),
        "inquietude_pollution": V("Inquiétude vis-à-vis de la pollution de l'air",
                                  {1: "Pas du tout inquiet", 2: "Plutôt pas inquiet", 3: "Plutôt inquiet",
                                   4: "Très inquiet"}, measure="ordinal"),
    }
    desc = f"Étude santé jeunes {year} — jeunes accompagnés en Mission Locale (données synthétiques)"
    return make_codebook(f"sante_jeunes_{year}", desc, specs, id_columns=["id_questionnaire"])
