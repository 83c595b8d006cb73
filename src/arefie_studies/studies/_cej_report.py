"""What the CEJ notebook shows: French texts, numbered tables (HTML) and figures.

:class:`CejReport` holds the parameters and computes each piece once (lazily), so the regional
report and the light per-ML reports share the same code; per-ML pieces put the ML's own figures
beside the region's and hide cells under the disclosure threshold.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from arefie_studies.studies import cej
from arefie_studies.studies._cej_outcomes import CejOutcomes
from arefie_studies.studies._cej_tables import html_table, int_cell, num_cell, pct_cell, text_cell
from arefie_studies.studies._cej_texts import CejTexts
from arefie_studies.tables import fmt_ci, fmt_int, fmt_num, fmt_pct, fmt_pct_points, protect_table

__all__ = ["CejReport"]

SOURCE = "Source : i-Milo, extraction du {date} (données synthétiques) ; traitement AREFIE."
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]


def month_fr(p) -> str:
    p = pd.Period(p, freq="M")
    return f"{MONTHS_FR[p.month - 1]} {p.year}"


def date_fr(ts: pd.Timestamp) -> str:
    day = "1er" if ts.day == 1 else str(ts.day)
    return f"{day} {MONTHS_FR[ts.month - 1]} {ts.year}"


def _french_panels(fig, xlabel: str):
    """French counts in panel titles ("n = 12 000") and an x label on every visible panel."""
    import re

    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for loc in ("left", "center"):
            title = ax.get_title(loc=loc)
            if title:
                ax.set_title(re.sub(r"n = (\d+)", lambda m: "n\u202f=\u202f" + fmt_int(int(m.group(1))), title),
                             fontsize=9, loc=loc)
        ax.set_xlabel(xlabel, fontsize=8)
    return fig


class CejReport(CejOutcomes, CejTexts):
    """One CEJ report: ``ml`` empty for the regional report, else the ML code (light report)."""

    def __init__(self, root: str | Path | None = None, *, ml: str = "", threshold: int = 11,
                 extraction_date: str = "2025-03-31", horizon: int = 12, horizon_long: int = 18,
                 exit_months=(6, 12), n_types: int = 0, low_hours: float = 15,
                 km_group: str = "qualification", followup_months: int = 24,
                 ml_reference: str = "data/reference/missions_locales.csv",
                 ml_profiles: str = "data/reference/profil_ml_2024.csv",
                 cache_dir: str | Path | None = None) -> None:
        from arefie_studies.project.layout import find_root

        self.root = Path(root) if root is not None else find_root()
        self.data = cej.load_cej(self.root, extraction_date=extraction_date,
                                 ml_reference=ml_reference, ml_profiles=ml_profiles)
        self.ml = str(ml or "")
        known = list(self.data.ml_ref["ml_code"])
        if self.ml and self.ml not in known:
            raise cej.CejInputError(
                f"parameter ml: unknown Mission Locale code {self.ml!r}; known codes: {known}. "
                "Hint: leave ml empty for the regional report.")
        self.threshold = int(threshold)
        self.horizon, self.horizon_long = int(horizon), int(horizon_long)
        self.exit_months = [int(m) for m in exit_months]
        if max(self.exit_months) >= self.horizon_long:
            raise cej.CejInputError(
                f"parameter exit_months: {self.exit_months} must be below horizon_long={self.horizon_long}.")
        self.n_types = int(n_types)
        self.low_hours = float(low_hours)
        self.km_group = km_group
        if km_group not in cej.PROFILE_VARIABLES:
            raise cej.CejInputError(
                f"parameter km_group: {km_group!r} is not a profile variable; choose one of "
                f"{list(cej.PROFILE_VARIABLES)}.")
        self.followup = int(followup_months)
        self.cache_dir = Path(cache_dir) if cache_dir else self.root / "reports" / "_cache" / "cej"
        self.source = SOURCE.format(date=date_fr(self.data.extraction))

    # ------------------------------------------------------------------ shared pieces
    @property
    def regional(self) -> bool:
        return not self.ml

    @cached_property
    def ml_name(self) -> str:
        if self.regional:
            return "Hauts-de-France"
        ref = self.data.ml_ref
        return str(ref.loc[ref["ml_code"] == self.ml, "ml_nom"].iloc[0])

    @property
    def j(self) -> pd.DataFrame:
        return self.data.jeunes

    @cached_property
    def in_ml(self) -> np.ndarray:
        return (self.j["ml_code"] == self.ml).to_numpy() if self.ml else np.ones(len(self.j), bool)

    def _key(self, *inputs: str, **settings) -> dict:
        """Cache key: digests of the named inputs (and of cej_jeunes, whose rows everything is
        aligned on) plus settings."""
        from arefie_studies.studies._cej_cache import file_digest

        cfg = {"jeunes": self.data.jeunes_path, "situations": self.data.situations_path,
               "activite": self.data.activite_path}
        return {"inputs": {k: file_digest(cfg[k]) for k in ("jeunes", *inputs)},
                "extraction": str(self.data.extraction), "version": 1, **settings}

    @cached_property
    def seqs(self):
        """Monthly sequences over ``horizon_long`` months, rows in the order of ``jeunes``."""
        from arefie_studies.methods import StateSequences
        from arefie_studies.studies._cej_cache import cached_arrays
        from arefie_studies.studies._cej_sequences import ALPHABET, STATES, build_sequences

        def compute():
            s = build_sequences(self.data.situations, self.horizon_long, self.data.extraction)
            pos = pd.Index(s.ids).get_indexer(self.j["id_jeune"])
            if (pos < 0).any():
                raise cej.CejInputError(
                    f"cej_situations: {(pos < 0).sum()} youths of cej_jeunes have no situation "
                    "episode. Hint: the extracts must come from the same i-Milo extraction.")
            return {"codes": s.codes[pos]}

        codes = cached_arrays(self.cache_dir, "sequences", self._key("situations", months=self.horizon_long),
                              compute)["codes"]
        return StateSequences.from_codes(codes, ALPHABET, labels=[lab for _, lab, _ in STATES],
                                         colors=[c for _, _, c in STATES],
                                         time=[str(i) for i in range(1, self.horizon_long + 1)])

    @cached_property
    def seqs_h(self):
        """Sequences over ``horizon`` months (the typology's window)."""
        from arefie_studies.methods import StateSequences

        s = self.seqs
        return StateSequences.from_codes(s.codes[:, : self.horizon], s.alphabet, labels=s.labels,
                                         colors=s.colors, time=[str(i) for i in range(1, self.horizon + 1)])

    @cached_property
    def typology(self):
        from arefie_studies.studies._cej_sequences import typology

        return typology(self.seqs_h, self.cache_dir, self.n_types)

    @cached_property
    def types(self) -> pd.Categorical:
        return self.typology.assign(self.seqs_h)

    @cached_property
    def hours_ym(self) -> pd.DataFrame:
        """Weekly hours per youth × month of contract (cached arrays aligned on ``jeunes`` rows)."""
        from arefie_studies.studies._cej_cache import cached_arrays

        def compute():
            ym = cej.weekly_hours(self.data, self.low_hours, self.horizon_long)
            return {c: ym[c].to_numpy() for c in ("row", "mois", "weeks", "low_weeks", "hours")}

        a = cached_arrays(self.cache_dir, "hours", self._key("activite", low=self.low_hours,
                                                             months=self.horizon_long), compute)
        ym = pd.DataFrame(a)
        ym.insert(1, "ml_code", self.j["ml_code"].to_numpy()[ym["row"].to_numpy()])
        return ym

    @cached_property
    def hours(self) -> dict:
        return cej.hours_summary(self.hours_ym)

    @cached_property
    def allowance(self) -> dict:
        return cej.allowance_summary(self.data)

    @cached_property
    def first_job(self) -> pd.DataFrame:
        from arefie_studies.studies._cej_cache import cached_arrays

        def compute():
            fj = cej.first_employment(self.data, self.followup)
            return {"t": fj["t_emploi"].to_numpy(float), "e": fj["emploi"].to_numpy(np.int8)}

        a = cached_arrays(self.cache_dir, "first_job", self._key("situations", followup=self.followup), compute)
        return self.j.assign(t_emploi=a["t"], emploi=a["e"].astype(int))

    def _exits(self, mask: np.ndarray | None = None, groups: pd.Series | None = None) -> pd.DataFrame:
        from arefie_studies.studies._cej_sequences import exits_at

        s = self.seqs if mask is None else self.seqs.subset(mask)
        out = []
        for m in self.exit_months:
            e = exits_at(s, m, groups)
            e["mois"] = m
            out.append(e)
        return pd.concat(out, ignore_index=True)

    def show(self, fig, caption: str, dpi: int | None = None) -> None:
        """Display a figure for the report ("Figure N – caption"), as ``charts.show`` but at a
        print resolution that keeps the 43 PDFs quick to render (130 dpi, 110 for per-ML reports)."""
        dpi = dpi or (130 if self.regional else 110)
        import matplotlib.pyplot as plt
        from IPython.display import display

        from arefie_studies.charts import figure_bundle

        display(figure_bundle(fig, dpi=dpi), raw=True,
                metadata={"arefie": {"kind": "figure", "caption": caption}})
        plt.close(fig)

    # ------------------------------------------------------------------ texts
    def key_figures(self) -> str:
        j = self.j[self.in_ml]
        first, last = j["mois_entree"].min(), j["mois_entree"].max()
        ended = int(j["termine"].sum())
        where = "en Hauts-de-France" if self.regional else f"à la {self.ml_name}"
        txt = (f"De {month_fr(first)} à {month_fr(last)}, **{fmt_int(len(j))} jeunes** sont entrés en "
               f"contrat d'engagement jeune (CEJ) {where}. À la date d'extraction "
               f"({date_fr(self.data.extraction)}), {fmt_int(ended)} contrats sont terminés "
               f"et {fmt_int(len(j) - ended)} encore en cours.")
        if not self.regional:
            share = len(j) / len(self.j)
            txt += (f" La Mission Locale représente {fmt_pct(share)} des entrées de la région. Ses "
                    "résultats sont présentés à côté de ceux de l'ensemble de la région ; les effectifs "
                    f"inférieurs à {self.threshold} jeunes sont masqués (secret statistique).")
        return txt

    # ------------------------------------------------------------------ entries
    def fig_entries(self):
        import matplotlib.pyplot as plt

        from arefie_studies.charts import PALETTE, add_source, format_num_fr, house_style

        tab = cej.entries_by_month(self.j)
        with house_style():
            fig, ax = plt.subplots(figsize=(7.2, 3.6))
            x = np.arange(len(tab))
            bottom = np.zeros(len(tab))
            deps = [c for c in tab.columns if c != "Total"]
            for i, d in enumerate(deps):
                ax.bar(x, tab[d], bottom=bottom, color=PALETTE[i % len(PALETTE)], label=d, width=0.8)
                bottom += tab[d].to_numpy()
            if not self.regional:
                mlt = cej.entries_by_month(self.j[self.in_ml], by="ml").reindex(tab.index, fill_value=0)
                ax2 = ax.twinx()
                ax2.plot(x, mlt["Total"], color="#222222", marker="o", markersize=3, linewidth=1.4,
                         label=self.ml_name)
                ax2.set_ylabel(f"Entrées – {self.ml_name}")
                ax2.yaxis.set_major_formatter(format_num_fr())
                ax2.set_ylim(0, max(1, mlt["Total"].max()) * 1.3)
                ax2.legend(loc="upper right", frameon=False)
                ax2.grid(False)
            step = 3
            ax.set_xticks(x[::step], [f"{MONTHS_FR[p.month - 1][:4]}. {p.year}" for p in tab.index[::step]],
                          rotation=45, ha="right")
            ax.yaxis.set_major_formatter(format_num_fr())
            ax.set_ylabel("Entrées dans le mois (région)")
            ax.legend(ncols=5, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
            add_source(fig, self.source)
        return fig

    def table_entries(self) -> str:
        j = self.j
        year = j["date_entree"].dt.year
        years = sorted(year.unique())
        if self.regional:
            rows, secs = [], []
            tab = pd.crosstab(j["departement"].astype(str), year)
            for dep, r in tab.iterrows():
                cells = [int_cell(r[y], self.threshold) for y in years]
                cells.append(int_cell(r.sum(), self.threshold))
                cells.append(text_cell(fmt_pct(r.sum() / len(j))))
                rows.append((dep, cells))
            tot = [int_cell((year == y).sum(), self.threshold) for y in years] + [
                int_cell(len(j), self.threshold), text_cell(fmt_pct(1.0))]
            rows.append(("Hauts-de-France", tot))
            secs = None
            stub = "Département"
        else:
            m = self.in_ml
            ml_y = [int((year[m] == y).sum()) for y in years]
            rows = [(self.ml_name, [int_cell(v, self.threshold) for v in ml_y]
                     + [int_cell(int(m.sum()), self.threshold), text_cell(fmt_pct(m.mean()))]),
                    ("Hauts-de-France", [int_cell((year == y).sum(), self.threshold) for y in years]
                     + [int_cell(len(j), self.threshold), text_cell(fmt_pct(1.0))])]
            secs = None
            stub = ""
        first, last = j["mois_entree"].min(), j["mois_entree"].max()
        cols = [f"{y}" for y in years] + ["Total", "Part des entrées"]
        return html_table(rows, cols, title="Entrées en CEJ par année d'entrée", stub=stub,
                          sections=secs, threshold=self.threshold,
                          notes=[f"Entrées de {month_fr(first)} à {month_fr(last)} (années incomplètes "
                                 "aux deux bouts de la période).", self.source])

    # ------------------------------------------------------------------ profiles
    def table_profile(self) -> str:
        prof_reg = cej.profile_vs_ml(self.j, self.data.ml_profiles)
        if self.regional:
            rows, secs = [], []
            for _, r in prof_reg.iterrows():
                rows.append((r["level"], [
                    pct_cell(r["share"], r["ci_low"], r["ci_high"], r["base"], self.threshold),
                    text_cell(fmt_pct(r["ml_share"])),
                    text_cell(fmt_pct_points(r["diff"])),
                ]))
                secs.append(r["variable_label"])
            cols = ["Jeunes entrés en CEJ", "Ensemble des jeunes accompagnés par les ML (2024)",
                    "Écart (points)"]
            notes = ["Entre crochets : intervalle de confiance à 95 % (Wilson). Les jeunes accompagnés "
                     "par les ML sont un dénombrement exhaustif (pas d'intervalle)."]
        else:
            prof_ml = cej.profile_vs_ml(self.j, self.data.ml_profiles, self.ml)
            rows, secs = [], []
            for var in cej.PROFILE_VARIABLES:
                sub = prof_ml[prof_ml["variable"] == var]
                _, hid = protect_table(sub["n"].to_numpy(float)[:, None], self.threshold)
                reg = prof_reg[prof_reg["variable"] == var].set_index("level")
                for i, (_, r) in enumerate(sub.iterrows()):
                    rr = reg.loc[r["level"]]
                    rows.append((r["level"], [
                        pct_cell(r["share"], r["ci_low"], r["ci_high"], int(r["n"]) if hid[i, 0] else r["base"],
                                 self.threshold, hidden=bool(hid[i, 0] or hid[-1, 0])),
                        text_cell(fmt_pct(r["ml_share"])),
                        pct_cell(rr["share"], rr["ci_low"], rr["ci_high"], rr["base"], self.threshold),
                    ]))
                    secs.append(r["variable_label"])
            cols = [f"CEJ – {self.ml_name}", f"Tous les jeunes accompagnés – {self.ml_name}",
                    "CEJ – Hauts-de-France"]
            notes = ["Entre crochets : intervalle de confiance à 95 % (Wilson)."]
        return html_table(rows, cols, title="Profil des jeunes à l'entrée en CEJ comparé à l'ensemble "
                          "des jeunes accompagnés", sections=secs, threshold=self.threshold,
                          notes=[*notes, self.source, "Jeunes accompagnés : AREFIE, profils 2024 par "
                                 "Mission Locale."])

    def profile_text(self) -> str:
        p = cej.profile_vs_ml(self.j if self.regional else self.j[self.in_ml], self.data.ml_profiles,
                              None if self.regional else self.ml)
        r = p.set_index(["variable", "level"])
        young = r.loc[("tranche_age", "Moins de 18 ans"), "share"] + r.loc[("tranche_age", "18-21 ans"), "share"]
        ml_young = (r.loc[("tranche_age", "Moins de 18 ans"), "ml_share"]
                    + r.loc[("tranche_age", "18-21 ans"), "ml_share"])
        nq = r.loc[("qualification", "Sans diplôme ou brevet")]
        qpv = r.loc[("qpv", "Oui")]
        if not self.regional and int(r.loc[("tranche_age", "Moins de 18 ans"), "base"]) < self.threshold:
            return ""
        return (f"Les jeunes en CEJ sont plus jeunes que l'ensemble des jeunes accompagnés : "
                f"{fmt_pct(young)} ont moins de 22 ans à l'entrée, contre {fmt_pct(ml_young)}. "
                f"{fmt_pct(nq['share'])} n'ont pas de diplôme (ou seulement le brevet), contre "
                f"{fmt_pct(nq['ml_share'])} ; {fmt_pct(qpv['share'])} résident en quartier prioritaire "
                f"(contre {fmt_pct(qpv['ml_share'])}).")

    # ------------------------------------------------------------------ durations
    def _share_rows(self, labels, parts) -> list:
        """One row per category: its share with CI in each (column, frame) of ``parts``, hidden
        when the category or the column total is under the threshold (with complementary cells,
        decided once per column)."""
        hidden = [protect_table(d["n"].to_numpy(float)[:, None], self.threshold)[1] for _, d in parts]
        rows = []
        for i, lab in enumerate(labels):
            cells = []
            for (_, d), hid in zip(parts, hidden, strict=True):
                r = d.iloc[i]
                cells.append(pct_cell(r["share"], r["ci_low"], r["ci_high"], int(r["base"]), self.threshold,
                                      hidden=bool(hid[i, 0] or hid[-1, 0])))
            rows.append((lab, cells))
        return rows

    def table_durations(self) -> str:
        cohort_end = (self.data.extraction - pd.DateOffset(months=self.horizon_long)).to_period("M").to_timestamp()
        reg = cej.contract_durations(self.j, cohort_end, self.data.extraction)
        parts = [("Hauts-de-France", reg)]
        if not self.regional:
            parts.insert(0, (self.ml_name, cej.contract_durations(self.j[self.in_ml], cohort_end,
                                                                  self.data.extraction)))
        rows = self._share_rows(reg["classe"], parts)
        mrow = []
        for _, d in parts:
            m, lo, hi, n = d.attrs["mean"]
            mrow.append(num_cell(m, lo, hi, n, self.threshold, unit="mois"))
        rows.append(("Durée moyenne", mrow))
        self._cohort_end = cohort_end
        last = (cohort_end - pd.DateOffset(days=1))
        return html_table(rows, [p for p, _ in parts],
                          title="Durée du CEJ (jeunes entrés jusqu'en " + month_fr(last) + ")",
                          threshold=self.threshold,
                          notes=[f"Jeunes entrés au moins {self.horizon_long} mois avant l'extraction : "
                                 "tous ont terminé leur contrat, la durée n'est donc pas tronquée. "
                                 "Entre crochets : intervalle de confiance à 95 %.", self.source])

    def table_end_reasons(self) -> str:
        reg = cej.end_reasons(self.j)
        parts = [("Hauts-de-France", reg)]
        if not self.regional:
            parts.insert(0, (self.ml_name, cej.end_reasons(self.j[self.in_ml])))
        rows = self._share_rows(reg["motif"], parts)
        rows.append(("Contrats terminés (effectif)", [int_cell(d["base"].iloc[0], self.threshold)
                                                       for _, d in parts]))
        return html_table(rows, [p for p, _ in parts], title="Motifs de fin des contrats terminés",
                          threshold=self.threshold, notes=["Entre crochets : intervalle de confiance à 95 %.",
                                                           self.source])

    # ------------------------------------------------------------------ weekly hours
    def hours_by(self) -> pd.DataFrame:
        y = self.hours["youth"]
        out = []
        groups = [("Hauts-de-France", np.ones(len(y), bool))]
        if self.regional:
            dep = y["ml_code"].map(dict(zip(self.data.ml_ref["ml_code"], self.data.ml_ref["departement_nom"],
                                            strict=True)))
            groups += [(d, (dep == d).to_numpy()) for d in sorted(dep.unique())]
        else:
            groups.insert(0, (self.ml_name, (y["ml_code"] == self.ml).to_numpy()))
        for name, m in groups:
            r = cej.ratio_ci(y.loc[m, "low_weeks"].to_numpy(float), y.loc[m, "weeks"].to_numpy(float))
            h = cej.ratio_ci(y.loc[m, "hours"].to_numpy(float), y.loc[m, "weeks"].to_numpy(float))
            out.append({"level": name, "estimate": r["share"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                        "youths": int(m.sum()), "weeks": int(y.loc[m, "weeks"].sum()), "hours": h["share"],
                        "hours_low": h["ci_low"], "hours_high": h["ci_high"]})
        return pd.DataFrame(out)

    def table_hours(self) -> str:
        hb = self.hours_by()
        rows = []
        for _, r in hb.iterrows():
            rows.append((r["level"], [
                int_cell(r["youths"], self.threshold), text_cell(fmt_int(r["weeks"])),
                num_cell(r["hours"], r["hours_low"], r["hours_high"], r["youths"], self.threshold, unit="h"),
                pct_cell(r["estimate"], r["ci_low"], r["ci_high"], r["youths"], self.threshold)]))
        lh = fmt_num(self.low_hours, 0)
        return html_table(rows, ["Jeunes", "Semaines déclarées", "Heures par semaine (moyenne)",
                                 f"Semaines de moins de {lh} h"],
                          title="Heures d'activité hebdomadaires pendant le CEJ",
                          threshold=self.threshold,
                          notes=["Intervalles de confiance à 95 % : estimateur par le ratio, le jeune étant "
                                 "l'unité de tirage (ses semaines ne sont pas indépendantes).", self.source])

    def fig_hours_by_month(self):
        from arefie_studies.charts import add_source, trend

        bm = self.hours["by_month"]
        bm = bm[bm["youths"] >= self.threshold]
        d = bm.assign(wave=bm["mois"], estimate=bm["share"], group="Hauts-de-France")
        if not self.regional:
            mlw = cej.hours_summary(self.hours_ym, self.in_ml)["by_month"]
            mlw = mlw[mlw["youths"] >= self.threshold]
            d = pd.concat([mlw.assign(wave=mlw["mois"], estimate=mlw["share"], group=self.ml_name), d])
        fig = trend(d, x="wave", group="group", ylabel=f"Semaines de moins de {fmt_num(self.low_hours, 0)} h",
                    label_last=False)
        ax = fig.axes[0]
        ax.set_xlabel("Mois de contrat")
        ticks = sorted(d["wave"].unique())[::2]
        ax.set_xticks(ticks, [str(t) for t in ticks])
        add_source(fig, self.source)
        return fig

    # ------------------------------------------------------------------ allowance
    def table_allowance(self) -> str:
        a = self.allowance
        parts = [("Hauts-de-France", a)]
        if not self.regional:
            parts.insert(0, (self.ml_name, cej.allowance_summary(self.data, self.ml)))
        rows = []
        rows.append(("Jeunes ayant perçu l'allocation", [int_cell(p["n_youths"], self.threshold) for _, p in parts]))
        rows.append(("Mensualités versées", [int_cell(p["n_months"], self.threshold) for _, p in parts]))
        rows.append(("Montant mensuel moyen versé", [num_cell(*p["monthly_mean"][:3], p["n_youths"], self.threshold,
                                                              unit="€") for _, p in parts]))
        rows.append(("Nombre moyen de mensualités par jeune", [num_cell(*p["youth_months"][:3], p["n_youths"],
                                                                        self.threshold) for _, p in parts]))
        rows.append(("Montant total moyen par jeune", [num_cell(*p["youth_total"][:3], p["n_youths"], self.threshold,
                                                                digits=0, unit="€") for _, p in parts]))
        secs = ["Allocation versée"] * len(rows)
        for i, lab in enumerate(a["types"]["type"]):
            cells = []
            for _, p in parts:
                t = p["types"]
                hid = protect_table(t["n"].to_numpy(float)[:, None], self.threshold)[1]
                r = t.iloc[i]
                cells.append(pct_cell(r["share"], r["ci_low"], r["ci_high"], p["n_youths"], self.threshold,
                                      hidden=bool(hid[i, 0] or hid[-1, 0])))
            rows.append((lab, cells))
            secs.append("Nature des mensualités versées")
        return html_table(rows, [p for p, _ in parts], title="Allocation CEJ versée", sections=secs,
                          threshold=self.threshold,
                          notes=["Montant plein : 500,44 € jusqu'en mars 2023, 528 € d'avril 2023 à mars 2025, "
                                 "561,68 € ensuite (montants réduits pour les mineurs) ; montant réduit : "
                                 "allocation diminuée en raison de revenus d'activité. Mensualités nulles "
                                 "(suspension) non comptées. Entre crochets : intervalle de confiance à 95 %.",
                                 self.source])

    def table_allowance_years(self) -> str:
        by = self.allowance["by_year"]
        rows = [(str(y), [int_cell(r["jeunes"], self.threshold), text_cell(fmt_int(r["mois_verses"])),
                          text_cell(fmt_num(r["montant"] / 1e6, 2) + "\u202fM€")]) for y, r in by.iterrows()]
        return html_table(rows, ["Jeunes bénéficiaires", "Mensualités", "Montant versé"],
                          title="Allocation CEJ versée par année (Hauts-de-France)", stub="Année",
                          threshold=self.threshold, notes=[f"Année {max(by.index)} : jusqu'à la date d'extraction.",
                                                           self.source])

    # ------------------------------------------------------------------ trajectories
    def fig_chronogram(self, months: int | None = None):
        from arefie_studies.charts.sequences import chronogram

        months = months or self.horizon
        s = self.seqs
        from arefie_studies.methods import StateSequences

        cohort = (s.lengths >= months)
        short = StateSequences.from_codes(s.codes[:, :months], s.alphabet, labels=s.labels, colors=s.colors,
                                          time=[str(i) for i in range(1, months + 1)])
        if self.regional:
            fig = chronogram(short.subset(cohort), title="")
        else:
            g = pd.Categorical(np.where(self.in_ml, self.ml_name, "Reste de la région"),
                               categories=[self.ml_name, "Reste de la région"])
            fig = chronogram(short.subset(cohort), groups=g[cohort], title="")
        return _french_panels(fig, "Mois depuis l'entrée (1 = mois d'entrée)")

    def chronogram_note(self, months: int) -> str:
        n = int((self.seqs.lengths >= months).sum())
        return (f"Jeunes observés au moins {months} mois après leur entrée : {fmt_int(n)} "
                f"(sur {fmt_int(len(self.j))}).")

    def table_exits(self) -> str:
        reg = self._exits()
        if self.regional:
            groups = {"Ensemble": None, "Sexe": "sexe", "Âge à l'entrée": "tranche_age",
                      "Niveau de qualification": "qualification", "Réside en QPV": "qpv"}
            rows, secs = [], []
            for sec, var in groups.items():
                e = reg if var is None else self._exits(groups=self.j[var])
                for g in dict.fromkeys(e["group"]):
                    cells = []
                    for m in self.exit_months:
                        for ind in list(dict.fromkeys(e["indicator"]))[:2]:
                            r = e[(e["group"] == g) & (e["mois"] == m) & (e["indicator"] == ind)].iloc[0]
                            cells.append(pct_cell(r["share"], r["ci_low"], r["ci_high"], r["base"], self.threshold))
                    label = ("Oui" if g == "Oui" else "Non") if var == "qpv" else g
                    rows.append((label, cells))
                    secs.append(sec if var else None)
        else:
            ml = self._exits(self.in_ml)
            rows, secs = [], []
            for name, e in ((self.ml_name, ml), ("Hauts-de-France", reg)):
                cells = []
                for m in self.exit_months:
                    for ind in list(dict.fromkeys(e["indicator"]))[:2]:
                        r = e[(e["mois"] == m) & (e["indicator"] == ind)].iloc[0]
                        cells.append(pct_cell(r["share"], r["ci_low"], r["ci_high"], r["base"], self.threshold))
                rows.append((name, cells))
                secs.append(None)
        cols = []
        for m in self.exit_months:
            cols += [f"En emploi à {m} mois", f"En emploi durable à {m} mois"]
        return html_table(rows, cols, title="Situation des jeunes 6 et 12 mois après l'entrée en CEJ"
                          if self.exit_months == [6, 12] else "Situation des jeunes après l'entrée en CEJ",
                          sections=secs, threshold=self.threshold,
                          notes=["Emploi : emploi salarié ou alternance ; emploi durable : CDI, CDD de plus de "
                                 "6 mois ou alternance. Situation du mois civil correspondant (mois d'entrée + "
                                 "6 ou + 12). Entre crochets : intervalle de confiance à 95 % (Wilson).", self.source])

    def table_positive(self) -> str:
        reg = self._exits()
        parts = [("Hauts-de-France", reg)]
        if not self.regional:
            parts.insert(0, (self.ml_name, self._exits(self.in_ml)))
        ind = list(dict.fromkeys(reg["indicator"]))[2]
        rows = []
        for m in self.exit_months:
            cells = []
            for _, e in parts:
                r = e[(e["mois"] == m) & (e["indicator"] == ind)].iloc[0]
                cells.append(pct_cell(r["share"], r["ci_low"], r["ci_high"], r["base"], self.threshold))
            rows.append((f"{m} mois après l'entrée", cells))
        return html_table(rows, [p for p, _ in parts], title="Sorties positives (emploi, alternance, formation "
                          "ou reprise d'études)", threshold=self.threshold,
                          notes=["Entre crochets : intervalle de confiance à 95 % (Wilson).", self.source])

    def exits_text(self) -> str:
        e = self._exits(self.in_ml if not self.regional else None)
        ind = list(dict.fromkeys(e["indicator"]))
        parts = []
        for m in self.exit_months:
            a = e[(e["mois"] == m) & (e["indicator"] == ind[0])].iloc[0]
            b = e[(e["mois"] == m) & (e["indicator"] == ind[1])].iloc[0]
            if a["base"] < self.threshold:
                return ""
            parts.append(f"{m} mois après l'entrée, {fmt_pct(a['share'])} des jeunes sont en emploi "
                         f"{fmt_ci(a['ci_low'], a['ci_high'])} et {fmt_pct(b['share'])} en emploi durable "
                         f"{fmt_ci(b['ci_low'], b['ci_high'])}")
        return " ; ".join(parts) + "."

    # ------------------------------------------------------------------ typology
    def table_typology_quality(self) -> str:
        q = self.typology.quality
        rows = [(str(int(r["k"])), [text_cell(fmt_num(r["ASW"], 2)), text_cell(fmt_num(r["R2"], 2)),
                                    text_cell("retenue" if int(r["k"]) == self.typology.k else "")])
                for _, r in q.iterrows()]
        return html_table(rows, ["Largeur moyenne de silhouette (ASW)", "Part de la dispersion expliquée (R²)",
                                 "Partition"], stub="Nombre de types",
                          title="Qualité des partitions de la classification des trajectoires",
                          notes=["Appariement optimal (coûts de substitution issus des taux de transition, "
                                 "coût d'insertion-suppression égal à la moitié du coût maximal), classification "
                                 "ascendante hiérarchique de Ward ; la partition retenue maximise l'ASW entre 4 et "
                                 "6 types."])

    def fig_types(self):
        from arefie_studies.charts.sequences import chronogram

        fig = chronogram(self.seqs_h, groups=self.types, title="")  # panels in type order
        return _french_panels(fig, "Mois depuis l'entrée")

    def table_types(self) -> str:
        t = pd.Series(self.types, index=self.j.index)
        j = self.j
        desc = {
            "Part des jeunes": None,
            "Femmes": j["sexe"].astype(str) == "Femme",
            "Moins de 18 ans": j["tranche_age"].astype(str) == "Moins de 18 ans",
            "Sans diplôme ou brevet": j["qualification"].astype(str) == "Sans diplôme ou brevet",
            "Baccalauréat ou plus": j["qualification"].astype(str).isin(["Baccalauréat", "Diplôme supérieur au bac"]),
            "Réside en QPV": j["qpv"].astype(str) == "Oui",
            "Hébergement précaire ou sans logement": j["logement"].astype(str) == "Hébergement précaire ou sans logement",
            "RQTH": j["rqth"].astype(str) == "Oui",
        }
        names = list(self.types.categories)
        counts = t.value_counts().reindex(names, fill_value=0)
        rows = []
        for lab, flag in desc.items():
            cells = []
            for name in [*names, None]:
                m = (t == name).to_numpy() if name is not None else np.ones(len(t), bool)
                if flag is None:
                    k, n = int(m.sum()), len(t)
                else:
                    k, n = int((flag.to_numpy() & m).sum()), int(m.sum())
                lo, hi = cej.wilson_ci(k, n)
                cells.append(pct_cell(k / n, float(lo), float(hi), n, self.threshold,
                                      hidden=0 < k < self.threshold or n < self.threshold))
            rows.append((lab, cells))
        rows.append(("Effectif", [int_cell(counts[nm], self.threshold) for nm in names]
                     + [int_cell(len(t), self.threshold)]))
        return html_table(rows, [*names, "Ensemble"], title="Types de trajectoires et profil des jeunes",
                          stub="Profil", threshold=self.threshold, wide=True,
                          notes=["Lecture : part de chaque profil parmi les jeunes du type (première ligne : "
                                 "part du type parmi l'ensemble). Entre crochets : intervalle de confiance à 95 %.",
                                 self.source])

    def types_text(self) -> str:
        t = pd.Series(self.types)
        share = t.value_counts(normalize=True).reindex(self.types.categories)
        items = "; ".join(f"« {n} » ({fmt_pct(s, 0)})" for n, s in share.items())
        return (f"La classification retient **{self.typology.k} types** de trajectoires sur les "
                f"{self.horizon} premiers mois, nommés d'après les situations qui y dominent : {items}.")

    def table_types_ml(self) -> str:
        t = pd.Series(self.types)
        names = list(self.types.categories)
        reg = t.value_counts().reindex(names, fill_value=0)
        ml = t[self.in_ml].value_counts().reindex(names, fill_value=0)
        hid = protect_table(ml.to_numpy(float)[:, None], self.threshold)[1]
        rows = []
        for i, nm in enumerate(names):
            lo, hi = cej.wilson_ci(ml[nm], ml.sum())
            rlo, rhi = cej.wilson_ci(reg[nm], reg.sum())
            rows.append((nm, [pct_cell(ml[nm] / ml.sum(), float(lo), float(hi), int(ml.sum()), self.threshold,
                                       hidden=bool(hid[i, 0] or hid[-1, 0])),
                              pct_cell(reg[nm] / reg.sum(), float(rlo), float(rhi), int(reg.sum()), self.threshold)]))
        return html_table(rows, [self.ml_name, "Hauts-de-France"], title="Répartition des jeunes par type de "
                          "trajectoire", stub="Type", threshold=self.threshold,
                          notes=["Types de la classification régionale (voir le rapport régional). Entre "
                                 "crochets : intervalle de confiance à 95 %.", self.source])
