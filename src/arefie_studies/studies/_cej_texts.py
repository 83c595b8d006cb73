"""French texts of the CEJ report that quote computed figures (mixed into ``CejReport``)."""

from __future__ import annotations

import numpy as np

from arefie_studies.tables import fmt_ci, fmt_int, fmt_num, fmt_pct

__all__ = ["CejTexts"]


class CejTexts:
    """Texts: synthesis, weekly hours, time to employment, Cox model, methods annex."""

    def synthesis(self) -> str:
        ex = self.exits_text()
        h = self.hours_by().iloc[0]
        txt = (f"{ex} Les jeunes déclarent en moyenne {fmt_num(h['hours'], 1)} heures d'activité par "
               f"semaine ; {fmt_pct(h['estimate'])} des semaines comptent moins de "
               f"{fmt_num(self.low_hours, 0)} heures {fmt_ci(h['ci_low'], h['ci_high'])}.")
        return txt if h["youths"] >= self.threshold else ex

    def hours_text(self) -> str:
        hb = self.hours_by()
        r = hb.iloc[0]
        lh = fmt_num(self.low_hours, 0)
        txt = (f"Pour {r['level']}, {fmt_pct(r['estimate'])} des semaines de contrat comptent moins de {lh} "
               f"heures d'activité {fmt_ci(r['ci_low'], r['ci_high'])} (référence nationale : environ 35 %).")
        if not self.regional:
            g = hb.iloc[1]
            txt += f" Pour l'ensemble de la région : {fmt_pct(g['estimate'])} {fmt_ci(g['ci_low'], g['ci_high'])}."
        return txt

    def km_text(self, curves) -> str:
        from arefie_studies.methods.survival import median_survival

        med = median_survival(curves)
        parts = []
        for _, r in med.iterrows():
            if r["n"] < self.threshold:
                continue
            m = "non atteint" if not np.isfinite(r["median"]) else f"{fmt_num(r['median'], 1)} mois"
            parts.append(f"{r['group']} : {m}")
        from arefie_studies.studies.cej import PROFILE_VARIABLES

        what = (f" selon « {PROFILE_VARIABLES[self.km_group].lower()} »" if self.regional else "")
        return ("La courbe donne, mois après mois, la part des jeunes qui n'ont encore occupé aucun emploi "
                "(ni alternance) depuis leur entrée ; les zones ombrées sont les intervalles de confiance à 95 %. "
                f"Délai médian d'accès au premier emploi{what} : " + " ; ".join(parts) + ".")

    def cox_text(self, cox) -> str:
        sig = cox[(cox["ci_low"] > 1) | (cox["ci_high"] < 1)]
        up = [f"{r['modalite']} ({fmt_num(r['hazard_ratio'], 2)})" for _, r in sig.iterrows() if r["hazard_ratio"] > 1]
        down = [f"{r['modalite']} ({fmt_num(r['hazard_ratio'], 2)})" for _, r in sig.iterrows() if r["hazard_ratio"] < 1]
        txt = ("Le modèle de Cox mesure, à autres caractéristiques égales, la vitesse d'accès au premier emploi. ")
        if up:
            txt += "L'accès est plus rapide pour : " + ", ".join(up) + ". "
        if down:
            txt += "Il est plus lent pour : " + ", ".join(down) + "."
        return txt

    def methods_text(self) -> str:
        j = self.j
        thr = self.threshold
        return f"""**Données.** Extractions i-Milo (système d'information des Missions Locales) : profils des
{fmt_int(len(j))} jeunes entrés en CEJ, contrats, situations datées, heures d'activité hebdomadaires et
allocations versées, arrêtées au {self._date_extraction()}. Les données sont exhaustives (pas d'échantillon ni de
pondération). Les profils de l'ensemble des jeunes accompagnés proviennent des tableaux de bord 2024 des ML.
*Les données de ce rapport sont synthétiques : elles reproduisent les ordres de grandeur publiés mais ne
décrivent pas de jeunes réels.*

**Précision.** Les intervalles de confiance à 95 % mesurent la variabilité aléatoire des indicateurs :
intervalle de Wilson pour les proportions, de Student pour les moyennes ; pour la part des semaines de moins de
{fmt_num(self.low_hours, 0)} heures, estimateur par le ratio linéarisé, le jeune étant l'unité (ses semaines ne
sont pas indépendantes) ; Kaplan–Meier : variance de Greenwood, intervalles sur l'échelle logarithmique ; modèle
de Cox (ex aequo d'Efron) avec variance robuste regroupée par Mission Locale.

**Trajectoires.** Séquences mensuelles de situations depuis le mois d'entrée ({self.horizon} et
{self.horizon_long} mois) ; une sortie « à 6 mois » est la situation du 6e mois civil suivant le mois d'entrée.
Typologie : distances d'appariement optimal (coûts de substitution déduits des taux de transition entre
situations, coût d'insertion-suppression égal à la moitié du coût maximal, comme TraMineR `seqdist(method="OM",
sm="TRATE", indel="auto")`), classification ascendante hiérarchique de Ward, nombre de types choisi entre 4 et 6
par la largeur moyenne de silhouette ; chaque type est nommé d'après les situations qui y dominent.

**Enquête auprès des 42 Missions Locales.** Chaque ML compte pour une unité ; avec 42 unités, les liens entre
organisation et résultats sont présentés comme des comparaisons descriptives (écarts de moyennes avec
intervalle de Welch, corrélations de rangs de Spearman avec intervalle de Fisher), sans modèle ni lecture
causale.

**Secret statistique.** Aucune case d'un tableau ne repose sur moins de {thr} jeunes : ces cases sont masquées
(« s »), avec des masquages complémentaires quand une valeur masquée pourrait être retrouvée par différence.
Aucune donnée individuelle ni aucun identifiant n'est publié."""

    def _date_extraction(self) -> str:
        from arefie_studies.studies._cej_report import date_fr

        return date_fr(self.data.extraction)
