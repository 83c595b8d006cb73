"""The baromètre's report, built from :class:`~arefie_studies.studies.barometre.BarometreResults`
only (:func:`build_report`): French tables, figures, narrative and annex texts all read the same
results, so a figure is never computed twice.

Shown cells carry ``data-n`` (their unweighted base); hidden cells carry nothing but
``data-suppressed="1"`` (see :func:`arefie_studies.tables.hidden_cell_html`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from arefie_studies.studies.barometre import NATION, REGION, REST
from arefie_studies.studies.barometre import BarometreResults as Results
from arefie_studies.studies.contract import Annex, Figure, Heading, Paragraph, Report, Table
from arefie_studies.tables import (
    NNBSP,
    SUPPRESSED_MARK,
    disclosure_rule_text,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_pct_points,
    hidden_cell_html,
    table_html,
    value_cell_html,
)

__all__ = [
    "build_report",
    "likert_figure",
    "ml_dot_figure",
    "ml_profile_table",
    "ml_table",
    "share_figure",
    "share_table",
    "trend_figure",
]

POPULATION_FR = {"jeunes": "jeunes accompagnés", "entreprises": "entreprises partenaires"}
SOURCE = "Source" + NNBSP + ": UNML, baromètre national de satisfaction ; traitement AREFIE."
TOO_FEW = "effectif insuffisant"
UP, DOWN = "▲", "▼"


def _ci_cell(est: float, lo: float, hi: float, n: int, mark: str = "") -> str:
    return value_cell_html(est, lo, hi, n=n, mark=mark)


def _hidden_cell(n: int, text: str = SUPPRESSED_MARK, span: int = 1) -> str:
    # the count of a hidden cell is not written (not even as data-n): see tables.hidden_cell_html
    return hidden_cell_html(text, span)


def _table(title: str, head: Sequence[str], rows: Sequence[str], notes: Sequence[str],
           threshold: int, *, stub: str = "", wide: bool = False, fits: bool = True) -> str:
    cls = "arefie-table" + (" wide" if wide else "") + (" fits-page" if fits else "")
    th = "".join(f"<th>{escape(h)}</th>" for h in (stub, *head))
    return table_html(title, f"<tr>{th}</tr>", rows, notes, classes=cls, threshold=threshold)


def _p_text(p: float) -> str:
    text = fmt_p(p)
    return f"p{NNBSP}{text}" if text.startswith("<") else f"p{NNBSP}={NNBSP}{text}"


def _mark(diff: float, p: float) -> str:
    if not np.isfinite(p) or p >= 0.05:
        return ""
    return UP if diff > 0 else DOWN


def _years(waves: Sequence[int]) -> str:
    waves = list(waves)
    return str(waves[0]) if len(waves) == 1 else f"{waves[0]}-{waves[-1]}"


# --------------------------------------------------------------------------- region vs France
def share_table(res: Results, population: str, number_hint: str = "") -> str:
    """Items × (region, rest of France, nation, difference, tests) for ``res.wave``."""
    share = res.share[population].set_index(["item", "group"])
    diff = res.diff[population].set_index("item")
    rows = []
    for item, label in res.items[population].items():
        tds = [_ci_cell(*share.loc[(item, g), ["estimate", "ci_low", "ci_high", "n"]])
               for g in (REGION, REST, NATION)]
        d = diff.loc[item]
        mark = _mark(d["diff"], d["p_value"])
        tds.append(f'<td>{fmt_pct_points(d["diff"])}{NNBSP if mark else ""}'
                   f'<span class="mark">{mark}</span><span class="ci">{fmt_ci(d["ci_low"], d["ci_high"])}'
                   "</span></td>")
        tds.append(f'<td class="test">{fmt_p(d["p_value"])}</td>')
        tds.append(f'<td class="test">{fmt_p(d["chisq_p"])}</td>')
        rows.append(f'<tr><th scope="row">{escape(label)}</th>{"".join(tds)}</tr>')
    notes = [
        "Part de répondants « très » ou « plutôt » satisfaits parmi ceux qui ont exprimé un avis "
        "(« Ne sait pas » exclu). Entre crochets" + NNBSP + ": intervalle de confiance à 95" + NNBSP + "%.",
        "Écart" + NNBSP + ": Hauts-de-France moins reste de la France, en points. " + UP + " / " + DOWN
        + NNBSP + ": écart significatif au seuil de 5" + NNBSP + "% (test de Student tenant compte du "
        "plan de sondage). p (4 modalités)" + NNBSP + ": test de Rao–Scott sur la répartition des quatre "
        "réponses.",
        disclosure_rule_text(res.threshold), SOURCE,
    ]
    title = (f"Satisfaction des {POPULATION_FR[population]} en {res.wave} : Hauts-de-France et reste "
             "de la France")
    return _table(title, [REGION, REST, NATION, "Écart (pts)", "p (écart)", "p (4 modalités)"],
                  rows, notes, res.threshold, stub="Item", wide=True)


def _short(label: str, width: int = 34) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(label, width))


def likert_figure(res: Results, population: str):
    """Stacked 100 % bars of the four answers, region beside the rest of France, per item."""
    import matplotlib.pyplot as plt

    from arefie_studies.charts import likert_bars

    dist = res.likert_dist[population]
    items = list(res.items[population])
    levels = list(res.likert)[::-1]  # most negative first
    fig, axes = plt.subplots(1, 2, figsize=(9.2, 0.5 * len(items) + 1.6), sharey=True)
    for ax, group in zip(axes, (REGION, REST), strict=True):
        sub = dist[dist["group"] == group].assign(lab=lambda d: d["label"].map(_short))
        likert_bars(sub, item="lab", level="level", levels=levels, sort=False,
                    items=[_short(res.items[population][i]) for i in items], ax=ax)
        ax.set_title(group, fontsize=10, fontweight="bold", pad=30)
    leg = axes[1].get_legend()
    if leg is not None:
        leg.remove()
    axes[1].tick_params(axis="y", labelleft=False)
    fig.subplots_adjust(wspace=0.18)
    fig.text(0.01, -0.02, SOURCE, fontsize=7, color="#6B6B6B", ha="left", va="top")
    return fig


def share_figure(res: Results, population: str):
    """Dot-and-whisker plot of % satisfied per item: region vs rest of France (zoomed axis)."""
    import matplotlib.pyplot as plt

    from arefie_studies.charts import PALETTE, format_pct_fr, house_style

    share = res.share[population]
    items = list(res.items[population])
    with house_style():
        fig, ax = plt.subplots(figsize=(7.0, 0.36 * len(items) + 1.0))
        ys = np.arange(len(items))[::-1]
        for k, (group, color) in enumerate(((REGION, PALETTE[0]), (REST, PALETTE[1]))):
            sub = share[share["group"] == group].set_index("item").loc[items]
            pos = ys + (0.14 if k == 0 else -0.14)
            est = sub["estimate"].to_numpy()
            err = np.vstack([est - sub["ci_low"].to_numpy(), sub["ci_high"].to_numpy() - est])
            ax.errorbar(est, pos, xerr=err, fmt="o", color=color, ecolor=color, capsize=2.5,
                        markersize=5, label=group, zorder=3)
        ax.set_yticks(ys, [_short(res.items[population][i], 40) for i in items])
        lo = float(share["ci_low"].min())
        ax.set_xlim(max(0.0, np.floor(lo * 20) / 20 - 0.05), 1.0)
        ax.xaxis.set_major_formatter(format_pct_fr(0))
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, borderaxespad=0.2)
        ax.grid(axis="y", visible=False)
        fig.text(0.01, -0.02, SOURCE, fontsize=7, color="#6B6B6B", ha="left", va="top")
    return fig


def trend_figure(res: Results, population: str, items: Sequence[str] | None = None):
    """Small multiples: % satisfied per year, region vs nation, with 95 % CI bands."""
    from arefie_studies.charts import PALETTE, small_multiples, trend

    tr = res.trend[population]
    items = list(items or res.items[population])
    tr = tr[tr["item"].isin(items)].assign(panel=lambda d: d["label"].map(lambda s: _short(s, 30)))
    order = [_short(res.items[population][i], 30) for i in items]
    ncols = 2 if len(items) > 1 else 1
    lo = float(tr["ci_low"].min())
    ylim = (max(0.0, np.floor(lo * 20) / 20 - 0.02), 1.0)

    def draw(d, ax):
        trend(d, x="annee", group="group", group_order=[REGION, NATION], colors=[PALETTE[0], PALETTE[2]],
              label_last=False, ylim=ylim, ax=ax)

    fig = small_multiples(tr, "panel", draw, order=order, ncols=ncols,
                          panel_size=(3.6, 2.1) if ncols == 2 else (6.4, 2.8))
    handles, labels = fig.axes[0].get_legend_handles_labels()
    for ax in fig.axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.01, 1.0 + 0.25 / fig.get_figheight()),
               ncols=2, frameon=False, fontsize=8.5)
    fig.text(0.01, 0.0, SOURCE + " Bandes" + NNBSP + ": intervalle de confiance à 95" + NNBSP + "%.",
             fontsize=7, color="#6B6B6B", ha="left", va="top")
    return fig


# --------------------------------------------------------------------------- MLs
def ml_table(res: Results, population: str, item: str | None = None) -> str:
    """Each ML of the region: answers, % satisfied with CI, difference to the rest of the region."""
    item = item or next(iter(res.items[population]))
    ml = res.ml[population]
    ml = ml[ml["item"] == item]
    region = res.pooled[population].set_index(["item", "group"]).loc[(item, REGION)]
    thr = res.threshold
    rows = []
    for r in ml.itertuples(index=False):
        name = f'<th scope="row">{escape(str(r.ml_nom))}</th>'
        if r.n == 0:
            rows.append(f'<tr>{name}<td>0</td><td class="suppressed" colspan="2">aucune réponse</td></tr>')
        elif r.hidden:
            text = f"{TOO_FEW} (moins de {thr} réponses)" if r.primary else SUPPRESSED_MARK
            n_text = f"<{NNBSP}{thr}" if r.primary else SUPPRESSED_MARK
            rows.append(f"<tr>{name}{_hidden_cell(r.n, n_text)}{_hidden_cell(r.n, text, 2)}</tr>")
        else:
            mark = _mark(r.diff, r.p_value)
            rows.append(f'<tr>{name}<td data-n="{int(r.n)}">{fmt_int(r.n)}</td>'
                        f"{_ci_cell(r.estimate, r.ci_low, r.ci_high, r.n, mark)}"
                        f'<td data-n="{int(r.n)}">{fmt_pct_points(r.diff)}'
                        f'<span class="ci">{_p_text(r.p_value)}</span></td></tr>')
    rows.append(f'<tr class="question"><th>{REGION}</th><td data-n="{int(region["n"])}">{fmt_int(region["n"])}'
                f'</td>{_ci_cell(region["estimate"], region["ci_low"], region["ci_high"], region["n"])}'
                "<td></td></tr>")
    years = _years(res.ml_waves[population])
    notes = [
        f"Réponses {years} cumulées. Part de « très » ou « plutôt » satisfaits ; entre crochets"
        + NNBSP + ": intervalle de confiance à 95" + NNBSP + "% (Korn–Graubard).",
        "Écart" + NNBSP + ": Mission Locale moins le reste de la région, en points ; " + UP + " / "
        + DOWN + NNBSP + ": écart significatif au seuil de 5" + NNBSP + "%.",
        f"« {TOO_FEW} »" + NNBSP + f": moins de {thr} réponses, résultat non publié. "
        + disclosure_rule_text(thr), SOURCE,
    ]
    label = res.items[population][item]
    title = f"{label} ({POPULATION_FR[population]}, {years}) : chaque Mission Locale et la région"
    return _table(title, ["Réponses", "% satisfaits", "Écart (pts)"], rows, notes, thr,
                  stub="Mission Locale", fits=False)


def ml_dot_figure(res: Results, population: str, item: str | None = None):
    """% satisfied per published ML with its CI, sorted, the region's value as a line; MLs with
    too few answers are listed under the chart."""
    import matplotlib.pyplot as plt

    from arefie_studies.charts import ACCENT, GREY, PRIMARY, format_pct_fr, house_style

    item = item or next(iter(res.items[population]))
    ml = res.ml[population]
    ml = ml[ml["item"] == item]
    shown = ml[~ml["hidden"]].sort_values("estimate")
    hidden = ml[ml["hidden"]]
    region = res.pooled[population].set_index(["item", "group"]).loc[(item, REGION)]
    with house_style():
        fig, ax = plt.subplots(figsize=(7.0, 0.16 * len(shown) + 1.2))
        ys = np.arange(len(shown))
        est = shown["estimate"].to_numpy()
        err = np.vstack([est - shown["ci_low"].to_numpy(), shown["ci_high"].to_numpy() - est])
        colors = [ACCENT if m else PRIMARY for m in
                  (np.isfinite(shown["p_value"]) & (shown["p_value"] < 0.05))]
        ax.errorbar(est, ys, xerr=err, fmt="none", ecolor=GREY, elinewidth=0.9, capsize=1.5, zorder=2)
        ax.scatter(est, ys, c=colors, s=18, zorder=3)
        ax.axvline(region["estimate"], color=PRIMARY, linestyle="--", linewidth=1)
        ax.text(region["estimate"], len(shown) - 0.3, f" {REGION} : {fmt_pct(region['estimate'])}",
                fontsize=7.5, color=PRIMARY, va="bottom")
        ax.set_yticks(ys, shown["ml_nom"].astype(str).tolist(), fontsize=7)
        lo = float(shown["ci_low"].min()) if len(shown) else 0.5
        ax.set_xlim(max(0.0, np.floor(lo * 10) / 10), 1.005)
        ax.set_ylim(-0.8, len(shown) + 0.6)
        ax.xaxis.set_major_formatter(format_pct_fr(0))
        ax.grid(axis="y", visible=False)
        note = "Points orange" + NNBSP + ": écart significatif avec le reste de la région (5" + NNBSP + "%)."
        if len(hidden):
            note += (f"\nNon représentées ({TOO_FEW} ou secret statistique)" + NNBSP + ": "
                     + ", ".join(hidden["ml_nom"].astype(str)) + ".")
        import textwrap

        fig.text(0.01, -0.01, "\n".join(textwrap.fill(t, 120) for t in (note + "\n" + SOURCE).split("\n")),
                 fontsize=7, color="#6B6B6B", ha="left", va="top")
    return fig


def ml_profile_table(res: Results, population: str, ml: int) -> str:
    """One ML: items × (the ML, the region, the nation, difference ML − rest of the region)."""
    from arefie_studies.studies.barometre import ml_profile

    prof = ml_profile(res, population, ml).set_index(["item", "group"])
    name = res.ml_names[ml]
    thr = res.threshold
    rows = []
    for item, label in res.items[population].items():
        own = prof.loc[(item, name)]
        if own["n"] == 0:
            tds = ['<td class="suppressed">aucune réponse</td>', "<td></td>"]
        elif own["hidden"]:
            text = (f"{TOO_FEW} (moins de {thr} réponses)" if own["n"] < thr else SUPPRESSED_MARK)
            tds = [_hidden_cell(own["n"], text), _hidden_cell(own["n"], "–")]
        else:
            mark = _mark(own["diff"], own["p_value"])
            tds = [_ci_cell(own["estimate"], own["ci_low"], own["ci_high"], own["n"], mark),
                   f'<td data-n="{int(own["n"])}">{fmt_pct_points(own["diff"])}'
                   f'<span class="ci">{_p_text(own["p_value"])}</span></td>']
        for g in (REGION, NATION):
            r = prof.loc[(item, g)]
            tds.insert(-1, _ci_cell(r["estimate"], r["ci_low"], r["ci_high"], r["n"]))
        rows.append(f'<tr><th scope="row">{escape(label)}</th>{"".join(tds)}</tr>')
    years = _years(res.ml_waves[population])
    notes = [
        f"Réponses {years} cumulées. Part de « très » ou « plutôt » satisfaits parmi les avis "
        "exprimés ; entre crochets" + NNBSP + ": intervalle de confiance à 95" + NNBSP + "%.",
        "Écart" + NNBSP + ": la Mission Locale moins le reste de la région, en points ; " + UP + " / "
        + DOWN + NNBSP + ": écart significatif au seuil de 5" + NNBSP + "%.",
        f"« {TOO_FEW} »" + NNBSP + f": moins de {thr} réponses, résultat non publié. "
        + disclosure_rule_text(thr), SOURCE,
    ]
    title = f"Satisfaction des {POPULATION_FR[population]} ({years}) : {name}, la région et la France"
    return _table(title, [name, REGION, NATION, "Écart (pts)"], rows, notes, thr, stub="Item", wide=True)


def ml_trend_figure_available(res: Results, ml: int) -> bool:
    """True when the ML has at least two years with enough answers for its trend line."""
    from arefie_studies.studies.barometre import ml_trend

    return int((ml_trend(res, ml)["group"] == res.ml_names[ml]).sum()) >= 2


def ml_trend_figure(res: Results, ml: int):
    """Overall satisfaction of the youths per year: the ML (years with enough answers), the
    region and the nation, with CI bands (call when :func:`ml_trend_figure_available`)."""
    from arefie_studies.charts import PALETTE, trend
    from arefie_studies.studies.barometre import ml_trend

    tr = ml_trend(res, ml)
    name = res.ml_names[ml]
    fig = trend(tr, x="annee", group="group", group_order=[name, REGION, NATION],
                colors=[PALETTE[1], PALETTE[0], PALETTE[2]], label_last=False,
                source=SOURCE + " Années d’au moins " + str(res.threshold) + " réponses pour la "
                "Mission Locale.")
    return fig


# --------------------------------------------------------------------------- annex and renderer
# --------------------------------------------------------------------------- texts
def _est(row) -> str:
    return f"{fmt_pct(row['estimate'])} {fmt_ci(row['ci_low'], row['ci_high'])}"


def _la(name: str) -> str:
    """'ML de Lille' -> 'la ML de Lille' (the names start with "ML")."""
    return f"la {name}" if name.startswith("ML ") else name


def _sat(population: str) -> str:
    return "satisfaites" if population == "entreprises" else "satisfaits"


def _verdict(diff: float, p: float, population: str = "jeunes") -> str:
    if not np.isfinite(p) or p >= 0.05:
        return "l’écart n’est pas significatif au seuil de 5" + NNBSP + "%"
    sense = "plus" if diff > 0 else "moins"
    return f"significativement {sense} {_sat(population)} ({_p_text(p)})"


def key_findings(res: Results, population: str) -> str:
    """French Markdown: overall satisfaction, region vs rest, count of items above / below."""
    first = next(iter(res.items[population]))
    share = res.share[population].set_index(["item", "group"])
    diff = res.diff[population].set_index("item")
    d = diff.loc[first]
    sig = diff[diff["p_value"] < 0.05]
    up, down = int((sig["diff"] > 0).sum()), int((sig["diff"] < 0).sum())
    n_items = len(res.items[population])
    who = POPULATION_FR[population]
    text = (
        f"En {res.wave}, **{fmt_pct(share.loc[(first, REGION), 'estimate'])}** des {who} des "
        f"Hauts-de-France se déclarent {_sat(population)} de leur Mission Locale "
        f"(intervalle de confiance à 95{NNBSP}% {fmt_ci(share.loc[(first, REGION), 'ci_low'], share.loc[(first, REGION), 'ci_high'])}), "
        f"contre {_est(share.loc[(first, REST)])} dans le reste de la France : "
        f"écart de {fmt_pct_points(d['diff'])}, {_verdict(d['diff'], d['p_value'], population)}. "
    )
    if up or down:
        parts = []
        if up:
            parts.append(f"{up} item{'s' if up > 1 else ''} sur {n_items} au-dessus du reste de la France")
        if down:
            parts.append(f"{down} en dessous")
        text += "La région se situe " + " et ".join(parts) + " (écarts significatifs au seuil de 5" + NNBSP + "%)."
    else:
        text += f"Aucun des {n_items} items ne s’écarte significativement du reste de la France."
    return text


def trend_text(res: Results, population: str) -> str:
    """French Markdown: first and last wave of the overall item, region and nation."""
    first = next(iter(res.items[population]))
    tr = res.trend[population]
    tr = tr[tr["item"] == first]
    y0, y1 = int(tr["annee"].min()), int(tr["annee"].max())
    r = tr.set_index(["annee", "group"])
    return (f"Entre {y0} et {y1}, la satisfaction globale passe de {fmt_pct(r.loc[(y0, REGION), 'estimate'])} "
            f"à {fmt_pct(r.loc[(y1, REGION), 'estimate'])} dans la région et de "
            f"{fmt_pct(r.loc[(y0, NATION), 'estimate'])} à {fmt_pct(r.loc[(y1, NATION), 'estimate'])} "
            "en France. Les bandes colorées donnent l’intervalle de confiance à 95" + NNBSP + "% de chaque année.")


def ml_text(res: Results, population: str) -> str:
    """French Markdown: how many MLs are published, above / below the rest of the region."""
    first = next(iter(res.items[population]))
    ml = res.ml[population]
    ml = ml[ml["item"] == first]
    shown = ml[~ml["hidden"]]
    sig = shown[shown["p_value"] < 0.05]
    years = _years(res.ml_waves[population])
    count = f"Les {len(ml)}" if len(shown) == len(ml) else f"{len(shown)} des {len(ml)}"
    text = (f"Les réponses {years} sont cumulées pour disposer d’effectifs suffisants par Mission "
            f"Locale. {count} Missions Locales ont au moins {res.threshold} réponses publiables")
    hidden = len(ml) - len(shown)
    text += (f" ; pour les {hidden} autres, le résultat n’est pas publié (« {TOO_FEW} » ou secret "
             "statistique)." if hidden else ".")
    up, down = int((sig["diff"] > 0).sum()), int((sig["diff"] < 0).sum())
    if not up and not down:
        return text + " Aucune ne s’écarte significativement du reste de la région (seuil de 5" + NNBSP + "%)."
    text += f" Au seuil de 5{NNBSP}%, {up} se situe{'nt' if up > 1 else ''} au-dessus du reste de la région"
    return text + f" et {down} en dessous."


def annex_texts(res: Results) -> dict[str, str]:
    """Methods-annex Markdown: sample, weighting, variance, disclosure, notes."""
    rows = ["| Année | Jeunes : Hauts-de-France | Jeunes : reste de la France | Entreprises : Hauts-de-France | Entreprises : reste de la France |",
            "|---|---:|---:|---:|---:|"]
    sj = res.sizes["jeunes"].set_index("annee")
    se = res.sizes["entreprises"].set_index("annee")
    for y in sj.index:
        e_r = fmt_int(se.loc[y, "region"]) if y in se.index else "–"
        e_o = fmt_int(se.loc[y, "rest"]) if y in se.index else "–"
        rows.append(f"| {y} | {fmt_int(sj.loc[y, 'region'])} | {fmt_int(sj.loc[y, 'rest'])} | {e_r} | {e_o} |")
    w = res.weights
    return {
        "sample": (
            "Baromètre national de satisfaction de l’Union nationale des Missions Locales : "
            "questionnaire en ligne proposé chaque année aux jeunes accompagnés (depuis 2018) et "
            "aux entreprises partenaires (depuis 2023) des Missions Locales des 13 régions "
            f"métropolitaines ; les Hauts-de-France comptent {len(res.ml_names)} Missions Locales. "
            "Items à quatre modalités (très, plutôt, plutôt pas, pas du tout satisfait) ; la réponse "
            "« Ne sait pas » est exclue des pourcentages. Nombre de réponses par année :\n\n"
            + "\n".join(rows)),
        "weighting": (
            "Les réponses des jeunes sont pondérées par le poids fourni avec le fichier national "
            "(post-stratification de chaque année sur la région et le sexe des jeunes accompagnés). "
            f"En {res.wave}{NNBSP}: poids de {fmt_num(w['min'], 2)} à "
            f"{fmt_num(w['max'], 2)} (médiane "
            f"{fmt_num(w['median'], 2)}), taille effective "
            f"d’échantillon (Kish) {fmt_int(w['n_eff'])} pour {fmt_int(w['n'])} réponses, effet de "
            f"plan dû à la pondération {fmt_num(w['deff_w'], 2)}. "
            "Le fichier des entreprises ne comporte pas de poids : leurs résultats sont non pondérés."),
        "variance": (
            "Chaque année est traitée comme une enquête stratifiée par région et en grappes par "
            "Mission Locale (les réponses d’une même Mission Locale se ressemblent) ; les variances "
            "sont estimées par linéarisation, comme le fait le package R *survey* (plan stratifié à "
            "un degré, grappes emboîtées dans les strates). Intervalles de confiance à 95" + NNBSP + "% des pourcentages par la "
            "méthode logit (R `svyciprop`), avec les degrés de liberté du plan. Écart région – reste "
            "de la France : différence de deux domaines et son écart-type linéarisé, test de Student "
            "(degrés de liberté du plan) ; répartition des quatre réponses : test de Rao–Scott (fonction "
            "svychisq de R, statistique F). Missions Locales : chaque Mission Locale est un domaine fixe "
            "(strate), comparée au reste de la région ; intervalles de Korn–Graubard, adaptés aux "
            "petits effectifs (Clopper–Pearson sur la taille effective lorsque toutes les réponses "
            "sont satisfaites) ; pour le test, la variance d’une Mission Locale ne descend pas sous "
            "la variance binomiale au taux régional, afin qu’un petit effectif à 100" + NNBSP + "% ne "
            "paraisse pas significatif à tort."),
        "disclosure": (
            f"Aucun résultat n’est publié sur moins de {res.threshold} réponses ; la mention "
            f"« {TOO_FEW} » l’indique pour une Mission Locale. Un masquage complémentaire (« "
            f"{SUPPRESSED_MARK} ») empêche de retrouver un résultat masqué par différence avec le "
            "total régional. Aucune donnée individuelle ni aucun identifiant ne figurent dans ce rapport."),
    }


def regional_intro(res: Results) -> str:
    """French Markdown opening the regional report."""
    sj = res.sizes["jeunes"].set_index("annee").loc[res.wave]
    first = next(iter(res.items["jeunes"]))
    ent = res.share["entreprises"].set_index(["item", "group"])
    young = res.share["jeunes"].set_index(["item", "group"])
    return (
        f"Ce rapport présente la déclinaison régionale du baromètre national de satisfaction des "
        f"Missions Locales pour l’année {res.wave} : les Hauts-de-France comparés au reste de la "
        f"France sur chaque item, l’évolution depuis {res.waves['jeunes'][0]} (jeunes) et "
        f"{res.waves['entreprises'][0]} (entreprises), et chacune des {len(res.ml_names)} Missions "
        f"Locales de la région comparée au reste de la région. En {res.wave}, "
        f"{fmt_int(sj['region'])} jeunes de la région ont répondu.\n\n"
        f"- **Jeunes** : {_est(young.loc[(first, REGION)])} de satisfaits dans la région, "
        f"{_est(young.loc[(first, REST)])} dans le reste de la France.\n"
        f"- **Entreprises** : {_est(ent.loc[(first, REGION)])} de satisfaites dans la région, "
        f"{_est(ent.loc[(first, REST)])} dans le reste de la France.\n\n"
        "Tous les pourcentages sont accompagnés de leur intervalle de confiance à 95" + NNBSP + "% "
        "(entre crochets) ; les écarts sont testés en tenant compte du plan de sondage."
    )


def ml_intro(res: Results, ml: int) -> str:
    """French Markdown opening a per-ML report."""
    name = res.ml_names[ml]
    return (
        f"Ce document présente les résultats du baromètre de satisfaction pour **{_la(name)}**, "
        f"à côté de ceux de la région Hauts-de-France et de la France entière. Pour disposer "
        f"d’effectifs suffisants, les réponses {_years(res.ml_waves['jeunes'])} (jeunes) et "
        f"{_years(res.ml_waves['entreprises'])} (entreprises) sont cumulées. Un résultat fondé sur "
        f"moins de {res.threshold} réponses n’est pas publié (mention « {TOO_FEW} »)."
    )


def ml_profile_text(res: Results, population: str, ml: int) -> str:
    """French Markdown: the ML's overall satisfaction beside the region's, or why it is hidden."""
    from arefie_studies.studies.barometre import ml_profile

    first = next(iter(res.items[population]))
    prof = ml_profile(res, population, ml).set_index(["item", "group"])
    name = res.ml_names[ml]
    own = prof.loc[(first, name)]
    region = prof.loc[(first, REGION)]
    who = POPULATION_FR[population]
    years = _years(res.ml_waves[population])
    if own["hidden"] or own["n"] == 0:
        return (f"Pour les {who}, {_la(name)} compte moins de {res.threshold} réponses en {years} "
                f"(ou son résultat est masqué par le secret statistique) : ses résultats ne sont pas "
                f"publiés. Pour mémoire, {_est(region)} des {who} de la région sont {_sat(population)}.")
    return (f"En {years}, **{fmt_pct(own['estimate'])}** des {who} de {_la(name)} se déclarent {_sat(population)} "
            f"{fmt_ci(own['ci_low'], own['ci_high'])} ({fmt_int(own['n'])} réponses), contre "
            f"{_est(region)} dans la région : écart de {fmt_pct_points(own['diff'])} avec le reste de "
            f"la région, {_verdict(own['diff'], own['p_value'], population)}.")


def ml_trend_missing(res: Results, ml: int) -> str:
    """French Markdown when an ML has too few answers for a yearly trend."""
    return (f"{_la(res.ml_names[ml])[:1].upper()}{_la(res.ml_names[ml])[1:]} compte moins de {res.threshold} réponses de jeunes pour la plupart "
            "des années : l’évolution annuelle n’est pas publiée (« " + TOO_FEW + " »).")


def build_report(res: Results, ml: int | None) -> Report:
    """The regional report (``ml`` None) or the report of one Mission Locale, as blocks."""
    r = Report()
    r.add(*(Annex(key, text) for key, text in annex_texts(res).items()))
    r.add(Heading("Synthèse", 1, "synthese"),
          Paragraph(regional_intro(res) if ml is None else ml_intro(res, ml)))
    waves_y, waves_e = res.waves["jeunes"], res.waves["entreprises"]
    r.add(Heading("Les jeunes accompagnés", 1, "jeunes"))
    if ml is None:
        r.add(Heading(f"Hauts-de-France et reste de la France en {res.wave}", 2, "jeunes-region"),
              Paragraph(key_findings(res, "jeunes")),
              Figure(lambda: likert_figure(res, "jeunes"),
                     f"Répartition des réponses des jeunes accompagnés, {res.wave} : Hauts-de-France "
                     "et reste de la France"),
              Figure(lambda: share_figure(res, "jeunes"),
                     f"Part de jeunes satisfaits (très ou plutôt) par item, {res.wave}, avec "
                     "intervalles de confiance à 95" + NNBSP + "%"),
              Table(share_table(res, "jeunes"), name="jeunes-region"),
              Heading(f"Évolution depuis {waves_y[0]}", 2, "jeunes-evolution"),
              Paragraph(trend_text(res, "jeunes")),
              Figure(lambda: trend_figure(res, "jeunes"),
                     f"Part de jeunes satisfaits par année, Hauts-de-France et France entière, "
                     f"{waves_y[0]}-{waves_y[-1]}"),
              Heading("Les Missions Locales de la région", 2, "jeunes-ml"),
              Paragraph(ml_text(res, "jeunes")),
              Figure(lambda: ml_dot_figure(res, "jeunes"),
                     "Satisfaction globale des jeunes par Mission Locale, avec intervalles de "
                     "confiance à 95" + NNBSP + "%"),
              Table(ml_table(res, "jeunes"), name="jeunes-ml"),
              Heading("Les entreprises partenaires", 1, "entreprises"),
              Heading(f"Hauts-de-France et reste de la France en {res.wave}", 2, "entreprises-region"),
              Paragraph(key_findings(res, "entreprises")),
              Figure(lambda: likert_figure(res, "entreprises"),
                     f"Répartition des réponses des entreprises, {res.wave} : Hauts-de-France et "
                     "reste de la France"),
              Table(share_table(res, "entreprises"), name="entreprises-region"),
              Heading(f"Évolution depuis {waves_e[0]}", 2, "entreprises-evolution"),
              Paragraph(trend_text(res, "entreprises")),
              Figure(lambda: trend_figure(res, "entreprises"),
                     f"Part d’entreprises satisfaites par année, Hauts-de-France et France entière, "
                     f"{waves_e[0]}-{waves_e[-1]}"),
              Heading("Les Missions Locales de la région", 2, "entreprises-ml"),
              Paragraph(ml_text(res, "entreprises")),
              Table(ml_table(res, "entreprises"), name="entreprises-ml"))
        return r
    r.add(Paragraph(ml_profile_text(res, "jeunes", ml)),
          Table(ml_profile_table(res, "jeunes", ml), name="jeunes-ml"),
          Heading("Évolution de la satisfaction globale", 2, "jeunes-evolution"))
    if ml_trend_figure_available(res, ml):
        r.add(Figure(lambda: ml_trend_figure(res, ml),
                     f"Satisfaction globale des jeunes par année : {res.ml_names[ml]}, la région et la France"))
    else:
        r.add(Paragraph(ml_trend_missing(res, ml)))
    r.add(Heading("Les entreprises partenaires", 1, "entreprises"),
          Paragraph(ml_profile_text(res, "entreprises", ml)),
          Table(ml_profile_table(res, "entreprises", ml), name="entreprises-ml"))
    return r
