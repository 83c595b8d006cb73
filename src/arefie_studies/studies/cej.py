"""Déploiement du CEJ (Contrat d'engagement jeune): recodes and indicators from the i-Milo extracts.

The extracts are exhaustive administrative data (every youth who entered the CEJ), not a sample:
the 95 % confidence intervals measure the random variability of the indicators (a youth's outcome
seen as a draw from the process that generates outcomes), as is usual for administrative
monitoring. Shares use Wilson's score interval (R ``prop.test(correct=FALSE)``); means a
t interval; ratios over weeks (share of weeks under 15 h) are linearised ratio estimators with
the youth as cluster (``survey::svyratio`` with ``ids=~id_jeune``).

Public functions take the frames returned by :func:`load_cej` and return tidy DataFrames; the
report pieces (tables, figures) live in ``_cej_report``; trajectories and their typology in
``_cej_sequences``; the survey of the 42 Missions Locales in ``_cej_ml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtri, stdtrit

__all__ = [
    "AGE_GROUPS",
    "PROFILE_VARIABLES",
    "CejData",
    "CejInputError",
    "allowance_summary",
    "contract_durations",
    "end_reasons",
    "entries_by_month",
    "first_employment",
    "hours_summary",
    "load_cej",
    "mean_ci",
    "profile_vs_ml",
    "report",
    "weekly_hours",
    "wilson_ci",
]

AGE_GROUPS = ["Moins de 18 ans", "18-21 ans", "22-25 ans", "26 ans et plus"]
#: Profile variables compared with all ML youths (names as in profil_ml_2024.csv) → French label.
PROFILE_VARIABLES = {
    "sexe": "Sexe",
    "tranche_age": "Âge à l'entrée",
    "qualification": "Niveau de qualification",
    "qpv": "Réside en quartier prioritaire (QPV)",
    "rqth": "Reconnaissance de travailleur handicapé (RQTH)",
    "logement": "Situation de logement",
}
EMPLOYMENT = ("Emploi", "Contrat en alternance")
DAYS_PER_MONTH = 30.4375


class CejInputError(ValueError):
    """A CEJ input lacks a column or a value the study needs (message names both)."""


def _need(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise CejInputError(
            f"{what}: column(s) {missing} missing; available: {list(df.columns)}. "
            "Hint: check that the i-Milo extract follows data/codebooks/cej_*.yaml.")


@dataclass
class CejData:
    """The study's frames: ``jeunes`` (one row per youth, with contract columns), ``situations``
    (read on first use: light variants read the cached sequences instead), ``enquete`` (42 ML),
    ``ml_ref`` (code, name, département), the Parquet paths of the weekly hours and allowances
    (queried with DuckDB) and the extraction date."""

    jeunes: pd.DataFrame
    _situations: object  # a zero-argument loader, then the frame
    enquete: pd.DataFrame | None
    ml_ref: pd.DataFrame
    ml_profiles: pd.DataFrame
    activite_path: Path
    allocations_path: Path
    extraction: pd.Timestamp
    situations_path: Path
    jeunes_path: Path

    @property
    def situations(self) -> pd.DataFrame:
        if callable(self._situations):
            s = self._situations()
            _need(s, ["id_jeune", "date_debut", "date_fin", "situation", "type_contrat"], "cej_situations")
            self._situations = s
        return self._situations


def load_cej(root: str | Path | None = None, *, extraction_date: str = "2025-03-31",
             ml_reference: str = "data/reference/missions_locales.csv",
             ml_profiles: str = "data/reference/profil_ml_2024.csv",
             with_survey: bool = True) -> CejData:
    """Read the study's inputs as ``studies/cej.yaml`` declares them (``project.inputs``).

    The weekly hours (≈ 370 000 rows) and allowances are not loaded into pandas: their paths are
    kept for DuckDB queries. ``jeunes`` gets the contract (start, end, end reason, planned
    duration), the ML code and the age group.
    """
    from dataclasses import replace

    from arefie_studies.project.config import load_config
    from arefie_studies.project.inputs import load_inputs
    from arefie_studies.project.layout import find_root

    root = Path(root) if root is not None else find_root()
    config = load_config(root / "studies" / "cej.yaml", root)
    wanted = ["jeunes", "contrats"] + (["enquete_ml"] if with_survey else [])
    sub = replace(config, inputs={k: v for k, v in config.inputs.items() if k in wanted})
    frames = load_inputs(sub, root, validate=False)
    ml_ref = pd.read_csv(root / ml_reference, dtype={"ml_code": str})
    prof = pd.read_csv(root / ml_profiles, dtype={"ml_code": str})
    j = frames["jeunes"]
    _need(j, ["id_jeune", "ml", "departement", "sexe", "age_entree", "qualification", "qpv",
              "rqth", "logement", "date_entree"], "cej_jeunes")
    c = frames["contrats"]
    _need(c, ["id_jeune", "date_debut", "date_fin", "motif_fin", "duree_prevue_mois"], "cej_contrats")
    j = j.merge(c[["id_jeune", "date_fin", "motif_fin", "duree_prevue_mois"]], on="id_jeune",
                how="left", validate="one_to_one")
    code_of = dict(zip(ml_ref["ml_nom"], ml_ref["ml_code"], strict=True))
    unknown = sorted(set(j["ml"].astype(str)) - set(code_of))
    if unknown:
        raise CejInputError(
            f"cej_jeunes: column 'ml' holds Missions Locales absent from {ml_reference}: "
            f"{unknown[:5]}. Hint: update the reference list of ML.")
    j["ml_code"] = j["ml"].astype(str).map(code_of)
    age = j["age_entree"].to_numpy()
    j["tranche_age"] = pd.Categorical.from_codes(
        np.digitize(age, [18, 22, 26]), categories=AGE_GROUPS, ordered=True)
    j["mois_entree"] = j["date_entree"].dt.to_period("M")
    ext = pd.Timestamp(extraction_date)
    end = j["date_fin"].fillna(ext)
    j["duree_mois"] = ((end - j["date_entree"]).dt.days + 1) / DAYS_PER_MONTH
    j["termine"] = j["date_fin"].notna()
    sit = replace(config, inputs={"situations": config.inputs["situations"]})
    enquete = frames.get("enquete_ml")
    return CejData(j, lambda: load_inputs(sit, root, validate=False)["situations"], enquete, ml_ref, prof, root / config.inputs["activite"].path,
                   root / config.inputs["allocations"].path, ext, root / config.inputs["situations"].path,
                   root / config.inputs["jeunes"].path)


# ------------------------------------------------------------------ intervals
def wilson_ci(k, n, conf_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of k / n (vectorised). Mirrors ``prop.test(k, n, correct=FALSE)``.

    (p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n); NaN where n = 0.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = ndtri(1 - (1 - conf_level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        den = 1 + z**2 / n
        mid = (p + z**2 / (2 * n)) / den
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return mid - half, mid + half


def mean_ci(x, conf_level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean, t-interval bounds and n of ``x`` (NaN dropped). Mirrors ``t.test(x)$conf.int``."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2:
        return (float(x.mean()) if n else np.nan), np.nan, np.nan, n
    m = float(x.mean())
    h = stdtrit(n - 1, 1 - (1 - conf_level) / 2) * x.std(ddof=1) / np.sqrt(n)
    return m, m - h, m + h, n


def _shares(codes: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    c = codes if mask is None else codes[mask]
    c = c[c >= 0]
    return np.bincount(c, minlength=k), len(c)


# ------------------------------------------------------------------ entries, profiles, durations
def entries_by_month(jeunes: pd.DataFrame, by: str = "departement") -> pd.DataFrame:
    """Entries per calendar month (rows) and ``by`` group (columns), with a ``Total`` column."""
    tab = pd.crosstab(jeunes["mois_entree"], jeunes[by].astype(str))
    tab["Total"] = tab.sum(axis=1)
    full = pd.period_range(jeunes["mois_entree"].min(), jeunes["mois_entree"].max(), freq="M")
    return tab.reindex(full, fill_value=0)


def profile_vs_ml(jeunes: pd.DataFrame, profiles: pd.DataFrame, ml_code: str | None = None,
                  conf_level: float = 0.95) -> pd.DataFrame:
    """Profile of CEJ youths (share, Wilson CI, n) beside all youths accompanied by the ML.

    ``profiles`` is ``profil_ml_2024.csv`` (counts per ML × variable × modality); ``ml_code``
    restricts both sides to one ML. Columns: ``variable, variable_label, level, n, base, share,
    ci_low, ci_high, ml_count, ml_base, ml_share, diff`` (CEJ − all ML youths, in proportion).
    """
    j = jeunes if ml_code is None else jeunes[jeunes["ml_code"] == ml_code]
    p = profiles if ml_code is None else profiles[profiles["ml_code"].astype(str) == ml_code]
    out = []
    for var, label in PROFILE_VARIABLES.items():
        ref = p[p["variable"] == var].groupby("modalite", sort=False)["effectif"].sum()
        col = j[var]
        levels = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else list(ref.index)
        for lv in ref.index:
            if lv not in levels:
                levels.append(lv)
        counts = col.astype(str).value_counts().reindex(levels, fill_value=0).to_numpy()
        base = int(col.notna().sum())
        lo, hi = wilson_ci(counts, base, conf_level)
        mlc = ref.reindex(levels, fill_value=0).to_numpy()
        out.append(pd.DataFrame({
            "variable": var, "variable_label": label, "level": levels, "n": counts, "base": base,
            "share": counts / max(base, 1), "ci_low": lo, "ci_high": hi, "ml_count": mlc,
            "ml_base": mlc.sum(), "ml_share": mlc / max(mlc.sum(), 1)}))
    res = pd.concat(out, ignore_index=True)
    res["diff"] = res["share"] - res["ml_share"]
    return res


def contract_durations(jeunes: pd.DataFrame, cohort_end: str | pd.Timestamp,
                       extraction: pd.Timestamp) -> pd.DataFrame:
    """Durations of the CEJ (months) of the cohort that entered before ``cohort_end``.

    Every contract of that cohort has had the time to end (18 months at most), so the mean is not
    biased by contracts still running. Returns one row per class: ``classe, n, base, share,
    ci_low, ci_high`` plus attrs ``mean`` (mean, lo, hi, n) and ``median``.
    """
    c = jeunes[jeunes["date_entree"] < pd.Timestamp(cohort_end)]
    d = c["duree_mois"].to_numpy()
    edges = [0, 3.5, 6.5, 9.5, 12.5, np.inf]
    labels = ["3 mois ou moins", "4 à 6 mois", "7 à 9 mois", "10 à 12 mois", "Plus de 12 mois"]
    # durations are month counts plus a day or two: round to whole months before classing
    cls = np.digitize(np.round(d), edges[1:-1])
    counts = np.bincount(cls, minlength=len(labels))
    lo, hi = wilson_ci(counts, len(d))
    out = pd.DataFrame({"classe": labels, "n": counts, "base": len(d), "share": counts / len(d),
                        "ci_low": lo, "ci_high": hi})
    out.attrs["mean"] = mean_ci(d)
    out.attrs["median"] = float(np.median(d)) if len(d) else np.nan
    out.attrs["still_running"] = int((~c["termine"]).sum())
    return out


def end_reasons(jeunes: pd.DataFrame) -> pd.DataFrame:
    """End reasons of the ended contracts: ``motif, n, base, share, ci_low, ci_high``."""
    ended = jeunes[jeunes["termine"]]
    col = ended["motif_fin"]
    levels = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else sorted(col.dropna().unique())
    counts = col.astype(str).value_counts().reindex(levels, fill_value=0).to_numpy()
    lo, hi = wilson_ci(counts, len(ended))
    return pd.DataFrame({"motif": levels, "n": counts, "base": len(ended),
                         "share": counts / max(len(ended), 1), "ci_low": lo, "ci_high": hi})


# ------------------------------------------------------------------ weekly hours, allowances (DuckDB)
def _duck(jeunes: pd.DataFrame):
    import duckdb

    con = duckdb.connect()
    ids = pd.DataFrame({"id_jeune": jeunes["id_jeune"].to_numpy(), "row": np.arange(len(jeunes)),
                        "ml_code": jeunes["ml_code"].to_numpy(), "date_entree": jeunes["date_entree"].to_numpy()})
    con.register("jeunes", ids)
    return con


def weekly_hours(data: CejData, low_hours: float = 15.0, max_month: int = 18) -> pd.DataFrame:
    """Weekly activity hours aggregated in DuckDB per youth × month of contract.

    Returns ``row`` (position of the youth in ``data.jeunes``), ``ml_code``, ``mois`` (month of
    contract, 1 = first 30.4 days, capped at ``max_month``), ``weeks``, ``low_weeks`` (weeks with
    fewer than ``low_hours`` hours) and ``hours`` (sum). See :func:`hours_summary`.
    """
    con = _duck(data.jeunes)
    path = str(data.activite_path).replace("'", "''")
    ym = con.execute(f"""
        SELECT j.row, j.ml_code,
               greatest(least(CAST(floor(date_diff('day', j.date_entree, a.semaine) / {DAYS_PER_MONTH})
                                   AS INTEGER) + 1, {int(max_month)}), 1) AS mois,
               count(*) AS weeks,
               sum(CASE WHEN a.heures < {float(low_hours)} THEN 1 ELSE 0 END) AS low_weeks,
               sum(a.heures) AS hours
        FROM read_parquet('{path}') a JOIN jeunes j USING (id_jeune)
        GROUP BY 1, 2, 3 ORDER BY 1, 3""").df()
    con.close()
    return ym


def hours_summary(ym: pd.DataFrame, mask: np.ndarray | None = None) -> dict:
    """Share of weeks under the threshold and mean weekly hours from :func:`weekly_hours`
    (restricted to the youths where ``mask`` — aligned on ``data.jeunes`` rows — is True).

    Returns ``{"youth": DataFrame(row, ml_code, weeks, low_weeks, hours), "by_month":
    DataFrame(mois, youths, weeks, share, se, ci_low, ci_high), "overall": Series}``; shares are
    ratios Σ low / Σ weeks with the youth as cluster (:func:`ratio_ci`).
    """
    if mask is not None:
        ym = ym[np.asarray(mask)[ym["row"].to_numpy()]]
    youth = ym.groupby(["row", "ml_code"], as_index=False)[["weeks", "low_weeks", "hours"]].sum()
    rows = []
    for m, g in ym.groupby("mois", sort=True):
        r = ratio_ci(g["low_weeks"].to_numpy(float), g["weeks"].to_numpy(float))
        rows.append({"mois": int(m), "youths": len(g), "weeks": int(g["weeks"].sum()), **r})
    overall = ratio_ci(youth["low_weeks"].to_numpy(float), youth["weeks"].to_numpy(float))
    overall["youths"] = len(youth)
    overall["weeks"] = int(youth["weeks"].sum())
    mh = ratio_ci(youth["hours"].to_numpy(float), youth["weeks"].to_numpy(float))
    overall["mean_hours"], overall["mean_hours_low"], overall["mean_hours_high"] = (
        mh["share"], mh["ci_low"], mh["ci_high"])
    return {"youth": youth, "by_month": pd.DataFrame(rows), "overall": pd.Series(overall)}


def ratio_ci(y: np.ndarray, x: np.ndarray, conf_level: float = 0.95) -> dict:
    """Ratio Σy / Σx over clusters with its linearised CI (independent clusters).

    R = Σy/Σx; Var(R) = n/(n−1) Σ (y_i − R x_i)² / (Σx)²; CI R ± z·se. Mirrors
    ``svyratio(~y, ~x, svydesign(ids=~1, data=clusters))`` on the per-cluster totals.
    """
    n = len(y)
    sx = x.sum()
    r = y.sum() / sx if sx > 0 else np.nan
    if n < 2 or sx <= 0:
        return {"share": r, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    e = y - r * x
    se = np.sqrt(n / (n - 1) * (e**2).sum()) / sx
    z = ndtri(1 - (1 - conf_level) / 2)
    return {"share": r, "se": se, "ci_low": r - z * se, "ci_high": r + z * se}


def allowance_summary(data: CejData, ml_code: str | None = None) -> dict:
    """Allowance paid (DuckDB over the monthly extract): totals by year, per-youth amounts, and
    the kind of monthly payment (full adult rate, minor rate, reduced for activity income).

    Full rates: €500.44 (minors €300.27) until March 2023, €528 (€316.80) from April 2023,
    €561.68 (€337.01) from April 2025.
    """
    con = _duck(data.jeunes)
    path = str(data.allocations_path).replace("'", "''")
    where = "" if ml_code is None else "WHERE j.ml_code = ?"
    months = con.execute(f"""
        SELECT a.id_jeune, a.mois, a.montant,
               CASE WHEN a.mois < DATE '2023-04-01' THEN 500.44
                    WHEN a.mois < DATE '2025-04-01' THEN 528.00 ELSE 561.68 END AS plein,
               CASE WHEN a.mois < DATE '2023-04-01' THEN 300.27
                    WHEN a.mois < DATE '2025-04-01' THEN 316.80 ELSE 337.01 END AS mineur
        FROM read_parquet('{path}') a JOIN jeunes j USING (id_jeune) {where}""",
                         [] if ml_code is None else [str(ml_code)]).df()
    con.close()
    kind = np.select(
        [np.isclose(months["montant"], months["plein"]), np.isclose(months["montant"], months["mineur"])],
        ["Montant plein (majeur)", "Montant plein (mineur)"], "Montant réduit (revenus d'activité)")
    months["type"] = kind
    by_year = months.groupby(months["mois"].dt.year).agg(
        montant=("montant", "sum"), mois_verses=("montant", "size"), jeunes=("id_jeune", "nunique"))
    per_youth = months.groupby("id_jeune").agg(total=("montant", "sum"), mois=("montant", "size"),
                                               mensuel=("montant", "mean"))
    levels = ["Montant plein (majeur)", "Montant plein (mineur)", "Montant réduit (revenus d'activité)"]
    counts = pd.Series(kind).value_counts().reindex(levels, fill_value=0).to_numpy()
    lo, hi = wilson_ci(counts, len(months))
    types = pd.DataFrame({"type": levels, "n": counts, "base": len(months),
                          "share": counts / max(len(months), 1), "ci_low": lo, "ci_high": hi})
    return {"by_year": by_year, "per_youth": per_youth, "types": types,
            "monthly_mean": mean_ci(months["montant"]),
            "youth_total": mean_ci(per_youth["total"]), "youth_months": mean_ci(per_youth["mois"]),
            "n_youths": len(per_youth), "n_months": len(months)}


# ------------------------------------------------------------------ time to first employment
def first_employment(data: CejData, followup_months: int = 24) -> pd.DataFrame:
    """Time (months) from CEJ entry to the first employment or work-study episode.

    ``event`` = 1 when it starts within ``followup_months`` and before the extraction date;
    otherwise censored at the earlier of the two. Returns ``jeunes`` with ``t_emploi`` and
    ``emploi``.
    """
    s = data.situations
    emp = s[s["situation"].astype(str).isin(EMPLOYMENT)]
    first = emp.groupby("id_jeune")["date_debut"].min()
    j = data.jeunes.copy()
    start = j["id_jeune"].map(first)
    t = (start - j["date_entree"]).dt.days / DAYS_PER_MONTH
    cens = np.minimum((data.extraction - j["date_entree"]).dt.days / DAYS_PER_MONTH, followup_months)
    event = t.notna() & (t <= cens)
    j["t_emploi"] = np.where(event, t, cens).astype(float)
    j["emploi"] = event.astype(int)
    return j


def report(*, ml: str = "", threshold: int = 11, output_dir: str = "", root: str | Path | None = None,
           **params):
    """The notebook's entry point: a :class:`~arefie_studies.studies._cej_report.CejReport` for the
    regional report (``ml=""``) or one Mission Locale. The typology cache lives in
    ``reports/_cache/cej`` (next to the run's temporary folder ``output_dir`` when run by the
    pipeline, else under the project root)."""
    from arefie_studies.studies._cej_report import CejReport

    cache = Path(output_dir).resolve().parent / "_cache" / "cej" if output_dir else None
    return CejReport(root, ml=ml, threshold=threshold, cache_dir=cache, **params)
