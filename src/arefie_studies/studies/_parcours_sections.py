"""Sections of the parcours résidentiel report, as the notebook shows them.

:func:`build_context` loads both surveys and builds the designs once; each ``section_*``
function displays one part (French text generated from the numbers, numbered tables,
captioned figures). Regional sections and the light per-département sections are separate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.studies import _parcours_report as R
from arefie_studies.studies import parcours_residentiel as P
from arefie_studies.studies._common import show_figure as _fig
from arefie_studies.studies._common import show_html as _html
from arefie_studies.studies._common import show_markdown as _md
from arefie_studies.tables import NNBSP, disclosure_rule_text, fmt_int, fmt_num, fmt_pct

__all__ = ["ParcoursContext", "build_context"]

YOUTHS, PROS = "jeunes", "professionnels"
MONOGRAPHS = (
    ("rural", "Monographie : un territoire rural (zone de revitalisation rurale)",
     "les territoires ruraux"),
    ("periurbain", "Monographie : un quartier prioritaire périurbain (QPV)",
     "les quartiers prioritaires périurbains"),
    ("urbain", "Monographie : un territoire urbain", "les territoires urbains"),
)
MONO_HOUSING = ["logement_groupe", "precarite", "sans_logement_stable", "periode_sans_logement",
                "rupture_hebergement", "demande_logement_social", "souhait_demenager"]
MONO_BARRIERS = [*P.BARRIERS, "permis_b", "vehicule", *P.OUTCOMES]
DEP_IN = {"Aisne": "dans l’Aisne", "Nord": "dans le Nord", "Oise": "dans l’Oise",
          "Pas-de-Calais": "dans le Pas-de-Calais", "Somme": "dans la Somme"}
GROUP_SHORT = dict(zip(P.GROUP_ORDER, ("Chez les parents", "Logement personnel",
                                        "Transition (FJT, résidence)", "Hébergement précaire"),
                       strict=True))
TERRITORY_TEXT = {"Rural (zone de revitalisation)": "en territoire rural (zone de revitalisation)",
                  "Périurbain (QPV)": "dans un quartier prioritaire périurbain (QPV)",
                  "Urbain": "en territoire urbain"}
PRO_ITEMS = ["part_jeunes_probleme_logement", "a_l_aise", "satisfait_partenariats",
             *("bien_" + k.removeprefix("connait_") for k in P.KNOWLEDGE), *P.NEEDS]


@dataclass
class ParcoursContext:
    """Everything the sections share: parameters, prepared frames and designs."""

    wave: int
    threshold: int
    departement: str
    dep_label: str
    youths: pd.DataFrame
    design: Any
    pros: pd.DataFrame
    pro_design: Any
    n_classes: int = 0

    @property
    def regional(self) -> bool:
        return not self.dep_label

    @property
    def dep_in(self) -> str:
        """'dans le Nord', 'dans l’Aisne'... (French preposition + article)."""
        return DEP_IN.get(self.dep_label, f"en {self.dep_label}")

    @property
    def source(self) -> str:
        return (f"Source{NNBSP}: AREFIE, enquête Parcours résidentiel des jeunes {self.wave} ; "
                "données pondérées.")

    @property
    def source_pro(self) -> str:
        return (f"Source{NNBSP}: AREFIE, enquête Parcours résidentiel {self.wave} auprès des "
                "professionnels des Missions Locales.")


def build_context(*, wave: int = 2024, departement: str = "", threshold: int = 11,
                  n_classes: int = 0, root: str | Path | None = None) -> ParcoursContext:
    """Read both surveys (as ``studies/parcours_residentiel.yaml`` declares them), recode and
    build the designs."""
    from arefie_studies.project.inputs import load_inputs

    dep = str(departement).strip()
    dep_label = P.departement_label(dep) if dep else ""
    frames = load_inputs("parcours_residentiel", root, validate=False)
    youths = P.prepare_youths(frames[YOUTHS], departement=dep)
    pros = P.prepare_professionals(frames[PROS], departement=dep)
    return ParcoursContext(wave=int(wave), threshold=int(threshold), departement=dep,
                           dep_label=dep_label, youths=youths, design=P.youth_design(youths),
                           pros=pros, pro_design=P.professional_design(pros),
                           n_classes=int(n_classes or 0))


def _cell(table, question: str, level: str, group: str = "Ensemble") -> pd.Series | None:
    c = table.cells
    sel = c[(c["question"] == question) & (c["level"] == level) & (c["group"] == group)]
    return None if sel.empty else sel.iloc[0]


def _pct(cell: pd.Series | None, ci: bool = True) -> str:
    if cell is None or bool(cell["suppressed"]) or pd.isna(cell["estimate"]):
        return "(effectif trop faible pour être publié)"
    if ci:
        return R.share_text(cell["estimate"], cell["ci_low"], cell["ci_high"])
    return fmt_pct(cell["estimate"], 0)


def _versus(cell: pd.Series | None, rest_label: str) -> str:
    """', significativement plus élevée que dans {rest}' from the ▲/▼ mark of a cell."""
    if cell is None or bool(cell["suppressed"]):
        return ""
    if cell["mark"] == "▲":
        return f", une part significativement plus élevée que dans {rest_label}"
    if cell["mark"] == "▼":
        return f", une part significativement plus faible que dans {rest_label}"
    return f", sans écart significatif avec {rest_label}"


# ----------------------------------------------------------------------------- regional
def section_introduction(ctx: ParcoursContext) -> None:
    """Key figures and sample."""
    d = ctx.design
    est = d.proportion(["precarite", "sans_logement_stable", "periode_sans_logement"])
    yes = est[est["level"].astype(str) == P.YES].set_index("variable")
    total = float(np.sum(d.weights))
    n_ml = ctx.youths["ml"].nunique()
    _md(f"""## Les jeunes interrogés

En {ctx.wave}, **{fmt_int(len(ctx.youths))} jeunes** accompagnés par **{n_ml} Missions Locales**
des Hauts-de-France ont décrit leur situation de logement, leurs déménagements et les freins
rencontrés. Leurs réponses sont pondérées pour représenter les {fmt_int(total)} jeunes accompagnés
par le réseau (voir l’annexe méthodologique). **{fmt_int(len(ctx.pros))} professionnels** des
Missions Locales ont par ailleurs répondu à une enquête sur l’accompagnement des questions de
logement.

En résumé, {R.share_text(*yes.loc["precarite", ["estimate", "ci_low", "ci_high"]])} des jeunes
accompagnés sont en situation de **précarité résidentielle** (hébergés par un tiers, en
hébergement d’urgence ou social, à la rue, en squat ou dans un véhicule), dont
{R.share_text(*yes.loc["sans_logement_stable", ["estimate", "ci_low", "ci_high"]])} **sans
logement stable** (urgence, rue, squat). {R.share_text(*yes.loc["periode_sans_logement",
["estimate", "ci_low", "ci_high"]])} ont connu au moins une période sans logement.

Les pourcentages sont accompagnés de leur intervalle de confiance à 95 % entre crochets.""")
    from arefie_studies.charts import bar_ci

    six = d.proportion("logement")
    six["level"] = six["level"].astype(str)
    _fig(bar_ci(six, order=list(P.HOUSING), title="Situation de logement actuelle",
                source=ctx.source),
         "Situation de logement actuelle des jeunes accompagnés, Hauts-de-France (intervalles "
         "à 95 %)")


def section_departements(ctx: ParcoursContext) -> None:
    """Diagnosis of housing situations by département (banner, chart, commentary)."""
    from arefie_studies.charts import bar_ci

    t = ctx.threshold
    table = P.only_level(P.housing_by_departement(
        ctx.design, threshold=t, source=ctx.source,
        title="Situations de logement des jeunes accompagnés, par département"))
    d = ctx.design
    prec = d.proportion("precarite", by="departement")
    prec = prec[prec["level"].astype(str) == P.YES].copy()
    reg = d.proportion("precarite")
    reg = reg[reg["level"].astype(str) == P.YES].assign(departement="Hauts-de-France")
    chart = pd.concat([prec, reg], ignore_index=True)
    chart["level"] = chart["departement"].astype(str)
    hi = chart.loc[chart["level"] != "Hauts-de-France"].sort_values("estimate").iloc[-1]
    lo = chart.loc[chart["level"] != "Hauts-de-France"].sort_values("estimate").iloc[0]
    test = d.chisq("precarite", "departement", statistic="F").p_value
    verdict = ("les écarts entre départements sont statistiquement significatifs"
               if test < 0.05 else
               "les écarts entre départements ne sont pas statistiquement significatifs "
               f"(test de Rao–Scott, p{NNBSP}={NNBSP}{fmt_num(test, 2)}) : ils restent dans la "
               "marge d’incertitude de l’enquête")
    _md(f"""## Diagnostic par département

La part des jeunes en précarité résidentielle va de {R.share_text(lo.estimate, lo.ci_low,
lo.ci_high)} ({lo.level}) à {R.share_text(hi.estimate, hi.ci_low, hi.ci_high)} ({hi.level}) ;
{verdict}. Le tableau présente les quatre grandes situations de logement ; une flèche signale
un département qui se distingue significativement du reste de la région.""")
    _fig(bar_ci(chart, order=[*P.DEPARTEMENTS.values(), "Hauts-de-France"],
                highlight=["Hauts-de-France"],
                title="Jeunes en précarité résidentielle, par département",
                source=ctx.source),
         "Part des jeunes en précarité résidentielle par département (intervalle de confiance à "
         "95 %)")
    _html(table.to_html())


def section_insertion(ctx: ParcoursContext, mask: np.ndarray | None = None,
                      title_suffix: str = "") -> None:
    """Insertion outcomes by housing situation, Rao–Scott tests, logistic model (regional);
    with ``mask`` (a département's rows) the same table and chart on that domain only."""
    from arefie_studies.charts import comparison_bars

    d = ctx.design if mask is None else ctx.design.subset(mask)
    comp = P.outcomes_by_precarity(d)
    counts = _outcome_counts(ctx.youths if mask is None else ctx.youths[mask])
    est = comp.estimates.set_index(["outcome", "group"])
    g_par, g_prec = P.GROUP_ORDER[0], P.GROUP_ORDER[3]
    e_par, e_prec = est.loc[("emploi", g_par)], est.loc[("emploi", g_prec)]
    dr_par, dr_prec = est.loc[("decrochage", g_par)], est.loc[("decrochage", g_prec)]
    p_emp = comp.tests.set_index("outcome").loc["emploi", "p_value"]
    p_dec = comp.tests.set_index("outcome").loc["decrochage", "p_value"]
    sig = {True: "la différence est significative", False: "la différence n’est pas significative"}
    _md(f"""## Logement et insertion{title_suffix}

La situation de logement va de pair avec la situation d’insertion. Parmi les jeunes en
hébergement précaire, {R.share_text(e_prec.estimate, e_prec.ci_low, e_prec.ci_high)} sont en
emploi, contre {R.share_text(e_par.estimate, e_par.ci_low, e_par.ci_high)} parmi ceux qui vivent
chez leurs parents ({sig[bool(p_emp < 0.05)]} au seuil de 5 %, test de Rao–Scott). Les ruptures
d’accompagnement concernent {R.share_text(dr_prec.estimate, dr_prec.ci_low, dr_prec.ci_high)} des
jeunes en hébergement précaire, contre {R.share_text(dr_par.estimate, dr_par.ci_low,
dr_par.ci_high)} de ceux qui vivent chez leurs parents ({sig[bool(p_dec < 0.05)]}).""")
    _html(R.outcomes_html(comp.estimates, comp.tests, labels=dict(P.OUTCOMES),
                          groups=list(P.GROUP_ORDER), threshold=ctx.threshold, source=ctx.source,
                          counts=counts,
                          title=f"Situation d’insertion selon la situation de logement{title_suffix}"))
    chart = comp.estimates.assign(level=comp.estimates["outcome"].map(P.OUTCOMES_SHORT))
    hidden = _hidden_outcomes(counts, ctx.threshold)
    chart = chart[~chart.set_index(["outcome", "group"]).index.isin(hidden)]
    chart["group"] = chart["group"].map(GROUP_SHORT)
    _fig(_two_column_legend(comparison_bars(
        chart, group="group", group_order=list(GROUP_SHORT.values()),
        order=list(P.OUTCOMES_SHORT.values()), title="Situation d’insertion selon le logement",
        source=ctx.source)),
         f"Situation d’insertion selon la situation de logement{title_suffix} (intervalles à 95 %)")
    if mask is not None:
        return
    model = P.outcome_model(d, "y_emploi")
    prec = model[(model["term"] == "logement_groupe") & (model["level"] == g_prec)].iloc[0]
    _md(f"""### À profil égal : un modèle de l’accès à l’emploi

Les jeunes en hébergement précaire sont aussi plus souvent jeunes et peu qualifiés. Une
régression logistique tenant compte du plan de sondage isole l’effet du logement : à sexe, âge,
qualification et type de territoire égaux, les cotes d’être en emploi des jeunes en hébergement
précaire valent {fmt_num(prec.odds_ratio, 2)} fois celles des jeunes vivant chez leurs parents
(intervalle à 95 % : [{fmt_num(prec.ci_low, 2)}{NNBSP}; {fmt_num(prec.ci_high, 2)}]).""")
    _html(R.odds_ratio_html(model, title="Facteurs associés au fait d’être en emploi : rapports "
                            "de cotes (régression logistique pondérée)",
                            outcome_label="être en emploi", source=ctx.source))


def _two_column_legend(fig):
    """Legend of a grouped bar chart on two columns above the axes (four groups in one row
    would be wider than the axes and shrink the printed figure)."""
    ax = fig.axes[0]
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2,
              handlelength=1.2, borderaxespad=0.2, frameon=False, fontsize=8)
    ax.set_title(ax.get_title(), pad=36)
    return fig


def _outcome_counts(data: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for var in P.OUTCOMES:
        tab = pd.crosstab(data["logement_groupe"], data[var]).reindex(
            index=list(P.GROUP_ORDER), columns=[P.YES, P.NO], fill_value=0)
        for g, r in tab.iterrows():
            rows.append({"outcome": var, "group": g, "yes": int(r[P.YES]), "no": int(r[P.NO])})
    return pd.DataFrame(rows)


def _hidden_outcomes(counts: pd.DataFrame, threshold: int) -> list[tuple[str, str]]:
    m = counts[["yes", "no"]].min(axis=1)
    small = ((m > 0) & (m < threshold)) | (counts[["yes", "no"]].sum(axis=1) < threshold)
    return list(zip(counts.loc[small, "outcome"], counts.loc[small, "group"], strict=True))


def section_monographs(ctx: ParcoursContext) -> None:
    """Three territorial monographs, each with its tables and commentary."""
    from arefie_studies.charts import comparison_bars

    t = ctx.threshold
    housing = P.territory_banner(ctx.design, MONO_HOUSING, threshold=t, source=ctx.source)
    barriers = P.territory_banner(ctx.design, MONO_BARRIERS, threshold=t, source=ctx.source)
    share = ctx.design.proportion("territoire")
    _md("""## Trois territoires

Les trois monographies suivantes comparent les jeunes d’un type de territoire — un territoire
rural en zone de revitalisation, un quartier prioritaire périurbain, un territoire urbain — à
l’ensemble des jeunes accompagnés de la région. Une flèche signale un écart significatif avec
les jeunes des deux autres types de territoire.""")
    for key, heading, where in MONOGRAPHS:
        label = P.TERRITOIRES[key]
        s = share[share["level"].astype(str) == label].iloc[0]
        n = int((ctx.youths["territoire"].astype(object) == label).sum())
        par = _cell(housing, "logement_groupe", P.GROUP_ORDER[0], label)
        par_all = _cell(housing, "logement_groupe", P.GROUP_ORDER[0])
        prec = _cell(housing, "precarite", P.YES, label)
        bar = barriers.cells[(barriers.cells["group"] == label)
                             & barriers.cells["question"].isin(P.BARRIERS)
                             & ~barriers.cells["suppressed"]].sort_values("estimate")
        top = bar.iloc[-1]
        up = bar[bar["mark"] == "▲"]["question_label"].str.replace("Frein : ", "").tolist()
        emp = _cell(barriers, "emploi", P.YES, label)
        veh = _cell(barriers, "vehicule", P.YES, label)
        up_txt = (" Les freins plus souvent cités qu’ailleurs sont : " + ", ".join(up) + "."
                  if up else " Aucun frein n’y est cité significativement plus souvent qu’ailleurs.")
        _md(f"""### {heading}

{where[0].upper() + where[1:]} regroupent {R.share_text(s.estimate, s.ci_low, s.ci_high)} des
jeunes accompagnés (n{NNBSP}={NNBSP}{fmt_int(n)} répondants). {_pct(par)} y vivent chez leurs
parents (région : {_pct(par_all, ci=False)}). La précarité résidentielle y concerne
{_pct(prec)} des jeunes{_versus(prec, "les autres territoires")}.

Le frein au logement le plus cité est « {str(top["question_label"]).replace("Frein : ", "")} »
({R.share_text(top.estimate, top.ci_low, top.ci_high)}).{up_txt} {_pct(veh)} des jeunes
disposent d’un véhicule et {_pct(emp)} sont en emploi{_versus(emp, "les autres territoires")}.""")
        _html(R.compact_html(housing, groups=[label], total_label="Hauts-de-France",
                             title=f"{label} : situations de logement et parcours résidentiel"))
        _html(R.compact_html(barriers, groups=[label], total_label="Hauts-de-France",
                             title=f"{label} : freins au logement, mobilité et insertion"))
        cells = barriers.cells[barriers.cells["question"].isin(P.BARRIERS)
                               & barriers.cells["group"].isin(["Ensemble", label])
                               & ~barriers.cells["suppressed"]].copy()
        cells["level"] = (cells["question_label"].str.replace("Frein : ", "", regex=False)
                          .map(lambda x: x[:1].upper() + x[1:]))
        cells["group"] = cells["group"].replace({"Ensemble": "Hauts-de-France"})
        _fig(comparison_bars(cells, group="group", group_order=[label, "Hauts-de-France"],
                             title=f"Freins au logement : {label[:1].lower() + label[1:]}", source=ctx.source),
             f"Freins au logement cités par les jeunes : {label} et ensemble de la région "
             "(intervalles à 95 %)")


def section_typology(ctx: ParcoursContext) -> None:
    """MCA + HCPC typology of the youths in residential precarity."""
    from arefie_studies.charts.factor_maps import category_map, cluster_map, dendrogram_plot
    from arefie_studies.studies import _parcours_typology as T

    typ = T.fit_typology(ctx.youths, n_clusters=ctx.n_classes or None)
    shares = T.cluster_shares(ctx.design, typ)
    eig = typ.mca.eigenvalues_
    pop = ctx.design.subset(T.typology_population(ctx.youths))
    total = float(np.sum(pop.weights))
    cut = ("le nombre de classes est choisi par le critère de FactoMineR (plus forte baisse "
           "relative de l’inertie intra-classes)" if not ctx.n_classes else
           f"le nombre de classes est fixé à {ctx.n_classes}")
    _md(f"""## Typologie des jeunes en précarité résidentielle

La typologie porte sur les **{fmt_int(len(typ.frame))} jeunes** (soit environ {fmt_int(total)}
jeunes accompagnés après pondération) actuellement en précarité résidentielle ou ayant connu une
période sans logement. Une analyse des correspondances multiples pondérée résume leur parcours
résidentiel ({len(T.ACTIVE)} variables actives : logement, statut d’occupation, déménagements,
ruptures, ressources, demande de logement social, freins, satisfaction) ; les deux premiers axes
portent {fmt_num(eig.iloc[0, 1], 1)} % et {fmt_num(eig.iloc[1, 1], 1)} % de l’inertie. Une
classification ascendante hiérarchique (Ward) sur les cinq premiers axes, consolidée par les
k-moyennes, regroupe ensuite les jeunes en **{typ.k} classes** ; {cut}. Le profil (sexe, âge,
qualification, territoire, situation d’insertion) est en variable supplémentaire : il décrit les
classes sans les construire.""")
    rows = pd.DataFrame({
        "Classe": [f"{k}. {typ.names[k]}" for k in shares["cluster"]],
        "Répondants": [fmt_int(v) for v in shares["n"]],
        "Part pondérée": [R.share_text(e, lo, hi, 1) for e, lo, hi in
                          zip(shares["estimate"], shares["ci_low"], shares["ci_high"], strict=True)],
        "Jeunes représentés": [f"{fmt_int(v)} [{fmt_int(lo)}{NNBSP}; {fmt_int(hi)}]" for v, lo, hi in
                               zip(shares["total"], shares["total_low"], shares["total_high"],
                                   strict=True)],
        "_n": shares["n"],
    })
    _html(R.plain_html(rows, title="Les classes de la typologie : effectifs et poids",
                       right=["Répondants", "Part pondérée", "Jeunes représentés"], counts="_n",
                       threshold=ctx.threshold, wrap=["Classe"],
                       notes=["Part pondérée parmi les jeunes en précarité résidentielle, avec "
                              "son intervalle de confiance à 95 % ; jeunes représentés : total "
                              "pondéré estimé.", disclosure_rule_text(ctx.threshold), ctx.source]))
    ax = cluster_map(typ.hcpc)
    ax.set_title("Les jeunes en précarité résidentielle, par classe", loc="left")
    _rename_clusters(ax, typ.names)
    _fig(ax.figure, "Les jeunes sur le premier plan factoriel, par classe")
    ax = category_map(typ.mca, min_contribution=3.0, supplementary=False)
    ax.set_title("Modalités les plus contributives (premier plan)", loc="left")
    _fig(ax.figure, "Carte des modalités actives contribuant le plus aux deux premiers axes")
    ax = dendrogram_plot(typ.hcpc)
    _fig(ax.figure, f"Arbre de classification (Ward) et coupure en {typ.k} classes")
    desc = typ.description
    for k in range(1, typ.k + 1):
        d = desc[(desc["cluster"] == k) & (desc["v.test"] > 0)].head(8)
        sh = shares.set_index("cluster").loc[k]
        tops = d.head(3)
        traits = " ; ".join(f"{_trait(r['level'])} ({fmt_num(r['Mod/Cla'], 0)} % contre "
                           f"{fmt_num(r['Global'], 0)} % de l’ensemble)"
                           for _, r in tops.iterrows() if r["n_km"] >= ctx.threshold)
        _md(f"""### Classe {k} : {typ.names[k]}

Cette classe regroupe {R.share_text(sh.estimate, sh.ci_low, sh.ci_high)} des jeunes en précarité
résidentielle. Ses membres se distinguent surtout par : {traits}.""")
        table = pd.DataFrame({
            "Caractéristique": [str(v) for v in d["level"]],
            "Dans la classe": [fmt_pct(v, 0, scale=1) for v in d["Mod/Cla"]],
            "Ensemble des jeunes en précarité": [fmt_pct(v, 0, scale=1) for v in d["Global"]],
            "Valeur-test": [fmt_num(v, 1) if np.isfinite(v) else "> 40" for v in d["v.test"]],
            "_n": d["n_km"].to_numpy(),
        })
        _html(R.plain_html(
            table, title=f"Classe {k} ({typ.names[k]}) : modalités sur-représentées",
            right=["Dans la classe", "Ensemble des jeunes en précarité", "Valeur-test"],
            counts="_n", threshold=ctx.threshold, wrap=["Caractéristique"],
            notes=["Parts pondérées. Valeur-test : écart entre la classe et l’ensemble, en "
                   "nombre d’écarts-types (au-delà de 2 : sur-représentation significative).",
                   disclosure_rule_text(ctx.threshold), ctx.source]))


def _trait(level: str) -> str:
    var, _, val = str(level).partition(" : ")
    if val in ("oui", "non"):
        return f"« {var} » : {val}"
    return f"{var[0].lower() + var[1:]} « {val} »"


def _rename_clusters(ax, names: dict[int, str]) -> None:
    """Legend (below the map) and annotations of ``cluster_map`` with the French names."""
    handles, labels = ax.get_legend_handles_labels()
    new = []
    for lab in labels:
        k = int(lab.split()[1]) if lab.startswith("Classe ") else None
        new.append(f"{k}. {names[k]}" if k in names else lab)
    if handles:
        ax.legend(handles, new, frameon=False, fontsize=8, loc="upper center",
                  bbox_to_anchor=(0.5, -0.1), ncol=1)
    for child in ax.texts:
        raw = child.get_text()
        if raw.startswith("Classe "):
            child.set_text(raw.replace("Classe ", ""))
    ax.figure.set_size_inches(7.0, 7.5)


def section_professionals(ctx: ParcoursContext, breakdown: str = "departement") -> None:
    """Support levels and needs of the ML professionals, by département (or zone)."""
    from arefie_studies.charts import likert_bars
    from arefie_studies.tables import banner

    t = ctx.threshold
    d = ctx.pro_design
    table = P.only_level(banner(d, PRO_ITEMS, [breakdown], threshold=t, source=ctx.source_pro,
                                title=""))
    ease = _cell(table, "a_l_aise", P.YES)
    ease_dep = None if ctx.regional else _cell(table, "a_l_aise", P.YES, ctx.dep_label)
    needs = table.cells[(table.cells["group"] == "Ensemble")
                        & table.cells["question"].isin(P.NEEDS)].sort_values("estimate")
    top = needs.iloc[-1]
    know = table.cells[(table.cells["group"] == "Ensemble")
                       & table.cells["question"].str.startswith("bien_")].sort_values("estimate")
    low = know.iloc[0]
    test = table.tests.set_index("question").loc["a_l_aise", "p_value"] if len(table.tests) else 1
    diff = ("varie significativement" if test < 0.05 else "ne varie pas significativement")
    where = "selon le département" if breakdown == "departement" else "entre le département et le reste de la région"
    ease_txt = (f"{_pct(ease)} des professionnels de la région" if ctx.regional else
                f"{_pct(ease_dep)} des professionnels du département (région : "
                f"{_pct(ease, ci=False)})")
    n = len(ctx.pros) if ctx.regional else int((ctx.pros["zone"].astype(object) == ctx.dep_label).sum())
    _md(f"""## Les professionnels des Missions Locales face aux questions de logement

{fmt_int(n)} professionnels (conseillers, référents logement, chargés d’accueil, encadrement)
ont répondu{"" if ctx.regional else f" {ctx.dep_in} ({fmt_int(len(ctx.pros))} dans la région)"}.
{ease_txt} se disent à l’aise pour accompagner les questions de logement ; cette aisance
{diff} {where}. Dans la région, le besoin le plus exprimé est
« {str(top["question_label"]).replace("Besoin : ", "")} » ({R.share_text(top.estimate,
top.ci_low, top.ci_high)}). Le dispositif le moins bien connu est
{str(low["question_label"]).split(" : ", 1)[1]} ({R.share_text(low.estimate, low.ci_low,
low.ci_high)} le connaissent assez ou très bien).""")
    groups = None if breakdown == "departement" else [ctx.dep_label, "Reste de la région"]
    _html(R.compact_html(
        table, groups=groups, total_label="Hauts-de-France",
        title="Aisance, connaissance des dispositifs et besoins des professionnels"
              + (", par département" if breakdown == "departement" else ""),
        notes=["Réponses non pondérées (chaque professionnel compte pour un) ; intervalles de "
               "confiance tenant compte du regroupement des professionnels par Mission Locale."]))
    if ctx.regional:
        kn = d.proportion(list(P.KNOWLEDGE))
        kn["question"] = kn["variable"].map(P.KNOWLEDGE)
        _fig(likert_bars(kn, levels=["Pas du tout", "Un peu", "Assez bien", "Très bien"],
                         title="Connaissance des dispositifs logement", source=ctx.source_pro),
             "Connaissance des dispositifs d’aide au logement par les professionnels des ML")


def section_annex(ctx: ParcoursContext) -> None:
    """Methods annex: sample, weighting, variance, disclosure, definitions, typology method."""
    diag = ctx.design.weighting_diagnostics().summary.iloc[0]
    n_dep = ctx.youths["departement"].astype(str).value_counts()
    sample = pd.DataFrame({
        "Département": list(P.DEPARTEMENTS.values()),
        "Répondants": [fmt_int(n_dep.get(v, 0)) for v in P.DEPARTEMENTS.values()],
        "Missions Locales": [fmt_int(ctx.youths.loc[ctx.youths["departement"].astype(str) == v,
                                                    "ml"].nunique()) for v in P.DEPARTEMENTS.values()],
        "Jeunes représentés": [fmt_int(ctx.youths.loc[ctx.youths["departement"].astype(str) == v,
                                                      "poids"].sum()) for v in P.DEPARTEMENTS.values()],
    })
    _md(f"""## Annexe méthodologique de l’étude

### Échantillon et pondération

L’enquête auprès des jeunes est stratifiée par département (allocation fixe : les petits
départements sont sur-représentés, le Nord sous-représenté) ; les jeunes sont rencontrés dans
leur Mission Locale, qui constitue l’unité primaire de sondage. Le poids de chaque jeune est
l’inverse de sa probabilité d’inclusion dans son département, post-stratifié sur le sexe ; la
somme des poids vaut {fmt_int(diag["total"])} jeunes accompagnés. Les poids vont de
{fmt_num(diag["min"], 1)} à {fmt_num(diag["max"], 1)} ; la taille d’échantillon effective
(Kish) est de {fmt_int(diag["n_eff"])} répondants, soit un effet de plan dû à la pondération de
{fmt_num(diag["deff_w"], 2)}.""")
    _html(R.plain_html(sample, title="Échantillon des jeunes par département",
                       right=["Répondants", "Missions Locales", "Jeunes représentés"]))
    _md(f"""### Précision et tests

Les intervalles de confiance à 95 % sont calculés par linéarisation (Taylor), en tenant compte de
la stratification par département et du tirage des jeunes par Mission Locale ; les intervalles
des proportions utilisent la méthode logit sur les degrés de liberté du plan (nombre de Missions
Locales moins nombre de départements), comme `svyciprop` du paquet R *survey* (Lumley, 2010).
Les tests d’indépendance sont des tests de Rao–Scott (statistique F, correction du second ordre ;
Rao et Scott, 1984). Les flèches ▲ / ▼ signalent un groupe significativement différent du reste
de la population (test de Wald au seuil de 5 %). Le modèle d’accès à l’emploi est une régression
logistique pondérée (`svyglm`) dont les écarts-types tiennent compte du plan.

### Définitions

- **Précarité résidentielle** : être hébergé par de la famille ou des amis (hébergé par un tiers),
  en hébergement d’urgence ou social (CHRS, CHU, hôtel), en squat, à la rue ou dans un véhicule —
  situations d’exclusion du logement de la typologie ETHOS (FEANTSA).
- **Sans logement stable** : hébergement d’urgence ou social, squat, rue ou véhicule.
- **Rupture d’accompagnement** : arrêt de l’accompagnement en Mission Locale au cours des
  12 derniers mois.

### Typologie

Analyse des correspondances multiples (ACM) pondérée par les poids de sondage ramenés à une
moyenne de 1, puis classification ascendante hiérarchique de Ward sur les cinq premiers axes et
consolidation par les k-moyennes, selon la méthode HCPC (Husson, Josse et Pagès, 2010 ; Lê, Josse
et Husson, 2008, *FactoMineR*). Les classes sont décrites par les modalités sur-représentées
(valeur-test supérieure à 2 ; Lebart, Morineau et Piron, 1995) et nommées d’après les situations
de logement qui y dominent.

### Secret statistique

{disclosure_rule_text(ctx.threshold)} Aucune donnée individuelle ni aucun identifiant n’est
publié ; les professionnels ne sont jamais présentés par Mission Locale.

### Références

Lumley T. (2010), *Complex Surveys: A Guide to Analysis Using R*, Wiley. — Rao J.N.K., Scott A.J.
(1984), « On chi-squared tests for multiway contingency tables with cell proportions estimated
from survey data », *Annals of Statistics*, 12(1). — Husson F., Josse J., Pagès J. (2010),
*Principal component methods — hierarchical clustering — partitional clustering*, Agrocampus.
— Lebart L., Morineau A., Piron M. (1995), *Statistique exploratoire multidimensionnelle*, Dunod.
— FEANTSA, *ETHOS : typologie européenne de l’exclusion liée au logement*.""")


# ----------------------------------------------------------------------------- département
def section_departement(ctx: ParcoursContext) -> None:
    """Light per-département report: its figures beside the region's."""
    from arefie_studies.charts import comparison_bars

    t = ctx.threshold
    mask = (ctx.youths["zone"].astype(object) == ctx.dep_label).to_numpy()
    n = int(mask.sum())
    table = P.territory_banner(ctx.design, ["logement_groupe", "precarite", "sans_logement_stable",
                                            "periode_sans_logement", "rupture_hebergement",
                                            *P.BARRIERS, *P.OUTCOMES],
                               breakdown="zone", threshold=t, source=ctx.source)
    prec = _cell(table, "precarite", P.YES, ctx.dep_label)
    prec_all = _cell(table, "precarite", P.YES)
    emp = _cell(table, "emploi", P.YES, ctx.dep_label)
    terr = ctx.design.subset(mask).proportion("territoire")
    terr_txt = ", ".join(f"{fmt_pct(r.estimate, 0)} {TERRITORY_TEXT.get(str(r.level), str(r.level))}"
                         for r in terr.itertuples())
    _md(f"""## {ctx.dep_label} : les jeunes interrogés

En {ctx.wave}, **{fmt_int(n)} jeunes** accompagnés par les Missions Locales du département ont
répondu à l’enquête, sur {fmt_int(len(ctx.youths))} dans la région ; ils vivent pour
{terr_txt}. Les résultats, pondérés, sont présentés à côté de ceux de l’ensemble des
Hauts-de-France ; le rapport régional présente les monographies territoriales et la typologie
des jeunes en précarité résidentielle.

{ctx.dep_in[0].upper() + ctx.dep_in[1:]}, {_pct(prec)} des jeunes sont en précarité résidentielle
(région : {_pct(prec_all, ci=False)}){_versus(prec, "le reste de la région")}. {_pct(emp)} sont
en emploi{_versus(emp, "le reste de la région")}.""")
    _html(R.compact_html(table, groups=[ctx.dep_label, "Reste de la région"],
                         total_label="Hauts-de-France",
                         title=f"{ctx.dep_label} : logement, freins et insertion des jeunes"))
    cells = table.cells[(table.cells["question"] == "logement_groupe")
                        & table.cells["group"].isin(["Ensemble", ctx.dep_label])
                        & ~table.cells["suppressed"]].copy()
    cells["group"] = cells["group"].replace({"Ensemble": "Hauts-de-France"})
    _fig(comparison_bars(cells, group="group", group_order=[ctx.dep_label, "Hauts-de-France"],
                         order=list(P.GROUP_ORDER), title="Situation de logement",
                         source=ctx.source),
         f"Situation de logement des jeunes : {ctx.dep_label} et Hauts-de-France (intervalles à 95 %)")
    section_insertion(ctx, mask=mask, title_suffix=f" {ctx.dep_in}")


def section_departement_annex(ctx: ParcoursContext) -> None:
    """Short methods annex of a département report."""
    _md(f"""## Annexe méthodologique

Les jeunes sont interrogés dans leur Mission Locale (unité primaire), l’échantillon étant
stratifié par département ; les poids de sondage sont post-stratifiés sur le sexe dans chaque
département. Les intervalles de confiance à 95 % tiennent compte du plan de sondage
(linéarisation, méthode logit pour les proportions) ; les flèches ▲ / ▼ signalent un écart
significatif avec le reste de la région (test de Wald, seuil de 5 %) et les tests
d’indépendance sont des tests de Rao–Scott. La précarité résidentielle regroupe l’hébergement
par un tiers, l’hébergement d’urgence ou social et la rue, le squat ou le véhicule. Le rapport
régional détaille la méthode.

{disclosure_rule_text(ctx.threshold)}""")
