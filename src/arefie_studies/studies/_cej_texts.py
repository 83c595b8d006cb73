"""French sentences of the CEJ report, each figure formatted from the ``CejResults`` row the
tables show (never recomputed); a sentence quoting a hidden cell is left out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies.studies._cej_compute import PROFILE_VARIABLES
from arefie_studies.studies._cej_estimates import REGION
from arefie_studies.studies._cej_figures import MONTHS_FR
from arefie_studies.tables import fmt_ci, fmt_int, fmt_num, fmt_pct

__all__ = ["date_fr", "month_fr"]


def month_fr(p) -> str:
    p = pd.Period(p, freq="M")
    return f"{MONTHS_FR[p.month - 1]} {p.year}"


def date_fr(ts) -> str:
    ts = pd.Timestamp(ts)
    day = "1er" if ts.day == 1 else str(ts.day)
    return f"{day} {MONTHS_FR[ts.month - 1]} {ts.year}"


def lower_first(text: str) -> str:
    """Lower-case the first letter only ("Le CEJ commence…" → "le CEJ commence…")."""
    return text[:1].lower() + text[1:]


def exit_row(results, territory: str, month: int, indicator: str) -> pd.Series:
    e = results.exits
    return e[(e["territory"] == territory) & (e["breakdown"] == "") & (e["mois"] == month)
             & (e["indicator"] == indicator)].iloc[0]


def overview(results, territory: str) -> pd.Series:
    return results.overview.set_index("territory").loc[territory]


def key_figures_text(results, ml: str) -> str:
    o = overview(results, ml or REGION)
    where = "en Hauts-de-France" if not ml else f"à la {o['name']}"
    txt = (f"De {month_fr(o['first_month'])} à {month_fr(o['last_month'])}, **{fmt_int(o['youths'])} jeunes** "
           f"sont entrés en contrat d'engagement jeune (CEJ) {where}. À la date d'extraction "
           f"({date_fr(results.extraction)}), {fmt_int(o['ended'])} contrats sont terminés et "
           f"{fmt_int(o['running'])} encore en cours.")
    if ml:
        txt += (f" La Mission Locale représente {fmt_pct(o['share_region'])} des entrées de la région. Ses "
                "résultats sont présentés à côté de ceux de l'ensemble de la région ; les effectifs inférieurs "
                f"à {results.threshold} jeunes sont masqués (secret statistique).")
    return txt


def exits_text(results, ml: str, exit_months) -> str:
    t = ml or REGION
    parts = []
    for m in exit_months:
        a, b = exit_row(results, t, m, "emploi"), exit_row(results, t, m, "emploi_durable")
        if a["hidden"] or b["hidden"]:
            return ""
        parts.append(f"{m} mois après l'entrée, {fmt_pct(a['estimate'])} des jeunes sont en emploi "
                     f"{fmt_ci(a['ci_low'], a['ci_high'])} et {fmt_pct(b['estimate'])} en emploi durable "
                     f"{fmt_ci(b['ci_low'], b['ci_high'])}")
    return " ; ".join(parts) + ". L'emploi durable ne compte pas l'alternance, présentée à part (définitions en annexe)."


def hours_row(results, territory: str) -> pd.Series:
    return results.hours.set_index("territory").loc[territory]


def synthesis(results, ml: str, exit_months, low_hours: float) -> str:
    ex = exits_text(results, ml, exit_months)
    h = hours_row(results, ml or REGION)
    if h["hidden"]:
        return ex
    return (f"{ex} Les jeunes déclarent en moyenne {fmt_num(h['estimate_hours'], 1)} heures d'activité par "
            f"semaine ; {fmt_pct(h['estimate'])} des semaines comptent moins de {fmt_num(low_hours, 0)} heures "
            f"{fmt_ci(h['ci_low'], h['ci_high'])}.")


def hours_text(results, ml: str, low_hours: float) -> str:
    lh = fmt_num(low_hours, 0)
    r = hours_row(results, ml or REGION)
    g = hours_row(results, REGION)
    if r["hidden"]:
        return ""
    where = f"Pour la {results.name(ml)}" if ml else "En Hauts-de-France"
    txt = (f"{where}, {fmt_pct(r['estimate'])} des semaines de contrat comptent moins "
           f"de {lh} heures d'activité {fmt_ci(r['ci_low'], r['ci_high'])} (référence nationale : environ 35 %).")
    if ml:
        txt += f" Pour l'ensemble de la région : {fmt_pct(g['estimate'])} {fmt_ci(g['ci_low'], g['ci_high'])}."
    return txt


def profile_text(results, ml: str) -> str:
    p = results.profile
    r = p[p["territory"] == (ml or REGION)].set_index(["variable", "level"])
    young = [("tranche_age", "Moins de 18 ans"), ("tranche_age", "18-21 ans")]
    used = [*young, ("qualification", "Sans diplôme ou brevet"), ("qpv", "Oui")]
    if r.loc[used, "hidden"].any():
        return ""
    nq, qpv = r.loc[used[2]], r.loc[used[3]]
    return (f"Les jeunes en CEJ sont plus jeunes que l'ensemble des jeunes accompagnés : "
            f"{fmt_pct(r.loc[young, 'estimate'].sum())} ont moins de 22 ans à l'entrée, contre "
            f"{fmt_pct(r.loc[young, 'ml_share'].sum())}. {fmt_pct(nq['estimate'])} n'ont pas de diplôme (ou "
            f"seulement le brevet), contre {fmt_pct(nq['ml_share'])} ; {fmt_pct(qpv['estimate'])} résident en "
            f"quartier prioritaire (contre {fmt_pct(qpv['ml_share'])}).")


def chronogram_note(results, months: int) -> str:
    n = int((results.sequences[:, :months] >= 0).all(axis=1).sum())
    return (f"Jeunes observés au moins {months} mois après leur entrée : {fmt_int(n)} "
            f"(sur {fmt_int(len(results.sequences))}).")


def types_text(results, horizon: int) -> str:
    t = results.types_by_territory
    t = t[t["territory"] == REGION]
    items = "; ".join(f"« {r['level']} » ({fmt_pct(r['estimate'], 0)})" for _, r in t.iterrows())
    return (f"La classification retient **{results.k} types** de trajectoires sur les {horizon} premiers mois, "
            f"nommés d'après les situations qui y dominent : {items}.")


def km_text(results, ml: str, km_group: str) -> str:
    s = results.km_summary
    parts = []
    for _, r in s[s["territory"] == (ml or REGION)].iterrows():
        if r["hidden"]:
            continue
        m = "non atteint" if not np.isfinite(r["median"]) else f"{fmt_num(r['median'], 1)} mois"
        parts.append(f"{r['group']} : {m}")
    what = "" if ml else f" selon « {lower_first(PROFILE_VARIABLES[km_group])} »"
    return ("La courbe donne, mois après mois, la part des jeunes qui n'ont encore occupé aucun emploi "
            "(ni alternance) depuis leur entrée ; les zones ombrées sont les intervalles de confiance à 95 %. "
            f"Délai médian d'accès au premier emploi{what} : " + " ; ".join(parts) + ".")


def cox_label(r) -> str:
    """A Cox term named so it reads alone: the factor itself for "Oui" ("Réside en quartier
    prioritaire (QPV)"), "… : non" for "Non", else the level ("Femme", "Baccalauréat") — never a
    bare Oui/Non before a value."""
    if r["modalite"] == "Oui":
        return str(r["facteur"])
    return f"{r['facteur']} : non" if r["modalite"] == "Non" else str(r["modalite"])


def cox_text(results) -> str:
    cox = results.cox
    sig = cox[(cox["ci_low"] > 1) | (cox["ci_high"] < 1)]
    up = [f"{cox_label(r)} ({fmt_num(r['hazard_ratio'], 2)})" for _, r in sig.iterrows() if r["hazard_ratio"] > 1]
    down = [f"{cox_label(r)} ({fmt_num(r['hazard_ratio'], 2)})" for _, r in sig.iterrows()
            if r["hazard_ratio"] < 1]
    txt = "Le modèle de Cox mesure, à autres caractéristiques égales, la vitesse d'accès au premier emploi. "
    if up:
        txt += "L'accès est plus rapide pour : " + " ; ".join(up) + ". "
    if down:
        txt += "Il est plus lent pour : " + " ; ".join(down) + "."
    return txt.strip()


def links_text(results) -> str:
    sig = []
    for _, r in results.links.iterrows():
        lo, hi = r.get("ci_low", np.nan), r.get("ci_high", np.nan)
        if not r["hidden"] and np.isfinite(lo) and (lo > 0 or hi < 0):
            what = "plus élevé" if lo > 0 else "plus faible"
            how = "présente" if r["kind"] == "binary" else "à un niveau plus élevé"
            sig.append(f"indicateur « {r['indicateur']} » {what} dans les ML où la modalité « {r['modalite']} » "
                       f"est {how}")
    head = ("Avec 42 Missions Locales seulement, ces rapprochements restent fragiles : les intervalles de "
            "confiance sont larges, plusieurs indicateurs et modalités sont croisés (certains écarts peuvent "
            "apparaître par hasard) et les ML diffèrent aussi par leur public et leur territoire. Ils signalent "
            "des pistes à approfondir, pas des effets de l'organisation. ")
    if sig:
        return head + "Les intervalles excluent l'absence de lien pour : " + " ; ".join(sig) + "."
    return head + "Aucun intervalle n'exclut l'absence de lien."


def ml_answers_text(results, ml: str) -> str:
    from arefie_studies.studies._cej_ml import MODALITIES

    a = results.ml_answers[results.ml_answers["ml_code"] == ml]
    if not len(a):
        return "La Mission Locale n'a pas répondu à l'enquête d'organisation."
    parts = [f"{lower_first(lab)} : {lower_first(str(a[v].iloc[0]))}" for v, (lab, _, _) in MODALITIES.items()]
    return "Réponses de la Mission Locale à l'enquête d'organisation — " + " ; ".join(parts) + "."


def _typology_method(results) -> str:
    """How the types were formed: Ward on the full distance matrix, or CLARA medoids when the
    cohort has too many distinct sequences for it (national data)."""
    if "AMS" in results.typology_quality.columns:
        return ("médoïdes CLARA sur les séquences distinctes pondérées par leur effectif (WeightedCluster "
                "`seqclararange`, la cohorte ayant trop de séquences distinctes pour une matrice complète des "
                "distances), nombre de types choisi entre 4 et 6 par la silhouette moyenne aux médoïdes")
    return ("classification ascendante hiérarchique de Ward, nombre de types choisi entre 4 et 6 par la\n"
            "largeur moyenne de silhouette")


def methods_sections(results, horizon: int, horizon_long: int, low_hours: float) -> dict[str, str]:
    """The methods annex by section (``sample``, ``variance``, ``notes``, ``disclosure``), each topic
    stated once: the renderer prints them under « Échantillon », « Estimation de la précision »,
    « Remarques » and « Secret statistique » (the study's wording replaces the generic one)."""
    thr = results.threshold
    n = int(overview(results, REGION)["youths"])
    sample = f"""Extractions i-Milo (système d'information des Missions Locales) : profils des
{fmt_int(n)} jeunes entrés en CEJ, contrats, situations datées, heures d'activité hebdomadaires et
allocations versées, arrêtées au {date_fr(results.extraction)}. Les données sont exhaustives (pas d'échantillon
ni de pondération). Les profils de l'ensemble des jeunes accompagnés proviennent des tableaux de bord 2024 des
ML. *Les données de ce rapport sont synthétiques : elles reproduisent les ordres de grandeur publiés mais ne
décrivent pas de jeunes réels.*"""
    variance = f"""Les intervalles de confiance à 95 % mesurent la variabilité aléatoire des indicateurs, chaque
jeune comptant pour une unité : intervalle de Korn–Graubard (Clopper–Pearson à la taille effective) pour les
proportions, de Student pour les moyennes ; pour la part des semaines de moins de {fmt_num(low_hours, 0)} heures
et le montant mensuel moyen, estimateur par le ratio linéarisé, le jeune étant l'unité (ses semaines ne sont pas
indépendantes), comme pour la nature des mensualités versées ; Kaplan–Meier : variance de Greenwood, intervalles
sur l'échelle logarithmique ; modèle de Cox (ex aequo d'Efron) avec variance robuste regroupée par Mission
Locale."""
    notes = f"""**Trajectoires.** Séquences mensuelles de situations depuis le mois d'entrée ({horizon} et {horizon_long}
mois) ; une sortie « à 6 mois » est la situation du 6e mois civil suivant le mois d'entrée. Typologie :
distances d'appariement optimal (coûts de substitution déduits des taux de transition entre situations, coût
d'insertion-suppression égal à la moitié du coût maximal, comme TraMineR `seqdist(method="OM", sm="TRATE",
indel="auto")`), {_typology_method(results)} ; chaque type est nommé d'après les situations qui y dominent.

**Enquête auprès des 42 Missions Locales.** Chaque ML compte pour une unité ; avec 42 unités, les liens entre
organisation et résultats sont présentés comme des comparaisons descriptives (écarts de moyennes avec
intervalle de Welch, corrélations de rangs de Spearman avec intervalle de Fisher), sans modèle ni lecture
causale."""
    disclosure = f"""Aucune case d'un tableau ne repose sur moins de {thr} jeunes ni sur moins de {thr}
Missions Locales : ces cases sont masquées (« s »), avec des masquages complémentaires pour qu'aucune valeur
masquée ne puisse être retrouvée, ni même encadrée à moins de {thr} unités près, à partir des totaux et des
autres cases publiées. Aucune donnée individuelle ni aucun identifiant n'est publié."""
    return {"sample": sample, "variance": variance, "notes": notes, "disclosure": disclosure}
