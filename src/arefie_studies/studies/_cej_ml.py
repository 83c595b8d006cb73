"""The survey of the 42 Missions Locales: organisational modalities linked to ML-level outcomes.

With 42 units the analysis stays descriptive: mean outcome of the ML with and without a
modality (difference with a Welch t interval) and Spearman rank correlations for ordered
modalities (CI by Fisher's z with the Bonett–Wright variance 1.06/(n−3)). No model, no causal
reading: ML differ in their public and territory as much as in their organisation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["MODALITIES", "OUTCOMES", "link_modalities", "ml_outcomes", "modality_counts", "spearman_ci",
           "welch_diff"]

#: Survey variables analysed → (French label, kind, order of levels for ranks).
MODALITIES = {
    "phase_collective": ("Le CEJ commence par une phase collective", "binary", ["Non", "Oui"]),
    "conseillers_dedies": ("Conseillers dédiés exclusivement au CEJ", "binary", ["Non", "Oui"]),
    "outil_planification": ("Outil de planification hebdomadaire", "ordinal",
                            ["Aucun outil partagé", "Tableur partagé", "Outil dédié"]),
    "frequence_entretiens": ("Fréquence des entretiens individuels", "ordinal",
                             ["Mensuelle", "Tous les quinze jours", "Hebdomadaire"]),
    "partenariat_entreprises": ("Intensité des partenariats avec les entreprises", "ordinal",
                                ["Faible", "Moyenne", "Forte", "Très forte"]),
}
#: ML-level outcomes → French label.
OUTCOMES = {
    "emploi_6": "En emploi 6 mois après l'entrée",
    "durable_12": "En emploi durable 12 mois après l'entrée",
    "semaines_moins_15h": "Semaines de moins de 15 h",
}


def ml_outcomes(exits: pd.DataFrame, hours: pd.DataFrame, exit_months) -> pd.DataFrame:
    """Per ML (code): youths, share employed ``exit_months[0]`` months after entry, share in durable
    employment (glossary) ``exit_months[-1]`` months after, share of weeks under the hours threshold
    — read from the study's exits and hours estimates (one computation)."""
    e = exits[(exits["breakdown"] == "") & (exits["territory"] != "region")]
    first, last = int(exit_months[0]), int(exit_months[-1])
    e6 = e[(e["mois"] == first) & (e["indicator"] == "emploi")].set_index("territory")
    d12 = e[(e["mois"] == last) & (e["indicator"] == "emploi_durable")].set_index("territory")
    h = hours[hours["level"] == "ml"].set_index("territory")
    out = pd.DataFrame({"emploi_6": e6["estimate"], "durable_12": d12["estimate"]})
    out["semaines_moins_15h"] = h["estimate"]
    out.index.name = "ml_code"
    return out


def modality_counts(enquete: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Number and share of the Missions Locales choosing each modality, the counts under the
    threshold hidden with their complements (each variable is a distribution of the surveyed ML,
    whose total is published): ``variable, label, level, n, base, share, hidden``."""
    from arefie_studies.studies._cej_estimates import protect_distribution

    rows = []
    for var, (label, _kind, order) in MODALITIES.items():
        col = enquete[var].astype(str)
        n = np.array([(col == lv).sum() for lv in order])
        hid, _ = protect_distribution(n, threshold)
        for lv, k, h in zip(order, n, hid, strict=True):
            rows.append({"variable": var, "label": label, "level": lv, "n": int(k), "base": int(n.sum()),
                         "share": k / max(n.sum(), 1), "hidden": bool(h)})
    return pd.DataFrame(rows)


def welch_diff(a: np.ndarray, b: np.ndarray, conf_level: float = 0.95) -> dict:
    """Difference of means b − a with Welch's t interval (``t.test(b, a)``)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    d = b.mean() - a.mean()
    h = stats.t.ppf(1 - (1 - conf_level) / 2, df) * se
    p = 2 * stats.t.sf(abs(d) / se, df)
    return {"diff": d, "ci_low": d - h, "ci_high": d + h, "p_value": p}


def spearman_ci(x: np.ndarray, y: np.ndarray, conf_level: float = 0.95) -> dict:
    """Spearman's rho (``cor.test(method="spearman")``, ties averaged) with a Fisher-z CI using
    the Bonett–Wright (2000) variance 1.06 / (n − 3)."""
    r, p = stats.spearmanr(x, y)
    n = len(x)
    z = np.arctanh(np.clip(r, -0.9999999, 0.9999999))
    h = stats.norm.ppf(1 - (1 - conf_level) / 2) * np.sqrt(1.06 / (n - 3))
    return {"rho": float(r), "ci_low": float(np.tanh(z - h)), "ci_high": float(np.tanh(z + h)),
            "p_value": float(p), "n": n}


def link_modalities(enquete: pd.DataFrame, outcomes: pd.DataFrame, ml_ref: pd.DataFrame,
                    threshold: int) -> pd.DataFrame:
    """One row per modality × outcome: for binary modalities the mean outcome of the ML without /
    with it and the difference (Welch CI); for ordered ones Spearman's rho with its CI.

    A binary comparison resting on a group of fewer than ``threshold`` ML is ``hidden`` (neither
    the group sizes nor the means are published: with 42 ML they would give the small group's
    count). ``enquete['ml']`` holds ML names (labels), matched to codes through ``ml_ref``.
    """
    code_of = dict(zip(ml_ref["ml_nom"], ml_ref["ml_code"].astype(str), strict=True))
    e = enquete.copy()
    e["ml_code"] = e["ml"].astype(str).map(code_of)
    df = e.merge(outcomes, left_on="ml_code", right_index=True, how="inner")
    rows = []
    for var, (label, kind, order) in MODALITIES.items():
        lev = df[var].astype(str)
        for oc, olabel in OUTCOMES.items():
            y = df[oc].to_numpy(float)
            row = {"variable": var, "modalite": label, "kind": kind, "outcome": oc, "indicateur": olabel}
            if kind == "binary":
                a, b = y[lev == order[0]], y[lev == order[1]]
                row.update({"n_sans": len(a), "n_avec": len(b), "moy_sans": a.mean(), "moy_avec": b.mean(),
                            "hidden": min(len(a), len(b)) < threshold})
                if not row["hidden"]:
                    row.update(welch_diff(a, b))
            else:
                rank = lev.map({lv: i for i, lv in enumerate(order)}).to_numpy(float)
                ok = np.isfinite(rank) & np.isfinite(y)
                row.update(spearman_ci(rank[ok], y[ok]))
                row["hidden"] = False
            rows.append(row)
    return pd.DataFrame(rows)
