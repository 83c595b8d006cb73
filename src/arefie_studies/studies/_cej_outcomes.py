"""CEJ report pieces on outcomes: time to first employment (Kaplan–Meier, Cox) and the survey of the
42 Missions Locales (mixed into ``CejReport``)."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from arefie_studies.studies import cej
from arefie_studies.studies._cej_tables import html_table, int_cell, num_cell, pct_cell, text_cell
from arefie_studies.tables import fmt_ci, fmt_int, fmt_num, fmt_pct, fmt_pct_points

__all__ = ["CejOutcomes"]


class CejOutcomes:
    """Time to first employment and the organisational survey of the ML."""

    # ------------------------------------------------------------------ time to first employment
    def km(self):
        from arefie_studies.methods import kaplan_meier

        fj = self.first_job
        if self.regional:
            return kaplan_meier(fj, "t_emploi", "emploi", by=self.km_group, variance="greenwood")
        fj = fj.assign(zone=np.where(self.in_ml, self.ml_name, "Reste de la région"))
        return kaplan_meier(fj, "t_emploi", "emploi", by="zone", variance="greenwood")

    def fig_km(self, curves):
        from arefie_studies.charts.survival import survival_plot

        fig = survival_plot(curves, title="", ylabel="Part des jeunes sans emploi depuis l'entrée",
                            source=self.source)
        ax = fig.axes[0]
        ax.set_xlim(0, self.followup)
        return fig

    def table_medians(self, curves) -> str:
        from arefie_studies.methods.survival import median_survival

        med = median_survival(curves)
        tab = curves.table
        rows = []
        for _, r in med.iterrows():
            g = tab[tab["group"] == r["group"]]
            # share employed within 6 and 12 months = 1 - S(t)
            cells = [int_cell(r["n"], self.threshold)]
            for t in (6, 12):
                s = g[g["time"] <= t]
                if len(s):
                    last = s.iloc[-1]
                    cells.append(pct_cell(1 - last["surv"], 1 - last["ci_high"], 1 - last["ci_low"], r["n"],
                                          self.threshold))
                else:
                    cells.append(text_cell("–"))
            def fm(x):
                return ("non atteinte" if not np.isfinite(x) else fmt_num(x, 1))
            cells.append(num_cell(r["median"], r["ci_low"], r["ci_high"], r["n"], self.threshold)
                         if np.isfinite(r["median"]) else text_cell(fm(r["median"])))
            rows.append((str(r["group"]), cells))
        stub = cej.PROFILE_VARIABLES.get(self.km_group, "") if self.regional else ""
        return html_table(rows, ["Jeunes", "En emploi dans les 6 mois", "En emploi dans les 12 mois",
                                 "Délai médian (mois)"],
                          title="Accès au premier emploi après l'entrée en CEJ (Kaplan–Meier)", stub=stub,
                          threshold=self.threshold,
                          notes=["Premier emploi ou contrat en alternance ; les jeunes sans emploi à la date "
                                 f"d'extraction ou après {self.followup} mois sont censurés. Entre crochets : "
                                 "intervalle de confiance à 95 % (échelle logarithmique).", self.source])

    def cox(self):
        from arefie_studies.methods import cox_regression

        fj = self.first_job
        X = pd.DataFrame(index=fj.index)
        spec = []
        for var, ref in (("sexe", "Homme"), ("tranche_age", "18-21 ans"),
                         ("qualification", "Sans diplôme ou brevet"), ("qpv", "Non"), ("rqth", "Non"),
                         ("logement", "Chez les parents, la famille ou des amis"), ("departement", "Nord")):
            col = fj[var].astype(str)
            levels = list(fj[var].cat.categories) if isinstance(fj[var].dtype, pd.CategoricalDtype) else sorted(col.unique())
            for lv in levels:
                if lv == ref or (col == lv).sum() == 0:
                    continue
                name = f"{var}={lv}"
                X[name] = (col == lv).astype(float)
                spec.append((name, cej.PROFILE_VARIABLES.get(var, "Département"), lv, ref))
        X["t"] = fj["t_emploi"].clip(lower=1e-3)
        X["e"] = fj["emploi"]
        X["ml"] = fj["ml_code"]
        res = cox_regression(X, "t", "e", [s[0] for s in spec], cluster="ml")
        tab = res.table.set_index("term")
        out = pd.DataFrame([{"facteur": f, "modalite": lv, "reference": ref, **tab.loc[name].to_dict()}
                            for name, f, lv, ref in spec])
        out.attrs["n"] = len(X)
        out.attrs["events"] = int(X["e"].sum())
        return out

    def table_cox(self, cox: pd.DataFrame) -> str:
        from arefie_studies.tables import fmt_p

        rows, secs = [], []
        for _, r in cox.iterrows():
            rows.append((f"{r['modalite']} (réf. : {r['reference']})", [
                text_cell(fmt_num(r["hazard_ratio"], 2)),
                text_cell(fmt_ci(r["ci_low"], r["ci_high"], 2, scale=1.0)),
                text_cell(fmt_p(r["p_value"]))]))
            secs.append(r["facteur"])
        return html_table(rows, ["Rapport de risques instantanés", "IC à 95 %", "p"],
                          title="Facteurs de l'accès au premier emploi (modèle de Cox)", stub="Facteur",
                          sections=secs,
                          notes=[f"{fmt_int(cox.attrs['n'])} jeunes, {fmt_int(cox.attrs['events'])} premiers emplois. "
                                 "Un rapport supérieur à 1 signifie un accès plus rapide à l'emploi que la "
                                 "modalité de référence, à autres caractéristiques égales. Variance robuste "
                                 "tenant compte du regroupement des jeunes par Mission Locale.", self.source])

    # ------------------------------------------------------------------ survey of the 42 ML
    @cached_property
    def ml_outcomes(self) -> pd.DataFrame:
        from arefie_studies.studies._cej_ml import ml_outcomes

        s = self.seqs
        idx = {st: i for i, st in enumerate(s.alphabet)}
        from arefie_studies.studies._cej_sequences import DURABLE, EMPLOYED

        m6, m12 = self.exit_months[0], self.exit_months[-1]
        c6, c12 = s.codes[:, m6], s.codes[:, m12]
        e6 = np.where(c6 >= 0, np.isin(c6, [idx[x] for x in EMPLOYED]), np.nan)
        d12 = np.where(c12 >= 0, np.isin(c12, [idx[x] for x in DURABLE]), np.nan)
        return ml_outcomes(self.j["ml_code"], e6, d12, self.hours["youth"])

    def table_modalities(self) -> str:
        from arefie_studies.studies._cej_ml import MODALITIES

        e = self.data.enquete
        rows, secs = [], []
        mine = None
        if not self.regional:
            name = self.ml_name
            mine = e[e["ml"].astype(str) == name]
        for var, (label, _kind, order) in MODALITIES.items():
            col = e[var].astype(str)
            for lv in order:
                cells = [text_cell(fmt_int((col == lv).sum())), text_cell(fmt_pct((col == lv).mean()))]
                if mine is not None:
                    cells.append(text_cell("✔" if len(mine) and str(mine[var].iloc[0]) == lv else ""))
                rows.append((lv, cells))
                secs.append(label)
        cols = ["Missions Locales", "Part des 42 ML"] + ([self.ml_name] if mine is not None else [])
        return html_table(rows, cols, title="Modalités d'organisation du CEJ dans les 42 Missions Locales",
                          sections=secs, notes=["Source : enquête AREFIE auprès des 42 Missions Locales "
                                                "(données synthétiques)."])

    def table_links(self) -> str:
        from arefie_studies.studies._cej_ml import link_modalities

        lk = link_modalities(self.data.enquete, self.ml_outcomes, self.data.ml_ref)
        rows, secs = [], []
        for _, r in lk.iterrows():
            if r["kind"] == "binary":
                txt = (f"{fmt_pct(r['moy_sans'])} sans / {fmt_pct(r['moy_avec'])} avec "
                       f"({int(r['n_sans'])} / {int(r['n_avec'])} ML)")
                diff = (text_cell(fmt_pct_points(r["diff"])) if np.isfinite(r.get("diff", np.nan))
                        else text_cell("–"))
                ci = (text_cell(fmt_ci(r["ci_low"], r["ci_high"])) if np.isfinite(r.get("diff", np.nan))
                      else text_cell("–"))
                rows.append((r["indicateur"], [text_cell(txt), diff, ci]))
            else:
                rows.append((r["indicateur"], [text_cell(f"corrélation des rangs (Spearman), {int(r['n'])} ML"),
                                               text_cell(fmt_num(r["rho"], 2)),
                                               text_cell(fmt_ci(r["ci_low"], r["ci_high"], 2, scale=1.0))]))
            secs.append(r["modalite"])
        self._links = lk
        return html_table(rows, ["Comparaison", "Écart ou coefficient", "IC à 95 %"],
                          title="Modalités d'organisation et résultats des Missions Locales", stub="Indicateur",
                          sections=secs, notes=[
                              "Unité d'analyse : la Mission Locale (42 ML, chacune comptant pour une). Écart : "
                              "moyenne des ML avec la modalité moins moyenne des ML sans (en points, IC de "
                              "Welch). Corrélation de Spearman entre le rang de la modalité et l'indicateur "
                              "(IC par la transformation de Fisher). Comparaisons descriptives, non causales.",
                              self.source])

    def links_text(self) -> str:
        lk = getattr(self, "_links", None)
        if lk is None:
            return ""
        sig = []
        for _, r in lk.iterrows():
            lo, hi = r.get("ci_low", np.nan), r.get("ci_high", np.nan)
            if np.isfinite(lo) and (lo > 0 or hi < 0):
                what = "plus élevé" if lo > 0 else "plus faible"
                how = "présente" if r["kind"] == "binary" else "à un niveau plus élevé"
                sig.append(f"indicateur « {r['indicateur']} » {what} dans les ML où la modalité « {r['modalite']} » "
                           f"est {how}")
        head = ("Avec 42 Missions Locales seulement, ces rapprochements restent fragiles : les intervalles de "
                "confiance sont larges, plusieurs indicateurs et modalités sont croisés (certains écarts "
                "peuvent apparaître par hasard) et les ML diffèrent aussi par leur public et leur territoire. "
                "Ils signalent des pistes à approfondir, pas des effets de l'organisation. ")
        if sig:
            return head + "Les intervalles excluent l'absence de lien pour : " + " ; ".join(sig) + "."
        return head + "Aucun intervalle n'exclut l'absence de lien."

    def table_ml_rank(self) -> str:
        o = self.ml_outcomes
        from arefie_studies.studies._cej_ml import OUTCOMES

        rows = []
        for oc, lab in OUTCOMES.items():
            v = o[oc]
            mine = v.loc[self.ml]
            rank = int((v > mine).sum()) + 1 if oc != "semaines_moins_15h" else int((v < mine).sum()) + 1
            rows.append((lab, [pct_cell(mine, None, None, int(o.loc[self.ml, "jeunes"]), self.threshold),
                               text_cell(f"{fmt_pct(v.min())} – {fmt_pct(v.max())}"),
                               text_cell(fmt_pct(v.median())), text_cell(f"{rank}e sur {len(v)}")]))
        return html_table(rows, [self.ml_name, "Étendue des 42 ML", "Médiane des 42 ML", "Rang"],
                          title="Position de la Mission Locale parmi les 42 ML", stub="Indicateur",
                          threshold=self.threshold,
                          notes=["Rang 1 : résultat le plus favorable (taux d'emploi le plus élevé, part de "
                                 "semaines de moins de 15 h la plus faible).", self.source])

    def ml_modalities_text(self) -> str:
        from arefie_studies.studies._cej_ml import MODALITIES

        e = self.data.enquete
        mine = e[e["ml"].astype(str) == self.ml_name]
        if not len(mine):
            return "La Mission Locale n'a pas répondu à l'enquête d'organisation."
        parts = [f"{lab.lower()} : {str(mine[v].iloc[0]).lower()}" for v, (lab, _, _) in MODALITIES.items()]
        return "Réponses de la Mission Locale à l'enquête d'organisation — " + " ; ".join(parts) + "."
