"""Every figure of the CEJ reports, computed once for the region and the 42 Missions Locales.

Each function returns tidy frames (see :mod:`._cej_estimates`) already decided for disclosure;
:func:`arefie_studies.studies.cej.compute` gathers them into ``CejResults``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies.studies._cej_data import CejData, CejInputError, first_employment
from arefie_studies.studies._cej_estimates import (
    REGION,
    binary,
    distribution,
    means,
    protect_distribution,
    ratios,
)
from arefie_studies.studies._cej_sequences import (
    ALPHABET,
    ALTERNANCE,
    DURABLE,
    EMPLOYED,
    POSITIVE,
    STATES,
    build_sequences,
    compute_typology,
)
from arefie_studies.tables import presentation_rule, protect_table

__all__ = [
    "DURATION_CLASSES",
    "EXIT_INDICATORS",
    "PROFILE_VARIABLES",
    "allowance",
    "durations",
    "entries",
    "exit_flags",
    "exits",
    "hours",
    "profile",
    "sequences",
    "survival",
    "typology_tables",
]

#: Profile variables compared with all ML youths (names as in profil_ml_2024.csv) → French label.
PROFILE_VARIABLES = {
    "sexe": "Sexe",
    "tranche_age": "Âge à l'entrée",
    "qualification": "Niveau de qualification",
    "qpv": "Réside en quartier prioritaire (QPV)",
    "rqth": "Reconnaissance de travailleur handicapé (RQTH)",
    "logement": "Situation de logement",
}
DURATION_CLASSES = ["3 mois ou moins", "4 à 6 mois", "7 à 9 mois", "10 à 12 mois", "Plus de 12 mois"]
#: Exit indicators (key → states counted), in the glossary's sense: durable employment excludes
#: alternance, which has its own indicator.
EXIT_INDICATORS = {"emploi": EMPLOYED, "emploi_durable": DURABLE, "alternance": ALTERNANCE,
                   "positive": POSITIVE}
EXIT_BREAKDOWNS = {"sexe": "Sexe", "tranche_age": "Âge à l'entrée", "qualification": "Niveau de qualification",
                   "qpv": "Réside en QPV"}
#: Exit indicators shown in the table of situations after entry (``indicators`` of ``tables.sorties``).
EXIT_LABELS = {"emploi": "En emploi", "emploi_durable": "En emploi durable", "alternance": "En alternance"}


def _ml_names(data: CejData) -> dict[str, str]:
    return dict(zip(data.ml_ref["ml_code"], data.ml_ref["ml_nom"], strict=True))


# ------------------------------------------------------------------ overview, entries
def overview(data: CejData) -> pd.DataFrame:
    """Per territory: name, youths, ended and running contracts, first and last month of entry,
    share of the region's entries."""
    j = data.youths
    names = {REGION: "Hauts-de-France", **_ml_names(data)}
    rows = []
    for code, name in names.items():
        s = j if code == REGION else j[j["ml_code"] == code]
        rows.append({"territory": code, "name": name, "youths": len(s), "ended": int(s["termine"].sum()),
                     "running": int((~s["termine"]).sum()), "share_region": len(s) / len(j),
                     "first_month": str(j["mois_entree"].min()), "last_month": str(j["mois_entree"].max())})
    return pd.DataFrame(rows)


def entries(data: CejData, threshold: int) -> dict[str, pd.DataFrame]:
    """Entries by month and département (figure), by quarter and ML (figure of an ML report, each
    year's quarters protected as a distribution of the year's total), and by year: départements ×
    years for the region (:func:`protect_table`), each ML's years (a distribution of its total)."""
    j = data.youths
    months = pd.period_range(j["mois_entree"].min(), j["mois_entree"].max(), freq="M")
    tab = pd.crosstab(j["mois_entree"], j["departement"].astype(str)).reindex(months, fill_value=0)
    by_month = tab.stack().rename("n").reset_index()
    by_month.columns = ["month", "departement", "n"]
    by_month["month"] = by_month["month"].astype(str)
    year = j["date_entree"].dt.year
    quarter = j["date_entree"].dt.to_period("Q")
    q = pd.crosstab(quarter, j["ml_code"]).reindex(
        pd.period_range(quarter.min(), quarter.max(), freq="Q"), fill_value=0)
    qrows = []
    for code in q.columns:
        for y in sorted(set(p.year for p in q.index)):
            sel = q.index.year == y
            n = q.loc[sel, code].to_numpy()
            hid, _ = protect_distribution(n, threshold)
            for p, v, h in zip(q.index[sel], n, hid, strict=True):
                qrows.append({"territory": code, "quarter": str(p), "n": int(v), "hidden": bool(h)})
    years = sorted(year.unique())
    dep = pd.crosstab(j["departement"].astype(str), year).reindex(columns=years, fill_value=0)
    _, hid = protect_table(dep.to_numpy(float), threshold)
    yrows = []
    for i, d in enumerate([*dep.index, "Hauts-de-France"]):
        vals = [*dep.iloc[i].to_numpy(), dep.iloc[i].sum()] if i < len(dep) else [*dep.sum().to_numpy(), len(j)]
        for k, (y, v) in enumerate(zip([*years, "Total"], vals, strict=True)):
            yrows.append({"territory": REGION, "row": d, "year": str(y), "n": int(v), "hidden": bool(hid[i, k])})
    mly = pd.crosstab(j["ml_code"], year).reindex(columns=years, fill_value=0)
    for code, r in mly.iterrows():
        hidden, tot = protect_distribution(r.to_numpy(), threshold)
        for y, v, h in zip(years, r.to_numpy(), hidden, strict=True):
            yrows.append({"territory": code, "row": code, "year": str(y), "n": int(v), "hidden": bool(h)})
        yrows.append({"territory": code, "row": code, "year": "Total", "n": int(r.sum()), "hidden": tot})
    return {"entries_month": by_month, "entries_quarter_ml": pd.DataFrame(qrows),
            "entries_year": pd.DataFrame(yrows)}


# ------------------------------------------------------------------ profile, durations, end reasons
def profile(data: CejData, threshold: int) -> pd.DataFrame:
    """Profile of CEJ youths (shares, Korn–Graubard CI) beside all youths accompanied by the same territory
    (``profil_ml_2024``: the region's sum, or the ML's own counts): ``ml_share`` and ``diff``."""
    j, ref = data.youths, data.ml_profiles
    out = []
    for var, label in PROFILE_VARIABLES.items():
        r = ref[ref["variable"] == var]
        levels = (list(j[var].cat.categories) if isinstance(j[var].dtype, pd.CategoricalDtype)
                  else list(dict.fromkeys(r["modalite"])))
        levels += [lv for lv in dict.fromkeys(r["modalite"]) if lv not in levels]
        d = distribution(j, var, threshold, levels=levels)
        reg = r.groupby("modalite")["effectif"].sum()
        own = r.groupby(["ml_code", "modalite"])["effectif"].sum()
        counts = []
        for t in d["territory"].unique():
            c = reg if t == REGION else own.loc[t] if t in own.index.get_level_values(0) else pd.Series(dtype=float)
            c = c.reindex(levels, fill_value=0)
            counts.append(pd.DataFrame({"territory": t, "level": levels, "ml_count": c.to_numpy(),
                                        "ml_share": c.to_numpy() / max(c.sum(), 1)}))
        d = d.merge(pd.concat(counts), on=["territory", "level"], how="left")
        d.insert(0, "variable", var)
        d.insert(1, "variable_label", label)
        out.append(d)
    res = pd.concat(out, ignore_index=True)
    res["diff"] = res["estimate"] - res["ml_share"]
    return res


def cohort_end(extraction: pd.Timestamp, horizon_long: int) -> pd.Timestamp:
    """First day of the month ``horizon_long`` months before the extraction: every contract of
    the youths who entered before it has ended (18 months at most)."""
    return (extraction - pd.DateOffset(months=horizon_long)).to_period("M").to_timestamp()


def durations(data: CejData, threshold: int, horizon_long: int) -> dict[str, pd.DataFrame]:
    """Classes and mean duration (months) of the fully observed cohort; end reasons of the ended
    contracts."""
    j = data.youths
    cohort = (j["date_entree"] < cohort_end(data.extraction, horizon_long)).to_numpy()
    cls = np.digitize(np.round(j["duree_mois"].to_numpy()), [3.5, 6.5, 9.5, 12.5])
    f = j[["ml_code", "duree_mois", "motif_fin"]].assign(
        classe=pd.Categorical.from_codes(cls, categories=DURATION_CLASSES))
    d = distribution(f, "classe", threshold, mask=cohort)
    m = means(f, "duree_mois", threshold, mask=cohort)
    e = distribution(f, "motif_fin", threshold, mask=j["termine"].to_numpy())
    return {"durations": d, "duration_mean": m, "end_reasons": e}


# ------------------------------------------------------------------ weekly hours, allowance
def hours(data: CejData, threshold: int) -> dict[str, pd.DataFrame]:
    """Share of weeks under the hours threshold and mean weekly hours: ratios over the youths'
    weeks (the youth as unit) for the region, each ML and département; by month of contract."""
    ym = data.weekly
    youth = ym.groupby(["row", "ml_code"], as_index=False)[["weeks", "low_weeks", "hours"]].sum()
    dep = dict(zip(data.ml_ref["ml_code"], data.ml_ref["departement_nom"], strict=True))
    youth["departement"] = youth["ml_code"].map(dep)
    low = ratios(youth, "low_weeks", "weeks", threshold)
    low = pd.concat([low, ratios(youth, "low_weeks", "weeks", threshold, by="departement")], ignore_index=True)
    mean = ratios(youth, "hours", "weeks", threshold)
    mean = pd.concat([mean, ratios(youth, "hours", "weeks", threshold, by="departement")], ignore_index=True)
    weeks = pd.concat([youth.groupby("ml_code")["weeks"].sum(), youth.groupby("departement")["weeks"].sum(),
                       pd.Series({REGION: youth["weeks"].sum()})])
    h = low.merge(mean[["territory", "estimate", "ci_low", "ci_high", "se", "df"]], on="territory",
                  suffixes=("", "_hours"))
    h["weeks"] = h["territory"].map(weeks).astype(int)
    h["level"] = np.where(h["territory"].isin(set(dep.values())), "departement",
                          np.where(h["territory"] == REGION, REGION, "ml"))
    by_month = []
    for m, g in ym.groupby("mois", sort=True):
        r = ratios(g, "low_weeks", "weeks", threshold)
        by_month.append(r.assign(mois=int(m)))
    return {"hours": h, "hours_by_month": pd.concat(by_month, ignore_index=True)}


def allowance(data: CejData, threshold: int) -> dict[str, pd.DataFrame]:
    """Allowance paid: per territory the youths paid, the monthly payments, the mean monthly
    amount (ratio Σ amount / Σ payments, the youth as unit), the mean number of payments and total
    per youth; kinds of payment; totals by year (region)."""
    p = data.payments
    youth = p.groupby(["id_jeune", "ml_code"], as_index=False, observed=True).agg(total=("montant", "sum"),
                                                                   mois=("montant", "size"))
    rows = []
    for key, est in (("monthly_mean", ratios(youth, "total", "mois", threshold)),
                     ("youth_months", means(youth, "mois", threshold)),
                     ("youth_total", means(youth, "total", threshold))):
        rows.append(est.assign(indicator=key))
    counts = pd.concat([youth.groupby("ml_code")["mois"].agg(["size", "sum"]),
                        pd.DataFrame({"size": [len(youth)], "sum": [youth["mois"].sum()]}, index=[REGION])])
    summary = pd.concat(rows, ignore_index=True)
    summary["youths"] = summary["territory"].map(counts["size"]).astype(int)
    summary["payments"] = summary["territory"].map(counts["sum"]).astype(int)
    types = distribution(p, "type", threshold, psu="id_jeune")  # a youth's payments are a cluster
    by_year = p.groupby(p["mois"].dt.year).agg(amount=("montant", "sum"), payments=("montant", "size"),
                                               youths=("id_jeune", "nunique")).reset_index(names="year")
    by_year["hidden"] = (by_year["youths"] > 0) & (by_year["youths"] < threshold)
    return {"allowance": summary, "allowance_types": types, "allowance_years": by_year}


# ------------------------------------------------------------------ trajectories
def sequences(data: CejData, horizon_long: int) -> np.ndarray:
    """Monthly state codes (youths × ``horizon_long``, -1 = not observed yet), rows as ``youths``."""
    s = build_sequences(data.situations, horizon_long, data.extraction)
    pos = pd.Index(s.ids).get_indexer(data.youths["id_jeune"])
    if (pos < 0).any():
        raise CejInputError(
            f"cej_situations: {(pos < 0).sum()} youths of cej_jeunes have no situation episode. "
            "Hint: the extracts must come from the same i-Milo extraction.")
    return s.codes[pos].astype(np.int8)


def exit_flags(codes: np.ndarray, month: int) -> pd.DataFrame:
    """Per youth, 1/0 for each exit indicator at ``month`` (NaN: not observed then)."""
    col = codes[:, month]
    obs = col >= 0
    idx = {s: i for i, s in enumerate(ALPHABET)}
    return pd.DataFrame({k: np.where(obs, np.isin(col, [idx[s] for s in states]), np.nan)
                         for k, states in EXIT_INDICATORS.items()})


def exits(data: CejData, codes: np.ndarray, threshold: int, exit_months,
          breakdowns=tuple(EXIT_BREAKDOWNS)) -> pd.DataFrame:
    """Situation ``m`` months after entry (column ``m``: the m-th calendar month after the month of
    entry) among the youths observed then: shares in employment, durable employment (glossary),
    alternance and positive situations, for the region, each ML and the region's profile groups
    (``breakdowns``: profile variables, a tuple of them being their crossing « Femme · Bac »,
    breakdown « sexe × qualification »)."""
    from arefie_studies.survey import cross, cross_name

    j = data.youths
    groups = {}
    for b in breakdowns:
        if isinstance(b, str):
            groups[b] = j[b].astype(str).to_numpy()
        else:
            groups[cross_name(b)] = cross(j, list(b)).astype(str).to_numpy()
    out = []
    for m in exit_months:
        fl = exit_flags(codes, int(m))
        fl["ml_code"] = j["ml_code"].to_numpy()
        e = binary(fl, threshold).assign(breakdown="", mois=int(m))
        out.append(e)
        for var, values in groups.items():
            g = fl.drop(columns="ml_code").assign(**{var: values})
            out.append(binary(g, threshold, by=var).assign(breakdown=var, mois=int(m)))
    return pd.concat(out, ignore_index=True)


def typology_tables(data: CejData, codes: np.ndarray, threshold: int, horizon: int, n_types: int) -> dict:
    """The typology of the first ``horizon`` months (OM + Ward), each youth's type, the profile of
    each type and the distribution of the types in each territory."""
    from arefie_studies.methods import StateSequences

    seqs = StateSequences.from_codes(codes[:, :horizon].astype(np.int64), ALPHABET,
                                     labels=[lab for _, lab, _ in STATES], colors=[c for _, _, c in STATES])
    typ = compute_typology(seqs, n_types)
    types = typ.assign(seqs)
    j = data.youths
    f = pd.DataFrame({"ml_code": j["ml_code"].to_numpy(), "type": types})
    dist = distribution(f, "type", threshold, levels=list(typ.names))
    flags = pd.DataFrame({
        "Femmes": j["sexe"].astype(str) == "Femme",
        "Moins de 18 ans": j["tranche_age"].astype(str) == "Moins de 18 ans",
        "Sans diplôme ou brevet": j["qualification"].astype(str) == "Sans diplôme ou brevet",
        "Baccalauréat ou plus": j["qualification"].astype(str).isin(["Baccalauréat", "Diplôme supérieur au bac"]),
        "Réside en QPV": j["qpv"].astype(str) == "Oui",
        "Hébergement précaire ou sans logement":
            j["logement"].astype(str) == "Hébergement précaire ou sans logement",
        "RQTH": j["rqth"].astype(str) == "Oui",
    }).astype(float)
    prof = pd.concat([binary(flags.assign(type=np.asarray(types.astype(str))), threshold, by="type"),
                      binary(flags.assign(type="Ensemble"), threshold, by="type")], ignore_index=True)
    return {"types": np.asarray(types.codes, dtype=np.int8), "type_names": tuple(typ.names), "k": typ.k,
            "typology_quality": typ.quality, "types_by_territory": dist, "types_profile": prof}


# ------------------------------------------------------------------ time to first employment
def survival(data: CejData, threshold: int, km_group: str, followup: int) -> dict:
    """Kaplan–Meier curves of the time to first employment (Greenwood variance): the region by
    ``km_group``, each ML beside the rest of the region; shares employed within 6 and 12 months and
    median times; the Cox model (robust variance clustered by ML)."""
    from arefie_studies.methods import kaplan_meier
    from arefie_studies.methods.survival import median_survival

    j = data.youths
    fj = pd.concat([j[["ml_code", "sexe", "tranche_age", "qualification", "qpv", "rqth", "logement",
                       "departement"]], first_employment(data, followup)], axis=1)
    curves, summary = [], []

    def add(curve, territory):
        tab = curve.table.assign(territory=territory)
        tab["group"] = tab["group"].astype(str)
        curves.append(tab)
        med = median_survival(curve)
        for _, r in med.iterrows():
            g = tab[tab["group"] == str(r["group"])]
            row = {"territory": territory, "group": str(r["group"]), "n": int(r["n"]), "events": int(r["events"]),
                   "median": r["median"], "median_low": r["ci_low"], "median_high": r["ci_high"],
                   "hidden": bool(r["n"] < threshold)}
            for t in (6, 12):
                s = g[g["time"] <= t]
                last = s.iloc[-1] if len(s) else None
                row[f"emp{t}"] = 1 - last["surv"] if last is not None else 0.0
                row[f"emp{t}_low"] = 1 - last["ci_high"] if last is not None else np.nan
                row[f"emp{t}_high"] = 1 - last["ci_low"] if last is not None else np.nan
                row[f"emp{t}_se"] = last["se"] if last is not None else 0.0
            summary.append(row)

    add(kaplan_meier(fj, "t_emploi", "emploi", by=km_group, variance="greenwood"), REGION)
    names = _ml_names(data)
    for code, name in names.items():
        z = fj.assign(zone=pd.Categorical(np.where(fj["ml_code"] == code, name, "Reste de la région"),
                                          categories=[name, "Reste de la région"]))
        add(kaplan_meier(z, "t_emploi", "emploi", by="zone", variance="greenwood"), code)
    summary = pd.DataFrame(summary)
    for t in (6, 12):  # NCHS rule on 1 - S(t) (Greenwood se, log-scale interval, df = n - 1)
        est = summary.rename(columns={f"emp{t}": "estimate", f"emp{t}_se": "se", f"emp{t}_low": "ci_low",
                                      f"emp{t}_high": "ci_high"})[["estimate", "se", "ci_low", "ci_high", "n"]]
        summary[f"emp{t}_decision"] = presentation_rule(est.assign(df=est["n"] - 1))["decision"].to_numpy()
    return {"km_curves": pd.concat(curves, ignore_index=True), "km_summary": summary, "cox": cox(fj)}


def cox(fj: pd.DataFrame) -> pd.DataFrame:
    """Cox model of the time to first employment on the profile (reference levels as in the
    report), robust variance clustered by ML; attrs ``n`` and ``events`` are columns here."""
    from arefie_studies.methods import cox_regression

    X = pd.DataFrame(index=fj.index)
    spec = []
    for var, ref in (("sexe", "Homme"), ("tranche_age", "18-21 ans"), ("qualification", "Sans diplôme ou brevet"),
                     ("qpv", "Non"), ("rqth", "Non"), ("logement", "Chez les parents, la famille ou des amis"),
                     ("departement", "Nord")):
        col = fj[var].astype(str)
        levels = (list(fj[var].cat.categories) if isinstance(fj[var].dtype, pd.CategoricalDtype)
                  else sorted(col.unique()))
        for lv in levels:
            if lv == ref or (col == lv).sum() == 0:
                continue
            X[f"{var}={lv}"] = (col == lv).astype(float)
            spec.append((f"{var}={lv}", PROFILE_VARIABLES.get(var, "Département"), lv, ref))
    X["t"] = fj["t_emploi"].clip(lower=1e-3)
    X["e"] = fj["emploi"]
    X["ml"] = fj["ml_code"]
    res = cox_regression(X, "t", "e", [s[0] for s in spec], cluster="ml")
    tab = res.table.set_index("term")
    out = pd.DataFrame([{"facteur": f, "modalite": lv, "reference": ref, **tab.loc[name].to_dict()}
                        for name, f, lv, ref in spec])
    out["n_youths"] = len(X)
    out["n_events"] = int(X["e"].sum())
    return out
