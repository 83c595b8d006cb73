"""Typology of the youths in residential precarity: weighted MCA + HCPC, clusters named in
French from their description (``catdes``).

Population: youths currently in precarious housing (hosted by a third party, emergency or
social accommodation, squat/street/vehicle) or who experienced a period without housing.
Active variables: the residential pathway (housing, tenure, moves, breakdowns, resources,
social-housing application, six barriers, satisfaction, wish to move); supplementary: profile,
territory, département and insertion situation.

Mirrors: ``FactoMineR::MCA(X, quali.sup=..., row.w=w)`` then ``HCPC(res, nb.clust=-1 | k)`` and
``catdes(cbind(X, clust), num.var, row.w=w)``, with the survey weights rescaled to sum to the
number of rows (v-tests then refer to the sample size, not to the population total).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arefie_studies.methods import HCPC, MCA, catdes
from arefie_studies.studies import parcours_residentiel as P

__all__ = ["ACTIVE", "SUPPLEMENTARY", "TOTAL_NAME", "Typology", "cluster_shares", "fit_typology",
           "name_clusters", "typology_population"]

_ON = {"Oui": "oui", "Non": "non"}
#: Active variables and the short French level labels drawn on the factor maps.
ACTIVE: dict[str, Mapping[str, str] | str] = {
    "logement": {P.L_PARENTS: "Chez les parents", P.L_TIERS: "Hébergé par un tiers",
                 P.L_PERSO: "Logement personnel", P.L_FJT: "FJT, résidence",
                 P.L_URGENCE: "Urgence, CHRS, hôtel", P.L_RUE: "Rue, squat, véhicule"},
    "statut_occupation": {"Locataire du parc social": "Locataire HLM",
                          "Locataire du parc privé": "Locataire privé",
                          "Propriétaire (ménage)": "Ménage propriétaire",
                          "Hébergé à titre gratuit": "Hébergé gratuitement",
                          "Résident avec redevance (FJT, résidence)": "Redevance (foyer)",
                          "Sans titre d'occupation": "Sans titre d'occupation"},
    "mobilite": {"Aucun": "Aucun déménagement", "1 ou 2": "1-2 déménagements",
                 "3 ou plus": "3 déménagements et +"},
    "rupture_hebergement": "Rupture d'hébergement",
    "periode_sans_logement": "Période sans logement",
    "ressources": {"Aucune": "Sans ressources", "Moins de 500 €": "Moins de 500 €",
                   "500 à 999 €": "500 à 999 €", "1 000 € ou plus": "1 000 € et +"},
    "demande_logement_social": "Demande HLM",
    "frein_ressources": "Frein ressources",
    "frein_garant": "Frein garant",
    "frein_offre": "Frein offre",
    "frein_mobilite": "Frein mobilité",
    "frein_discrimination": "Frein discriminations",
    "frein_demarches": "Frein démarches",
    "satisfaction_logement": {"Très satisfait": "Très satisfait du logement",
                              "Plutôt satisfait": "Plutôt satisfait du logement",
                              "Plutôt pas satisfait": "Plutôt pas satisfait du logement",
                              "Pas du tout satisfait": "Pas du tout satisfait du logement"},
    "souhait_demenager": "Veut déménager",
}
SUPPLEMENTARY = ("sexe", "tranche_age", "qualification", "territoire", "situation", "decrochage")

#: Names of a cluster whose over-represented housing is one category.
_HOUSING_NAMES = {
    P.L_PARENTS: "Retour chez les parents",
    P.L_TIERS: "Hébergés chez des tiers",
    P.L_PERSO: "En logement personnel",
    P.L_FJT: "En logement de transition (FJT, résidence)",
    P.L_URGENCE: "En hébergement d'urgence ou social",
    P.L_RUE: "Sans abri (rue, squat, véhicule)",
}
_STABLE = (P.L_PARENTS, P.L_PERSO, P.L_FJT)


def typology_population(frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the youths in residential precarity: ``precarite == "Oui"`` (current
    housing precarious) or ``periode_sans_logement == "Oui"``."""
    P._check_columns(frame, ["precarite", "periode_sans_logement"], "typology_population")
    return ((frame["precarite"].astype(object) == P.YES)
            | (frame["periode_sans_logement"].astype(object) == P.YES)).to_numpy()


def _short_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """Active variables with short, unique French levels (so maps show no raw names)."""
    out = {}
    for var, spec in ACTIVE.items():
        s = frame[var].astype(object)
        if isinstance(spec, str):
            mapping = {k: f"{spec} : {v}" for k, v in _ON.items()}
        else:
            mapping = dict(spec)
        unknown = sorted(set(s.dropna().astype(str)) - set(mapping))
        if unknown:
            raise P.ParcoursInputError(f"typology: variable {var!r} has level(s) {unknown} without a "
                                       f"short label (known: {list(mapping)}).")
        cats = [mapping[k] for k in mapping if k in set(s.dropna().astype(str))]
        out[var] = pd.Categorical(s.map(mapping), categories=cats)
    return pd.DataFrame(out, index=frame.index)


def _described(frame: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """Active + supplementary variables with French "label : level" categories (for catdes)."""
    out = {}
    for var in [*ACTIVE, *SUPPLEMENTARY]:
        s = frame[var].astype(object)
        lab = labels.get(var, var)
        if set(s.dropna().astype(str)) <= {P.YES, P.NO}:
            text = s.map({P.YES: f"{lab} : oui", P.NO: f"{lab} : non"})
        else:
            text = s.map(lambda v, lab=lab: None if pd.isna(v) else f"{lab} : {v}")
        out[var] = text.astype(object)
    return pd.DataFrame(out, index=frame.index)


@dataclass(frozen=True)
class Typology:
    """A fitted typology: ``mca`` and ``hcpc`` (arefie_studies.methods), the analysed rows
    (``frame``: the prepared youths in precarity), ``clusters`` (Series 1..k on those rows),
    ``names`` (k -> French name) and ``description`` (catdes of the French-labelled variables
    with the unweighted count ``n_km`` of each category in each cluster)."""

    mca: MCA
    hcpc: HCPC
    frame: pd.DataFrame
    clusters: pd.Series
    names: dict[int, str]
    description: pd.DataFrame

    @property
    def k(self) -> int:
        return int(self.hcpc.n_clusters_)


def fit_typology(frame: pd.DataFrame, *, n_clusters: int | None = None,
                 n_components: int = 5) -> Typology:
    """MCA (survey weights rescaled to mean 1) on the youths in precarity, HCPC (automatic cut
    by FactoMineR's rule when ``n_clusters`` is None), description and names."""
    mask = typology_population(frame)
    sub = frame.loc[mask]
    if len(sub) < 30:
        raise P.ParcoursInputError(f"typology: only {len(sub)} youths in residential precarity; "
                                   "at least 30 are needed for an MCA typology.")
    w = sub["poids"].to_numpy(dtype=float)
    w = w * len(w) / w.sum()
    active = _short_levels(sub)
    sup = sub[list(SUPPLEMENTARY)].apply(lambda s: s.astype(object)).astype("category")
    data = pd.concat([active, sup], axis=1).reset_index(drop=True)
    mca = MCA(n_components).fit(data, weights=w, quali_sup=list(SUPPLEMENTARY))
    hc = HCPC(mca, n_clusters=n_clusters if n_clusters else None)
    clusters = pd.Series(hc.labels_.to_numpy(), index=sub.index, name="classe")
    labels = frame.attrs.get("variable_labels", {}) or {}
    described = _described(sub, labels).reset_index(drop=True)
    desc = catdes(described, hc.labels_.to_numpy(), weights=w, proba=0.05).category
    # unweighted count of each category in each cluster (disclosure control of the tables)
    counts = {}
    for var in described.columns:
        tab = pd.crosstab(described[var], hc.labels_.to_numpy())
        for level, row in tab.iterrows():
            for k, c in row.items():
                counts[(int(k), var, str(level))] = int(c)
    desc = desc.assign(
        cluster=desc["cluster"].astype(int),
        n_km=[counts.get((int(k), v, str(lv)), 0)
              for k, v, lv in zip(desc["cluster"], desc["variable"], desc["level"], strict=True)])
    names = name_clusters(desc, sub.assign(_classe=clusters.to_numpy()), w)
    return Typology(mca=mca, hcpc=hc, frame=sub.assign(classe=clusters.to_numpy()),
                    clusters=clusters, names=names, description=desc)


def name_clusters(description: pd.DataFrame, frame: pd.DataFrame, weights: np.ndarray) -> dict[int, str]:
    """French name of each cluster from its over-represented housing categories (catdes).

    Rules: the housing situations over-represented in the cluster (``v.test > 0``) held by at
    least 25 % of its members (``Mod/Cla``), by decreasing share; one -> its name
    (:data:`_HOUSING_NAMES`), two -> "A ou B"; a stable situation with "période sans logement :
    oui" over-represented gets ", après une période sans logement"; a cluster with no
    over-represented housing is named from its most over-represented category. Duplicates get
    their most over-represented category not yet used as a qualifier.
    """
    labels = frame.attrs.get("variable_labels", {}) or {}
    log_label = labels.get("logement", "logement")
    gap_label = labels.get("periode_sans_logement", "periode_sans_logement")
    names: dict[int, str] = {}
    for k in sorted(set(frame["_classe"])):
        d = description[(description["cluster"] == k) & (description["v.test"] > 0)]
        housing = d[(d["variable"] == "logement") & (d["Mod/Cla"] >= 25)]
        housing = housing.sort_values("Mod/Cla", ascending=False)
        levels = [lv.split(" : ", 1)[1] for lv in housing["level"]
                  if lv.startswith(log_label + " : ")][:2]
        if not levels:
            top = d.iloc[0]["level"] if len(d) else f"Classe {k}"
            names[k] = _capitalise(top)
            continue
        name = _HOUSING_NAMES.get(levels[0], levels[0])
        if len(levels) == 2:
            second = _HOUSING_NAMES.get(levels[1], levels[1])
            name = f"{name} ou {_lower(second)}"
        gap = d[(d["variable"] == "periode_sans_logement")
                & (d["level"] == f"{gap_label} : oui")]
        if len(gap) and all(lv in _STABLE for lv in levels):
            name += ", après une période sans logement"
        names[k] = name
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name] = seen.get(name, 0) + 1
    for k, name in list(names.items()):
        if seen[name] > 1:
            d = description[(description["cluster"] == k) & (description["v.test"] > 0)
                            & (description["variable"] != "logement")]
            if len(d):
                names[k] = f"{name} ({_lower(d.iloc[0]['level'])})"
            else:
                names[k] = f"{name} ({k})"
    return names


def _lower(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _capitalise(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


TOTAL_NAME = "Ensemble des jeunes en précarité résidentielle"


def cluster_shares(design, typology: Typology) -> pd.DataFrame:
    """Weighted share of each cluster among the youths in precarity, with its logit and
    Korn–Graubard CIs, design df and the estimated number of youths (weighted total), plus a
    last row (``is_total``) for the whole typology population: its estimated number of youths
    is the one the report's text quotes (the sum of the classes' totals).

    Mirrors: ``svyciprop(~I(classe == k), subset(design, precarious), method="logit")``,
    ``svytotal(~classe, subset(...))`` and ``svytotal(~one, subset(...))``.
    """
    from arefie_studies.survey import SurveyDesign

    data = design.data
    classe = pd.Series(np.nan, index=data.index, dtype=object)
    classe.loc[typology.clusters.index] = typology.clusters.astype(str).to_numpy()
    data = data.assign(classe=pd.Categorical(classe, categories=[str(k) for k in
                                                                 range(1, typology.k + 1)]),
                       _un=1.0)
    d = SurveyDesign(data, weights="poids", strata="departement", psu="ml")
    dom = d.subset(data["classe"].notna().to_numpy())
    prop = dom.proportion("classe", ci_method="logit")
    kg = dom.proportion("classe", ci_method="beta")
    tot = dom.total("classe")
    everyone = dom.total("_un").iloc[0]
    n = typology.clusters.value_counts()
    out = pd.DataFrame({
        "cluster": prop["level"].astype(int).to_numpy(),
        "estimate": prop["estimate"].to_numpy(), "se": prop["se"].to_numpy(),
        "ci_low": prop["ci_low"].to_numpy(), "ci_high": prop["ci_high"].to_numpy(),
        "kg_low": kg["ci_low"].to_numpy(), "kg_high": kg["ci_high"].to_numpy(),
        "df": prop["df"].to_numpy(), "total": tot["estimate"].to_numpy(),
        "total_low": tot["ci_low"].to_numpy(), "total_high": tot["ci_high"].to_numpy(),
    })
    out["n"] = out["cluster"].map(n).astype(int)
    out["name"] = out["cluster"].map(typology.names)
    out["is_total"] = False
    total_row = {"cluster": 0, "estimate": 1.0, "se": 0.0, "ci_low": 1.0, "ci_high": 1.0,
                 "kg_low": 1.0, "kg_high": 1.0, "df": float(everyone["df"]),
                 "total": float(everyone["estimate"]), "total_low": float(everyone["ci_low"]),
                 "total_high": float(everyone["ci_high"]), "n": len(typology.clusters),
                 "name": TOTAL_NAME, "is_total": True}
    return pd.concat([out, pd.DataFrame([total_row])], ignore_index=True)
