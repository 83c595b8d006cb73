"""Étude santé jeunes: the definitions — indicators, instrument scores and recodes.

:func:`prepare` adds to the labelled survey frame the instrument scores with their published
cut-offs (:data:`INSTRUMENTS`), the vulnerable-group flags and the 0/1 indicators
(:data:`INDICATORS`, seven themes). Re-exported by :mod:`arefie_studies.studies.sante_jeunes`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.studies import glossary
from arefie_studies.studies._common import StudyInputError, codes_of

DEPARTEMENTS: dict[str, str] = {"02": "Aisne", "59": "Nord", "60": "Oise", "62": "Pas-de-Calais",
                                "80": "Somme"}

THEMES: dict[str, str] = {
    "soins": "Accès aux soins et prévention",
    "mentale": "Santé mentale",
    "sexuelle": "Vie affective et sexuelle",
    "addictions": "Addictions",
    "nutrition": "Nutrition",
    "activite": "Activité physique et sédentarité",
    "environnement": "Santé environnementale",
}

#: Breakdowns of the regional tables: variable -> French heading.
BREAKDOWNS: dict[str, str] = {
    "sexe": "Sexe",
    "tranche_age": "Tranche d’âge",
    "qualification": "Niveau de qualification",
    "departement": "Département",
}
#: Vulnerable groups: 0/1 column -> French name of the group.
VULNERABLE: dict[str, str] = {
    "qpv": "Résident d’un QPV",
    "sans_logement_stable": glossary.term("sans_logement_stable").label,
    "rqth": "Bénéficiaire de la RQTH",
}

MODEL_TERMS: dict[str, tuple[str, str]] = {  # model column -> (French variable, reference level)
    "classe_epices": ("Précarité (EPICES)", "Non précaire (< 30)"),
    "logement_3": ("Logement", "Chez les parents"),
    "sexe": ("Sexe", "Homme"),
    "tranche_age": ("Tranche d’âge", "18-21 ans"),
}
MODEL_FORMULA = "detresse_01 ~ " + " + ".join(f"C(m_{c})" for c in MODEL_TERMS)

#: EPICES item weights for the answer "Oui" and constant (Sass et al. 2006).
EPICES_WEIGHTS: dict[str, float] = {
    "epices_01": 10.06, "epices_02": -11.83, "epices_03": -8.28, "epices_04": -8.28,
    "epices_05": 14.80, "epices_06": -6.51, "epices_07": -7.10, "epices_08": -7.10,
    "epices_09": -9.47, "epices_10": -9.47, "epices_11": -7.10,
}  # fmt: skip
EPICES_CONSTANT = 75.14
#: Housing levels counted as "sans logement stable", as the shared glossary defines it
#: (``glossary.term("sans_logement_stable")``): housed by third parties (other family, friends),
#: youth hostel (FJT, résidence), emergency or social housing, squat, street. Parents and
#: autonomous housing are not. Every level of ``logement`` must be in one of these two lists.
UNSTABLE_HOUSING = ("Hébergé par la famille ou des amis", "Foyer de jeunes travailleurs, résidence",
                    "Hébergement d'urgence ou social (CHRS, CHU, hôtel)", "Squat, rue, véhicule")
STABLE_HOUSING = ("Chez les parents", "Logement autonome")

#: Instruments, their scoring and published cut-offs (printed in the methods annex).
INSTRUMENTS: list[dict[str, str]] = [
    {"instrument": "ADRS (dépression)",
     "calcul": "10 items vrai/faux, score 0 à 10 (items tous renseignés)",
     "seuils": "0-2 : pas de détresse ; 3-5 : détresse psychologique modérée ; "
               "≥ 6 : symptomatologie dépressive probable. « Détresse psychologique » = score ≥ 3",
     "reference": "Revah-Lévy A. et al. (2007), BMC Psychiatry 7:2"},
    {"instrument": "AUDIT-C (alcool)",
     "calcul": "3 items cotés 0 à 4, score 0 à 12",
     "seuils": "usage à risque : ≥ 4 (hommes), ≥ 3 (femmes) ; dépendance probable : ≥ 10",
     "reference": "Bush K. et al. (1998), Arch Intern Med 158:1789 ; "
                  "Gache P. et al. (2005), Alcohol Clin Exp Res 29:2001"},
    {"instrument": "CAST (cannabis)",
     "calcul": "6 items cotés 0 à 4 (usagers de l’année), score 0 à 24",
     "seuils": "0-2 : pas de risque ; 3-6 : risque faible ; ≥ 7 : risque élevé d’usage "
               "problématique",
     "reference": "Legleye S. et al. (2007), J Subst Use 12:233 (OFDT)"},
    {"instrument": "EPICES (précarité)",
     "calcul": "11 items oui/non pondérés, score = 75,14 + somme des coefficients, 0 à 100",
     "seuils": "< 30 : non précaire ; 30 à < 55 : précaire ; ≥ 55 : grande précarité "
               "(5e quintile)",
     "reference": "Sass C. et al. (2006), BEH 14:93 ; Labbe E. et al. (2007), "
                  "Ann Epidemiol 17:559"},
    {"instrument": "IMC (corpulence)",
     "calcul": "poids (kg) / taille (m)², déclarés",
     "seuils": "< 18,5 : insuffisance pondérale ; 18,5-24,9 : normal ; 25-29,9 : surpoids ; "
               "≥ 30 : obésité (seuils adultes appliqués à tous, y compris 16-17 ans)",
     "reference": "OMS (2000), Obesity: preventing and managing the global epidemic, "
                  "TRS 894"},
    {"instrument": "IPAQ court (activité physique)",
     "calcul": "MET-min/semaine = 8 × min intenses + 4 × min modérées + 3,3 × min de marche "
               "(jours × minutes, minutes tronquées à 180 par jour)",
     "seuils": "activité faible : < 600 MET-min/semaine ; sédentarité : ≥ 7 h assis par jour",
     "reference": "IPAQ Research Committee (2005), Guidelines for data processing ; "
                  "OMS (2020), recommandations sur l’activité physique"},
]


@dataclass(frozen=True)
class Indicator:
    """A 0/1 indicator: ``name`` (column ``ind_<name>``), French ``label``, ``theme`` key,
    ``universe`` (French description of the denominator when not all youths) and the
    benchmark key(s) of ``data/reference/benchmarks_sante.csv`` it is compared with."""

    name: str
    label: str
    theme: str
    rule: Callable[[pd.DataFrame], np.ndarray]
    universe: str = ""
    benchmarks: tuple[str, ...] = ()
    key: bool = True

    @property
    def column(self) -> str:
        return f"ind_{self.name}"


def _yes(df: pd.DataFrame, col: str, *levels: str) -> np.ndarray:
    """1 if the label is in ``levels`` (default "Oui"), 0 otherwise, NaN if missing."""
    s = df[col]
    levels = levels or ("Oui",)
    out = s.astype(object).isin(levels).to_numpy(dtype=float)
    out[s.isna().to_numpy()] = np.nan
    return out


def _ge(x: np.ndarray, cut: float) -> np.ndarray:
    out = (x >= cut).astype(float)
    out[np.isnan(x)] = np.nan
    return out


def _among(x: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``x`` where ``keep`` is 1, NaN elsewhere (indicator restricted to a sub-population)."""
    return np.where(keep == 1, x, np.nan)


INDICATORS: list[Indicator] = [
    # accès aux soins
    Indicator("renoncement", "A renoncé à des soins (12 derniers mois)", "soins",
              lambda d: _yes(d, "renoncement_soins")),
    Indicator("renoncement_cout", "A renoncé à des soins pour raison financière", "soins",
              lambda d: np.where(np.isnan(_yes(d, "renoncement_soins")), np.nan,
                                 _yes(d, "renoncement_motif", "Coût") == 1).astype(float),
              benchmarks=("renoncement_soins_cout",)),
    Indicator("sans_complementaire", "Sans couverture complémentaire santé", "soins",
              lambda d: _yes(d, "couverture_complementaire", "Aucune")),
    Indicator("medecin_traitant", "A déclaré un médecin traitant", "soins",
              lambda d: _yes(d, "medecin_traitant")),
    Indicator("generaliste", "A consulté un médecin généraliste (12 mois)", "soins",
              lambda d: _yes(d, "consult_generaliste")),
    Indicator("dentiste", "A consulté un dentiste (12 mois)", "soins",
              lambda d: _yes(d, "consult_dentiste")),
    # santé mentale
    Indicator("detresse", "Détresse psychologique (ADRS ≥ 3)", "mentale",
              lambda d: _ge(d["score_adrs"].to_numpy(), 3),
              benchmarks=("detresse_psychologique", "detresse_moderee")),
    Indicator("depression", "Symptomatologie dépressive probable (ADRS ≥ 6)", "mentale",
              lambda d: _ge(d["score_adrs"].to_numpy(), 6), benchmarks=("depression",)),
    Indicator("sante_mauvaise", "Santé perçue mauvaise ou très mauvaise", "mentale",
              lambda d: _yes(d, "sante_percue", "Mauvais", "Très mauvais")),
    Indicator("pensees_suicidaires", "Pensées suicidaires (12 derniers mois)", "mentale",
              lambda d: _yes(d, "pensees_suicidaires")),
    Indicator("tentative_suicide", "Tentative de suicide au cours de la vie", "mentale",
              lambda d: _yes(d, "tentative_suicide")),
    Indicator("consult_psy", "A consulté un psychologue ou psychiatre (12 mois)", "mentale",
              lambda d: _yes(d, "consult_psy")),
    Indicator("sommeil", "Troubles du sommeil fréquents", "mentale",
              lambda d: _yes(d, "troubles_sommeil"), key=False),
    # vie affective et sexuelle
    Indicator("rapports", "A déjà eu des rapports sexuels", "sexuelle",
              lambda d: _yes(d, "rapports_sexuels")),
    Indicator("preservatif", "Préservatif lors du dernier rapport", "sexuelle",
              lambda d: _among(_yes(d, "preservatif"), _yes(d, "rapports_sexuels")),
              universe="jeunes ayant déjà eu des rapports sexuels"),
    Indicator("contraception", "Utilise une contraception", "sexuelle",
              lambda d: _among(_yes(d, "contraception"),
                               _yes(d, "rapports_sexuels") * _yes(d, "sexe", "Femme")),
              universe="jeunes femmes ayant déjà eu des rapports sexuels"),
    Indicator("depistage", "Dépistage IST/VIH (12 derniers mois)", "sexuelle",
              lambda d: _yes(d, "depistage_ist")),
    Indicator("violences_sexuelles", "A subi des violences sexuelles au cours de la vie",
              "sexuelle", lambda d: _yes(d, "violences_sexuelles")),
    # addictions
    Indicator("tabac_quotidien", "Fume quotidiennement", "addictions",
              lambda d: _yes(d, "tabac", "Fumeur quotidien"),
              benchmarks=("tabac_quotidien", "tabac_quotidien_chomeurs", "tabagisme")),
    Indicator("vapotage", "Utilise une cigarette électronique", "addictions",
              lambda d: _yes(d, "vapotage"), key=False),
    Indicator("audit_risque", "Usage d’alcool à risque (AUDIT-C)", "addictions",
              lambda d: d["audit_risque"].to_numpy(dtype=float)),
    Indicator("audit_dependance", "Dépendance probable à l’alcool (AUDIT-C ≥ 10)", "addictions",
              lambda d: _ge(d["score_audit_c"].to_numpy(), 10), key=False),
    Indicator("cannabis", "Cannabis au cours des 12 derniers mois", "addictions",
              lambda d: _yes(d, "cannabis_12m"), benchmarks=("cannabis_annee",)),
    Indicator("cast_eleve", "Usage de cannabis à risque élevé (CAST ≥ 7)", "addictions",
              lambda d: d["cast_eleve"].to_numpy(dtype=float)),
    Indicator("autres_drogues", "Autres drogues illicites (12 derniers mois)", "addictions",
              lambda d: _yes(d, "autres_drogues"), key=False),
    # nutrition
    Indicator("surpoids_obesite", "Surpoids ou obésité (IMC ≥ 25)", "nutrition",
              lambda d: _ge(d["imc"].to_numpy(), 25), benchmarks=("surpoids_obesite",)),
    Indicator("obesite", "Obésité (IMC ≥ 30)", "nutrition",
              lambda d: _ge(d["imc"].to_numpy(), 30), benchmarks=("obesite",)),
    Indicator("maigreur", "Insuffisance pondérale (IMC < 18,5)", "nutrition",
              lambda d: np.where(np.isnan(d["imc"].to_numpy()), np.nan,
                                 (d["imc"].to_numpy() < 18.5).astype(float)), key=False),
    Indicator("fruits_legumes", "Fruits ou légumes chaque jour", "nutrition",
              lambda d: _yes(d, "fruits_legumes")),
    Indicator("boissons_sucrees", "Boissons sucrées chaque jour", "nutrition",
              lambda d: _yes(d, "boissons_sucrees")),
    Indicator("sans_petit_dejeuner", "Ne prend jamais de petit-déjeuner", "nutrition",
              lambda d: _yes(d, "petit_dejeuner", "Jamais"), key=False),
    Indicator("aide_alimentaire", "A eu recours à l’aide alimentaire (12 mois)", "nutrition",
              lambda d: _yes(d, "aide_alimentaire")),
    # activité physique
    Indicator("activite_faible", "Activité physique faible (IPAQ < 600 MET-min/sem.)", "activite",
              lambda d: np.where(np.isnan(d["met_minutes"].to_numpy()), np.nan,
                                 (d["met_minutes"].to_numpy() < 600).astype(float))),
    Indicator("activite_intense", "Activité intense au moins 3 jours par semaine", "activite",
              lambda d: _ge(d["ipaq_vig_jours"].to_numpy(dtype=float), 3)),
    Indicator("sedentarite", "Assis 7 heures ou plus par jour", "activite",
              lambda d: _ge(d["ipaq_assis_heures"].to_numpy(dtype=float), 7)),
    Indicator("sport_annee", "A fait du sport au cours des 12 derniers mois", "activite",
              lambda d: _yes(d, "epices_06")),
    # santé environnementale
    Indicator("humidite", "Humidité ou moisissures dans le logement", "environnement",
              lambda d: _yes(d, "logement_humidite")),
    Indicator("bruit", "Gêné par le bruit dans le logement", "environnement",
              lambda d: _yes(d, "bruit_gene")),
    Indicator("chaleur", "Souffre de la chaleur dans le logement en été", "environnement",
              lambda d: _yes(d, "chaleur_logement")),
    Indicator("pollution", "Inquiet de la pollution de l’air", "environnement",
              lambda d: _yes(d, "inquietude_pollution", "Plutôt inquiet", "Très inquiet")),
]

# ----------------------------------------------------------------------------- instrument scores
_AUDIT = {0: "Jamais", 1: "1 fois par mois ou moins", 2: "2 à 4 fois par mois",
          3: "2 à 3 fois par semaine", 4: "4 fois ou plus par semaine"}


def _need(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise StudyInputError(
            f"{what}: the survey frame lacks the column(s) {missing}. Available: "
            f"{', '.join(map(str, df.columns[:40]))}{' …' if df.shape[1] > 40 else ''}. "
            "Hint: load the data with its codebook (studies/sante_jeunes.yaml)."
        )


def _item_codes(df: pd.DataFrame, cols: Sequence[str], codebook: Any) -> np.ndarray:
    """(n, k) numeric codes of labelled items, NaN when missing."""
    out = np.empty((len(df), len(cols)))
    for j, c in enumerate(cols):
        out[:, j] = codes_of(df[c], codebook.variables[c].value_labels, name=c)
    return out


def adrs_score(df: pd.DataFrame, codebook: Any) -> np.ndarray:
    """ADRS score: number of "Vrai" among the 10 items (NaN unless all are answered)."""
    cols = [f"adrs_{j:02d}" for j in range(1, 11)]
    _need(df, cols, "adrs_score")
    return _item_codes(df, cols, codebook).sum(axis=1)


def audit_c_score(df: pd.DataFrame, codebook: Any) -> np.ndarray:
    """AUDIT-C score 0-12: sum of the three items coded 0-4."""
    cols = ["audit_c1", "audit_c2", "audit_c3"]
    _need(df, cols, "audit_c_score")
    return _item_codes(df, cols, codebook).sum(axis=1)


def cast_score(df: pd.DataFrame, codebook: Any) -> np.ndarray:
    """CAST score 0-24 for youths who used cannabis in the year (NaN otherwise)."""
    cols = [f"cast_{j}" for j in range(1, 7)]
    _need(df, cols, "cast_score")
    return _item_codes(df, cols, codebook).sum(axis=1)


def epices_score(df: pd.DataFrame, codebook: Any) -> np.ndarray:
    """EPICES score ``75.14 + Σ weight_k [item k = Oui]``, 0-100 (NaN if an item is missing)."""
    cols = list(EPICES_WEIGHTS)
    _need(df, cols, "epices_score")
    items = _item_codes(df, cols, codebook)
    return np.round(EPICES_CONSTANT + items @ np.array(list(EPICES_WEIGHTS.values())), 2)


def bmi(df: pd.DataFrame) -> np.ndarray:
    """Body-mass index ``poids / (taille / 100)²`` (NaN when either is missing)."""
    _need(df, ["poids", "taille"], "bmi")
    h = df["taille"].to_numpy(dtype=float) / 100.0
    return df["poids"].to_numpy(dtype=float) / h**2


def ipaq_met_minutes(df: pd.DataFrame) -> np.ndarray:
    """IPAQ short form MET-min/week: 8 × vigorous + 4 × moderate + 3.3 × walking minutes,
    each ``days × min(minutes per day, 180)`` (minutes are missing when days = 0)."""
    total = np.zeros(len(df))
    for name, met in (("vig", 8.0), ("mod", 4.0), ("marche", 3.3)):
        _need(df, [f"ipaq_{name}_jours", f"ipaq_{name}_minutes"], "ipaq_met_minutes")
        days = df[f"ipaq_{name}_jours"].to_numpy(dtype=float)
        mins = np.minimum(df[f"ipaq_{name}_minutes"].to_numpy(dtype=float), 180.0)
        mins = np.where(days == 0, 0.0, mins)
        total = total + met * days * mins
    return total


def _classes(x: np.ndarray, cuts: Sequence[float], labels: Sequence[str]) -> pd.Categorical:
    """Left-closed classes ``[cut_k, cut_k+1)`` of ``x`` (NaN stays missing)."""
    idx = np.searchsorted(np.asarray(cuts, dtype=float), x, side="right")
    codes = np.where(np.isnan(x), -1, idx)
    return pd.Categorical.from_codes(codes.astype(int), categories=list(labels), ordered=True)


def prepare(df: pd.DataFrame, codebook: Any) -> pd.DataFrame:
    """The survey frame with instrument scores, their classes, the vulnerable-group flags,
    model covariates and every 0/1 indicator of :data:`INDICATORS` (columns ``ind_*``)."""
    _need(df, ["sexe", "tranche_age", "qualification", "departement", "logement", "qpv", "rqth"],
          "prepare")
    out = df.copy()
    # pandas deep-copies ``attrs`` (variable labels) on every operation: costly in the many
    # design computations; the study uses its own French labels, so they are not carried.
    out.attrs = {}
    women = out["sexe"].astype(object).eq("Femme").to_numpy()
    out["score_adrs"] = adrs_score(out, codebook)
    out["classe_adrs"] = _classes(out["score_adrs"].to_numpy(), [3, 6],
                                  ["Pas de détresse (0-2)", "Détresse modérée (3-5)",
                                   "Dépression probable (≥ 6)"])
    audit = audit_c_score(out, codebook)
    out["score_audit_c"] = audit
    risky = np.where(women, audit >= 3, audit >= 4).astype(float)
    risky[np.isnan(audit)] = np.nan
    out["audit_risque"] = risky
    audit_cls = np.where(audit >= 10, 2, np.where(risky == 1, 1, 0))
    out["classe_audit"] = pd.Categorical.from_codes(
        np.where(np.isnan(audit), -1, audit_cls).astype(int),
        categories=["Pas de risque", "Usage à risque", "Dépendance probable (≥ 10)"], ordered=True)
    cast = cast_score(out, codebook)
    users = _yes(out, "cannabis_12m")
    out["score_cast"] = np.where(users == 1, cast, np.nan)
    cast_cls = np.where(users == 0, 0, np.where(cast >= 7, 3, np.where(cast >= 3, 2, 1)))
    cast_cls = np.where(np.isnan(users) | ((users == 1) & np.isnan(cast)), -1, cast_cls)
    out["classe_cast"] = pd.Categorical.from_codes(
        cast_cls.astype(int),
        categories=["Pas d’usage dans l’année", "Usager sans risque (0-2)",
                    "Usager à risque faible (3-6)", "Usager à risque élevé (≥ 7)"], ordered=True)
    out["cast_eleve"] = np.where(cast_cls < 0, np.nan, (cast_cls == 3).astype(float))
    ep = epices_score(out, codebook)
    out["score_epices"] = ep
    out["classe_epices"] = _classes(ep, [30, 55], ["Non précaire (< 30)", "Précaire (30 à < 55)",
                                                  "Grande précarité (≥ 55)"])
    imc = bmi(out)
    out["imc"] = imc
    out["classe_imc"] = _classes(imc, [18.5, 25, 30], ["Insuffisance pondérale (< 18,5)",
                                                       "Corpulence normale (18,5 à < 25)",
                                                       "Surpoids (25 à < 30)", "Obésité (≥ 30)"])
    out["met_minutes"] = ipaq_met_minutes(out)
    housing = out["logement"].astype(object)
    unknown = sorted(set(housing.dropna()) - set(UNSTABLE_HOUSING) - set(STABLE_HOUSING))
    if unknown:
        raise StudyInputError(
            f"prepare: housing level(s) {unknown} of 'logement' are neither stable nor unstable "
            f"housing. Hint: add them to UNSTABLE_HOUSING or STABLE_HOUSING following the "
            "glossary's definition of « sans logement stable ».")
    unstable = housing.isin(UNSTABLE_HOUSING).to_numpy()
    out["sans_logement_stable"] = pd.Categorical(
        np.where(housing.isna(), None, np.where(unstable, "Oui", "Non")), categories=["Non", "Oui"])
    parents = housing.eq("Chez les parents").to_numpy()
    out["logement_3"] = pd.Categorical(
        np.where(housing.isna(), None, np.where(unstable, "Sans logement stable",
                                                np.where(parents, "Chez les parents",
                                                         "Logement autonome"))),
        categories=["Chez les parents", "Logement autonome", "Sans logement stable"])
    for ind in INDICATORS:
        vals = np.asarray(ind.rule(out), dtype=float)
        out[ind.column] = pd.Categorical.from_codes(
            np.where(np.isnan(vals), -1, vals).astype(int), categories=["Non", "Oui"])
    # model covariates: the reference level first (tables keep the natural order)
    out["detresse_01"] = _ge(out["score_adrs"].to_numpy(), 3)
    for col, (_, ref) in MODEL_TERMS.items():
        cats = list(out[col].cat.categories)
        if ref not in cats:
            raise StudyInputError(f"prepare: reference level {ref!r} of the model is not a level "
                                  f"of {col!r} ({cats}).")
        out[f"m_{col}"] = pd.Categorical(out[col].astype(object),
                                         categories=[ref] + [c for c in cats if c != ref])
    return out


def indicators_by_theme(theme: str, *, key_only: bool = False) -> list[Indicator]:
    """The indicators of one theme (key indicators only with ``key_only``)."""
    if theme not in THEMES:
        raise ValueError(f"theme={theme!r}: expected one of {list(THEMES)}.")
    return [i for i in INDICATORS if i.theme == theme and (i.key or not key_only)]


def departement_label(code: str | int) -> str:
    """'59' / 59 -> 'Nord' (raises naming the known codes)."""
    key = f"{int(code):02d}" if str(code).strip() else ""
    if key not in DEPARTEMENTS:
        raise ValueError(f"departement={code!r}: expected one of {list(DEPARTEMENTS)}.")
    return DEPARTEMENTS[key]
