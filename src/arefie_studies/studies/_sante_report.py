"""What the santé jeunes notebook shows: HTML tables, charts and annex texts (French).

Every function takes estimates from :mod:`arefie_studies.studies.sante_jeunes` (tidy frames
with ``hidden`` already decided) and returns an HTML string or a matplotlib figure; hidden
estimates are never printed nor drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from arefie_studies.charts import (
    ACCENT,
    GREY,
    PRIMARY,
    add_source,
    apply_house_style,
    format_pct_fr,
    house_style,
)
from arefie_studies.studies._common import estimate_table_html, plain_table_html
from arefie_studies.studies.sante_jeunes import BREAKDOWNS, INSTRUMENTS, VULNERABLE, Indicator
from arefie_studies.tables import fmt_ci, fmt_int, fmt_num, fmt_p, fmt_pct, fmt_pct_points

__all__ = [
    "benchmark_chart",
    "benchmark_table",
    "breakdown_table",
    "departement_chart",
    "departement_table",
    "evolution_chart",
    "evolution_table",
    "forest_chart",
    "instruments_table",
    "methods_text",
    "model_table",
    "sample_table",
    "theme_chart",
]

NNBSP = "\u202f"
TEST_HEADERS = {"sexe": "Test sexe", "tranche_age": "Test âge", "qualification": "Test qualif.",
                "departement": "Test"}


def _p_text(p: float) -> str:
    if not np.isfinite(p):
        return "–"
    return f"p{NNBSP}{fmt_p(p)}" if p < 0.001 else f"p{NNBSP}={NNBSP}{fmt_p(p)}"


def _label(ind: Indicator) -> str:
    return f"{ind.label} ({ind.universe})" if ind.universe else ind.label


# ----------------------------------------------------------------------------- tables
def breakdown_table(
    indicators: Sequence[Indicator],
    overall: pd.DataFrame | None,
    by: Mapping[str, pd.DataFrame],
    *,
    title: str,
    threshold: int,
    source: str,
    tests: Mapping[str, pd.Series] | None = None,
    marks: Mapping[str, pd.Series] | None = None,
    group_filter: Mapping[str, Sequence[str]] | None = None,
    headings: Mapping[str, str] | None = None,
) -> str:
    """Indicators (rows) × Ensemble and the groups of each breakdown (columns).

    ``by``: breakdown variable -> :func:`indicator_estimates` output; ``tests``: breakdown ->
    p-values by indicator name (Rao–Scott, shown in a column per breakdown); ``marks``:
    breakdown -> '▲'/'▼'/'' by indicator name, shown beside the group's value;
    ``group_filter`` keeps only some groups of a breakdown (e.g. "Oui" of a vulnerable flag);
    ``headings``: breakdown -> spanning header; ``overall=None`` leaves out the Ensemble
    column (shown in another table).
    """
    headings = {**BREAKDOWNS, **VULNERABLE, **(headings or {})}
    group_filter = dict(group_filter or {})
    columns = [("Ensemble", "Ensemble")] if overall is not None else []
    frames = [overall.assign(column="Ensemble")] if overall is not None else []
    for b, est in by.items():
        groups = list(dict.fromkeys(est["group"]))
        keep = group_filter.get(b)
        if keep is not None:
            groups = [g for g in groups if g in keep]
        head = headings.get(b, b)
        for g in groups:
            key = f"{b}:{g}"
            label = f"{head}|{g}" if keep is None else head
            columns.append((key, label))
        sub = est[est["group"].isin(groups)].assign(column=lambda d, b=b: b + ":" + d["group"])
        if marks and b in marks:
            sub = sub.assign(mark=sub["indicator"].map(marks[b]).fillna(""))
        frames.append(sub)
    cells = pd.concat(frames, ignore_index=True)
    names = {i.name: _label(i) for i in indicators}
    cells = cells[cells["indicator"].isin(names)]
    cells["row"] = cells["indicator"].map(names)
    order = {i.name: k for k, i in enumerate(indicators)}
    cells = cells.sort_values("indicator", key=lambda s: s.map(order), kind="stable")
    extra = {}
    notes = []
    for b, pv in (tests or {}).items():
        col = f"p_{b}"
        cells[col] = cells["indicator"].map(lambda n, pv=pv: _p_text(float(pv.get(n, np.nan))))
        extra[col] = TEST_HEADERS.get(b, "Test")
    if tests:
        notes.append("Test : Rao–Scott (statistique F, plan de sondage pris en compte) de "
                     "l’indépendance entre l’indicateur et la variable de ventilation.")
    if marks:
        notes.append("▲ / ▼ : part significativement supérieure / inférieure à celle des autres "
                     "jeunes (test de Rao–Scott au seuil de 5 %).")
    notes.insert(0, "Parts pondérées ; entre crochets, intervalle de confiance à 95 %.")
    return estimate_table_html(cells, title=title, columns=columns, threshold=threshold,
                               notes=notes, source=source, extra_columns=extra,
                               stub_header="Indicateur")


def sample_table(df: pd.DataFrame, weights: np.ndarray, *, title: str) -> str:
    """Structure of the sample (n, unweighted %) and after calibration (weighted %)."""
    rows = []
    w = np.asarray(weights, dtype=float)
    for var, head in BREAKDOWNS.items():
        s = df[var]
        n = s.value_counts(sort=False)
        wt = pd.Series(w, index=df.index).groupby(s, observed=False).sum()
        for g in s.cat.categories:
            rows.append({"Variable": head, "Modalité": g, "Répondants": fmt_int(n.get(g, 0)),
                         "Échantillon brut": fmt_pct(n.get(g, 0) / n.sum()),
                         "Après calage": fmt_pct(wt.get(g, 0.0) / wt.sum())})
    frame = pd.DataFrame(rows)
    frame.loc[frame["Variable"].duplicated(), "Variable"] = ""
    return plain_table_html(
        frame, title=title, align_right=["Répondants", "Échantillon brut", "Après calage"],
        notes=["Après calage, la structure est celle de la population des jeunes accompagnés "
               "par les Missions Locales (marges de calage)."])


def instruments_table(estimates: pd.DataFrame, labels: Mapping[str, str], *, title: str,
                      source: str, threshold: int) -> str:
    """Distribution of the instruments' classes: ``estimates`` from design.proportion with
    ``variable``, ``level``, estimate, ci_low, ci_high, n (base) and hidden."""
    cells = estimates.assign(section=estimates["variable"].map(labels),
                             row=estimates["level"].astype(str), column="Ensemble")
    return estimate_table_html(
        cells, title=title, columns=[("Ensemble", "Part des jeunes")],
        threshold=threshold, source=source, stub_header="Classe",
        notes=["Parts pondérées ; entre crochets, intervalle de confiance à 95 %. Seuils et "
               "références des instruments : voir l’annexe."])


def evolution_table(comp: pd.DataFrame, *, title: str, threshold: int, source: str,
                    wave: int, previous: int) -> str:
    """Indicator | previous wave | current wave | difference in points [CI] | p."""
    rows = []
    for _, r in comp.iterrows():
        base = {"row": r["label"], "section": r.get("theme_label", ""), "n": r["n"],
                "hidden": r["hidden"]}
        rows.append({**base, "column": "prev", "estimate": r["estimate_prev"],
                     "ci_low": r["ci_low_prev"], "ci_high": r["ci_high_prev"], "n": r["n_prev"]})
        rows.append({**base, "column": "cur", "estimate": r["estimate"], "ci_low": r["ci_low"],
                     "ci_high": r["ci_high"]})
        hidden = bool(r["hidden"])
        rows[-1]["diff_text"] = "s" if hidden else (
            f"{fmt_pct_points(r['diff'])} {fmt_ci(r['diff_low'], r['diff_high'])}")
        rows[-1]["p_text"] = "s" if hidden else _p_text(r["p_value"])
        rows[-2]["diff_text"], rows[-2]["p_text"] = rows[-1]["diff_text"], rows[-1]["p_text"]
    cells = pd.DataFrame(rows)
    return estimate_table_html(
        cells, title=title, columns=[("prev", str(previous)), ("cur", str(wave))],
        threshold=threshold, source=source, stub_header="Indicateur",
        extra_columns={"diff_text": "Écart en points [IC 95 %]", "p_text": "Test"},
        notes=[f"Parts pondérées ; chaque vague est calée sur la population des jeunes "
               f"accompagnés. Écart = {wave} − {previous}, en points de pourcentage, avec son "
               "intervalle de confiance à 95 % ; test de Wald de l’égalité des deux parts "
               "(échantillons indépendants)."])


def benchmark_table(bm: pd.DataFrame, *, title: str, wave: int) -> str:
    """Survey estimate beside each external reference (labelled with population and source)."""
    rows = []
    for _, r in bm.iterrows():
        hidden = bool(r["hidden"])
        rows.append({
            "Indicateur": r["label"],
            f"Jeunes en ML {wave} [IC 95 %]": "s" if hidden else
            f"{fmt_pct(r['estimate'])} {fmt_ci(r['ci_low'], r['ci_high'])}",
            "Valeur de référence": fmt_pct(r["benchmark"], 0),
            "Référence : population, année et source":
                f"{r['population']}, {r['annee']} — {r['source']}",
            "Test": "s" if hidden else _p_text(r["p_value"]),
        })
    return plain_table_html(
        pd.DataFrame(rows), title=title,
        align_right=[f"Jeunes en ML {wave} [IC 95 %]", "Valeur de référence", "Test"],
        wrap=["Indicateur", "Référence : population, année et source"],
        notes=["Les valeurs de référence sont des repères extérieurs à l’enquête (population "
               "générale ou autres jeunes), publiés par les sources citées ; les définitions et "
               "les âges diffèrent parfois : la comparaison est indicative.",
               "Test : écart entre la part estimée et la valeur de référence, celle-ci étant "
               "considérée comme fixe (test de Wald)."])


def model_table(ors: pd.DataFrame, *, title: str, n: int, source: str) -> str:
    """Odds ratios with 95 % CI and p-value, reference levels marked."""
    rows = []
    for _, r in ors.iterrows():
        rows.append({
            "Variable": r["variable"], "Modalité": r["level"],
            "Rapport de cotes": "1 (réf.)" if r["reference"] else fmt_num(r["odds_ratio"], 2),
            "IC à 95 %": "" if r["reference"] else fmt_ci(r["ci_low"], r["ci_high"], 2,
                                                           scale=1.0),
            "Test": "" if r["reference"] else _p_text(r["p_value"]),
        })
    frame = pd.DataFrame(rows)
    frame.loc[frame["Variable"].duplicated(), "Variable"] = ""
    return plain_table_html(
        frame, title=title, align_right=["Rapport de cotes", "IC à 95 %", "Test"],
        notes=[f"Régression logistique pondérée tenant compte du plan de sondage "
               f"(n{NNBSP}={NNBSP}{fmt_int(n)} répondants ayant répondu à toutes les "
               "variables). Lecture : un rapport de cotes supérieur à 1 signifie une détresse "
               "plus fréquente que dans la modalité de référence, toutes choses égales par "
               "ailleurs.", source])


def departement_table(indicators: Sequence[Indicator], dep: pd.DataFrame, region: pd.DataFrame,
                      tests: pd.Series, *, dep_label: str, title: str, threshold: int,
                      source: str, themes: Mapping[str, str]) -> str:
    """Light variant: the département's shares beside the region's, with the test of the
    département vs the rest of the region."""
    names = {i.name: _label(i) for i in indicators}
    theme_of = {i.name: themes[i.theme] for i in indicators}
    cells = pd.concat([dep.assign(column="dep"), region.assign(column="reg")], ignore_index=True)
    cells = cells[cells["indicator"].isin(names)]
    cells["row"] = cells["indicator"].map(names)
    cells["section"] = cells["indicator"].map(theme_of)
    order = {i.name: k for k, i in enumerate(indicators)}
    cells = cells.sort_values(["indicator"], key=lambda s: s.map(order), kind="stable")
    hidden = set(dep.loc[dep["hidden"].astype(bool), "indicator"])
    cells["p_text"] = cells["indicator"].map(
        lambda n: "s" if n in hidden else _p_text(float(tests.get(n, np.nan))))
    return estimate_table_html(
        cells, title=title, columns=[("dep", dep_label), ("reg", "Hauts-de-France")],
        threshold=threshold, source=source, stub_header="Indicateur",
        extra_columns={"p_text": "Test"},
        notes=["Parts pondérées ; entre crochets, intervalle de confiance à 95 %. Test : "
               f"Rao–Scott, {dep_label} comparé au reste de la région."])


# ----------------------------------------------------------------------------- charts
def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["hidden"].astype(bool)]


def theme_chart(overall: pd.DataFrame, indicators: Sequence[Indicator], *, title: str,
                source: str, previous: pd.DataFrame | None = None, wave: int = 2024,
                previous_wave: int | None = None) -> Figure:
    """Horizontal bars (weighted %) with 95 % CI whiskers; the previous wave as diamonds."""
    names = [i.name for i in indicators]
    est = _shown(overall.set_index("indicator").loc[names].reset_index())
    labels = {i.name: i.label for i in indicators}
    y = np.arange(len(est))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.3 * len(est) + 1.1))
        ax.barh(y, est["estimate"], color=PRIMARY, height=0.6, label=str(wave))
        ax.errorbar(est["estimate"], y, xerr=[est["estimate"] - est["ci_low"],
                                               est["ci_high"] - est["estimate"]],
                    fmt="none", ecolor=GREY, elinewidth=1, capsize=2.5)
        for yy, (_, r) in zip(y, est.iterrows(), strict=True):
            ax.text(r["ci_high"] + 0.01, yy, fmt_pct(r["estimate"], 0), va="center", fontsize=8)
        if previous is not None and previous_wave:
            prev = _shown(previous.set_index("indicator").reindex(est["indicator"]).reset_index()
                          .dropna(subset=["estimate"]))
            pos = {n: yy for n, yy in zip(est["indicator"], y, strict=True)}
            ax.scatter(prev["estimate"], [pos[n] for n in prev["indicator"]], marker="D", s=22,
                       color=ACCENT, zorder=3, label=str(previous_wave))
            # no legend: the caption says "losanges : <previous wave>" (no clash with the title)
        ax.set_yticks(y, [_wrap(labels[n]) for n in est["indicator"]])
        ax.set_xlim(0, min(1.0, float(est["ci_high"].max()) + 0.12))
        ax.xaxis.set_major_formatter(format_pct_fr())
        ax.set_title(title)
        apply_house_style(ax, grid="x")
        note = (f"barres : {wave} (trait : intervalle de confiance à 95 %) ; losanges : "
                f"{previous_wave}." if previous is not None and previous_wave else None)
        add_source(fig, source, note=note)
    return fig


def _wrap(text: str, width: int = 42) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def evolution_chart(comp: pd.DataFrame, *, title: str, source: str, wave: int,
                    previous: int) -> Figure:
    """Dumbbell chart: previous wave (orange) → current wave (blue), key indicators."""
    comp = _shown(comp)
    y = np.arange(len(comp))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.27 * len(comp) + 1.1))
        for yy, (_, r) in zip(y, comp.iterrows(), strict=True):
            ax.plot([r["estimate_prev"], r["estimate"]], [yy, yy], color="#BFBFBF", lw=2,
                    zorder=1)
        ax.scatter(comp["estimate_prev"], y, color=ACCENT, s=28, zorder=2, label=str(previous))
        ax.scatter(comp["estimate"], y, color=PRIMARY, s=28, zorder=3, label=str(wave))
        sig = comp["p_value"].to_numpy() < 0.05
        for yy, s, (_, r) in zip(y, sig, comp.iterrows(), strict=True):
            if s:
                ax.text(max(r["estimate"], r["estimate_prev"]) + 0.015, yy, "*", va="center",
                        fontsize=10, color=PRIMARY)
        ax.set_yticks(y, [_wrap(t) for t in comp["label"]])
        ax.xaxis.set_major_formatter(format_pct_fr())
        ax.set_xlim(0, min(1.0, float(comp[["estimate", "estimate_prev"]].max().max()) + 0.1))
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2)
        ax.set_title(title)
        apply_house_style(ax, grid="x")
        add_source(fig, source, note="* écart significatif au seuil de 5 %.")
    return fig


def benchmark_chart(bm: pd.DataFrame, *, title: str, source: str, wave: int) -> Figure:
    """Survey share with CI (bars) and the external reference (diamond) per comparison."""
    bm = _shown(bm)
    y = np.arange(len(bm))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.36 * len(bm) + 1.1))
        ax.barh(y, bm["estimate"], color=PRIMARY, height=0.55, label=f"Jeunes en ML, {wave}")
        ax.errorbar(bm["estimate"], y, xerr=[bm["estimate"] - bm["ci_low"],
                                             bm["ci_high"] - bm["estimate"]],
                    fmt="none", ecolor=GREY, elinewidth=1, capsize=2.5)
        ax.scatter(bm["benchmark"], y, marker="D", color=ACCENT, s=30, zorder=3,
                   label="Valeur de référence")
        ax.set_yticks(y, [_wrap(f"{r['label']} — réf. : {r['population']}", 48)
                          for _, r in bm.iterrows()], fontsize=7.5)
        ax.xaxis.set_major_formatter(format_pct_fr())
        ax.legend(loc="lower right")
        ax.set_title(title)
        apply_house_style(ax, grid="x")
        add_source(fig, source)
    return fig


def forest_chart(ors: pd.DataFrame, *, title: str, source: str) -> Figure:
    """Odds ratios with 95 % CI on a log scale; reference levels at 1 (hollow)."""
    y = np.arange(len(ors))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.26 * len(ors) + 1.1))
        est = ors[~ors["reference"]]
        ref = ors[ors["reference"]]
        ypos = dict(zip(ors.index, y, strict=True))
        ax.errorbar(est["odds_ratio"], [ypos[i] for i in est.index],
                    xerr=[est["odds_ratio"] - est["ci_low"], est["ci_high"] - est["odds_ratio"]],
                    fmt="o", color=PRIMARY, ecolor=PRIMARY, capsize=2.5, ms=5)
        ax.scatter(ref["odds_ratio"], [ypos[i] for i in ref.index], facecolors="white",
                   edgecolors=GREY, s=25, zorder=3)
        ax.axvline(1.0, color=GREY, lw=0.8, ls="--")
        ax.set_xscale("log")
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

        ticks = [0.25, 0.5, 1, 2, 4, 8]
        lo = float(np.nanmin(est["ci_low"])) if len(est) else 0.5
        hi = float(np.nanmax(est["ci_high"])) if len(est) else 2
        ticks = [t for t in ticks if lo / 1.5 <= t <= hi * 1.5] or [1]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_num(v, 2 if v < 1 else 0)))
        labels = [f"{r['variable']} : {r['level']}" + (" (réf.)" if r["reference"] else "")
                  for _, r in ors.iterrows()]
        ax.set_yticks(y, [_wrap(t, 50) for t in labels], fontsize=7.5)
        ax.set_xlabel("Rapport de cotes (échelle logarithmique)")
        ax.set_title(title)
        ax.grid(False)
        ax.xaxis.grid(True, color="#E3E3E3", linewidth=0.7)
        add_source(fig, source)
    return fig


def departement_chart(dep: pd.DataFrame, region: pd.DataFrame, indicators: Sequence[Indicator],
                      *, dep_label: str, title: str, source: str) -> Figure:
    """Dot plot: the département's share (with CI) beside the region's, key indicators.
    ``title`` is the figure's accessible label (the report caption carries the visible title)."""
    names = [i.name for i in indicators]
    d = dep.set_index("indicator").reindex(names)
    r = region.set_index("indicator").reindex(names)
    keep = ~d["hidden"].astype(bool).to_numpy()
    d, r = d[keep], r[keep]
    labels = {i.name: i.label for i in indicators}
    y = np.arange(len(d))[::-1]
    with house_style():
        fig, ax = plt.subplots(figsize=(6.3, 0.24 * len(d) + 1.2))
        fig.set_label(title)
        ax.errorbar(d["estimate"], y, xerr=[d["estimate"] - d["ci_low"],
                                            d["ci_high"] - d["estimate"]],
                    fmt="o", color=PRIMARY, ecolor=PRIMARY, ms=4.5, capsize=2, label=dep_label)
        ax.scatter(r["estimate"], y, marker="D", color=ACCENT, s=20, zorder=3,
                   label="Hauts-de-France")
        ax.set_yticks(y, [_wrap(labels[n], 50) for n in d.index], fontsize=7)
        ax.xaxis.set_major_formatter(format_pct_fr())
        ax.set_xlim(0, 1)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2)
        # no axes title (long y labels push it under the legend): the caption names the figure
        apply_house_style(ax, grid="x")
        add_source(fig, source)
    return fig


# ----------------------------------------------------------------------------- annex
def instruments_annex_html(*, title: str) -> str:
    """Instruments, scoring and published cut-offs with references (methods annex)."""
    frame = pd.DataFrame(INSTRUMENTS).rename(columns={
        "instrument": "Instrument", "calcul": "Calcul du score", "seuils": "Seuils retenus",
        "reference": "Référence"})
    return plain_table_html(frame, title=title, wrap=list(frame.columns))


def methods_text(*, wave: int, n: int, n_ml: int, method: str, bounds: Sequence[float],
                 population_total: float, n_eff: float, threshold: int,
                 previous: int | None) -> str:
    """Markdown of the methods annex (sample, weighting, variance, disclosure)."""
    how = {
        "raking": "un calage sur marges par la méthode du raking (fonction de distance "
                  "exponentielle, équivalente à l’ajustement itératif des marges)",
        "logit": f"un calage sur marges par la méthode logit, le rapport entre poids final et "
                 f"poids initial étant borné entre {fmt_num(bounds[0], 2)} et "
                 f"{fmt_num(bounds[1], 2)}",
        "ipf": "un raking (ajustement proportionnel itératif des marges)",
    }[method]
    prev = (f" La vague {previous} est calée de la même façon sur les mêmes marges ; les "
            "écarts entre vagues sont testés comme entre deux échantillons indépendants."
            if previous else "")
    return f"""
### Échantillon

L’enquête {wave} a été proposée aux jeunes reçus dans les Missions Locales des Hauts-de-France :
{fmt_int(n)} jeunes y ont répondu dans {n_ml} Missions Locales. Il ne s’agit pas d’un tirage
aléatoire : les jeunes rencontrés ne représentent pas, tels quels, l’ensemble des jeunes
accompagnés (les femmes, les 22-25 ans et le Nord y sont par exemple surreprésentés).

### Pondération

Chaque répondant reçoit d’abord le poids N / n, puis les poids sont calés, par {how}, sur la
population des {fmt_int(population_total)} jeunes accompagnés par les Missions Locales en 2024
(tableau de référence : sexe × tranche d’âge et département × niveau de qualification). Les
tableaux de l’annexe donnent la distribution des poids et vérifient que chaque marge est
atteinte. La taille effective d’échantillon (Kish) est de {fmt_int(n_eff)} jeunes.{prev}

### Estimation de la précision

Les variances sont estimées par linéarisation, en traitant les Missions Locales comme des
grappes stratifiées par département et en tenant compte du calage (résidus de la régression
de calage). Les intervalles de confiance à 95 % des parts utilisent la transformation logit
(comme la fonction svyciprop du logiciel R survey) et les degrés de liberté du plan. Les tests
d’association sont des tests du khi-deux corrigés de Rao–Scott ; le modèle de la détresse
psychologique est une régression logistique pondérée avec variance « sandwich » du plan.

### Secret statistique

Aucune part n’est publiée lorsqu’elle repose sur moins de {threshold} répondants (dans
l’une ou l’autre des réponses), ni lorsqu’elle permettrait de retrouver par différence une
valeur masquée : ces cases portent la lettre « s ». Les graphiques n’affichent pas les
valeurs masquées.
"""
