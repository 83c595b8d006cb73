"""CEJ monthly trajectories: state sequences from entry, exits at fixed months, typology (OM + Ward).

States are the i-Milo situations, employment split by contract type (durable = CDI or CDD of
more than 6 months, as the glossary's "emploi durable"; alternance is a state of its own). The
typology is computed once on the distinct sequences (frequency weights: the same tree as on every
youth, TraMineR ``seqdist`` + ``agnes(method="ward")``) as part of the study's results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies.methods import StateSequences, cluster_quality, sequence_distances, ward_tree

__all__ = [
    "DURABLE",
    "EMPLOYED",
    "POSITIVE",
    "STATES",
    "Typology",
    "build_sequences",
    "compute_typology",
    "name_types",
]

#: (state, short French label, colour) in display order.
STATES = [
    ("Emploi durable", "Emploi durable (CDI, CDD de plus de 6 mois)", "#1F4E79"),
    ("Emploi court", "Emploi court (CDD ≤ 6 mois, intérim)", "#7FA7CF"),
    ("Contrat en alternance", "Alternance", "#4A9BAA"),
    ("Formation", "Formation", "#7A9A3A"),
    ("Scolarisé", "Reprise d'études", "#C2D68A"),
    ("Contrat de volontariat", "Volontariat (service civique)", "#8C6BB1"),
    ("Immersion en entreprise (PMSMP)", "Immersion en entreprise", "#D4A72C"),
    ("Demandeur d'emploi", "Demandeur d'emploi", "#E07B00"),
    ("Non professionnelle", "Situation non professionnelle", "#C44E52"),
    ("Situation inconnue", "Situation inconnue", "#8E8E8E"),
]
ALPHABET = [s for s, _, _ in STATES]
ALTERNANCE = ("Contrat en alternance",)
EMPLOYED = ("Emploi durable", "Emploi court", "Contrat en alternance")
DURABLE = ("Emploi durable",)  # glossary "emploi_durable": alternance counted apart
POSITIVE = (*EMPLOYED, "Formation", "Scolarisé")
#: Noun phrases used to name the types from their dominant states.
_NOUN = {
    "Emploi durable": "emploi durable", "Emploi court": "emplois courts",
    "Contrat en alternance": "alternance", "Formation": "formation", "Scolarisé": "reprise d'études",
    "Contrat de volontariat": "volontariat", "Immersion en entreprise (PMSMP)": "immersions",
    "Demandeur d'emploi": "recherche d'emploi", "Non professionnelle": "retrait",
    "Situation inconnue": "perte de contact",
}


def build_sequences(situations: pd.DataFrame, n_months: int,
                    extraction: pd.Timestamp | None = None) -> StateSequences:
    """Monthly sequences from entry (month 1 = the month of entry), ``n_months`` long; months after
    the month of ``extraction`` are void (shorter sequences: the situation there is not known yet,
    though the last episode is still open). Mirrors TraMineR SPELL → STS."""
    s = situations
    sit = s["situation"].astype(str)
    typ = s["type_contrat"].astype(str)
    state = np.where(sit == "Emploi",
                     np.where(typ.isin(["CDI", "CDD de plus de 6 mois"]), "Emploi durable", "Emploi court"),
                     sit)
    ep = pd.DataFrame({"id": s["id_jeune"].to_numpy(), "start": s["date_debut"].to_numpy(),
                       "end": s["date_fin"].to_numpy(), "state": state})
    seqs = StateSequences.from_episodes(
        ep, id="id", start="start", end="end", state="state", n_months=n_months, anchor="entry",
        alphabet=ALPHABET, labels=[lab for _, lab, _ in STATES], colors=[c for _, _, c in STATES])
    if extraction is None:
        return seqs
    first = pd.Series(ep["start"].to_numpy()).groupby(ep["id"].to_numpy()).min().reindex(seqs.ids)
    ext = pd.Timestamp(extraction)
    observed = (ext.year * 12 + ext.month) - (first.dt.year * 12 + first.dt.month).to_numpy() + 1
    codes = np.where(np.arange(n_months)[None, :] < observed[:, None], seqs.codes, -1)
    return StateSequences.from_codes(codes, seqs.alphabet, labels=seqs.labels, colors=seqs.colors,
                                     ids=seqs.ids, time=seqs.time)


# ------------------------------------------------------------------ typology
class Typology:
    """Types of trajectories: the distinct sequences with their type, the type names and quality.

    ``assign(seqs)`` gives the type of each youth by looking up his sequence.
    """

    def __init__(self, patterns: np.ndarray, types: np.ndarray, names: list[str],
                 quality: pd.DataFrame, k: int) -> None:
        self.patterns = patterns
        self.types = types
        self.names = names
        self.quality = quality
        self.k = k

    def assign(self, seqs: StateSequences) -> pd.Categorical:
        lut = {p.tobytes(): t for p, t in zip(self.patterns, self.types, strict=True)}
        codes = np.ascontiguousarray(seqs.codes.astype(np.int16))
        t = np.array([lut.get(r.tobytes(), -1) for r in codes], dtype=np.int64)
        if (t < 0).any():  # a pattern unseen in the regional data: nearest by Hamming distance
            miss = np.flatnonzero(t < 0)
            d = (codes[miss][:, None, :] != self.patterns[None, :, :]).sum(axis=2)
            t[miss] = self.types[d.argmin(axis=1)]
        return pd.Categorical.from_codes(t, categories=self.names, ordered=True)


def name_types(seqs: StateSequences, labels: np.ndarray) -> list[str]:
    """French names of the types (0-based ``labels``) from their dominant states.

    The dominant state (most months) names the type; a second state holding at least 20 % of the
    months is added as "… puis …" (it comes first on average) or "… avec …" otherwise; the
    first months before the dominant state are named "Accès rapide à l'…" when the dominant state
    is employment reached within three months on average.
    """
    tis = seqs.time_in_states().astype(float)
    L = np.maximum(seqs.lengths, 1)[:, None]
    codes = seqs.codes
    t = np.arange(seqs.n_months)[None, :]
    names = []
    for c in range(labels.max() + 1):
        m = labels == c
        share = tis[m].sum(0) / L[m].sum()
        order = np.argsort(-share)
        dom, sec = order[0], order[1]
        sdom, ssec = seqs.alphabet[dom], seqs.alphabet[sec]
        pos_dom = (np.where(codes[m] == dom, t, 0).sum() / max((codes[m] == dom).sum(), 1))
        pos_sec = (np.where(codes[m] == sec, t, 0).sum() / max((codes[m] == sec).sum(), 1))
        noun = _NOUN[sdom]
        if sdom in EMPLOYED and share[sec] < 0.2 and pos_dom < 6.5:
            name = f"Accès rapide à l'{noun}" if noun[0] in "ae" else f"Accès rapide aux {noun}"
        elif share[sec] >= 0.2:
            first, then = (ssec, sdom) if pos_sec < pos_dom else (sdom, ssec)
            if abs(pos_sec - pos_dom) < 1.5:
                name = f"{_NOUN[sdom].capitalize()} avec {_NOUN[ssec]}"
            else:
                name = f"{_NOUN[first].capitalize()} puis {_NOUN[then]}"
        else:
            name = f"{noun.capitalize()} prolongée" if sdom == "Demandeur d'emploi" else noun.capitalize()
        names.append(name)
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


#: Above this many distinct sequences the full distance matrix (n^2 / 2 doubles: 0.4 GB at
#: 10,000, 158 GB for a national cohort) gives way to CLARA medoids (``seq_clara``).
MAX_DISTINCT_FULL = 10_000
#: CLARA samples per number of types (WeightedCluster's ``R``; its default is 100).
CLARA_SAMPLES = 20


def compute_typology(seqs: StateSequences, n_types: int = 0, *,
                     max_distinct: int = MAX_DISTINCT_FULL, clara_samples: int = CLARA_SAMPLES) -> Typology:
    """OM (substitution costs from transition rates, indel = half the largest cost, TraMineR
    ``seqdist(method="OM", sm="TRATE", indel="auto")``) + Ward on the distinct sequences with
    their frequencies as weights; k = ``n_types`` or the k in 4..6 with the best average
    silhouette width (``WeightedCluster::wcClusterQuality``).

    Above ``max_distinct`` distinct sequences (a national cohort) the same OM costs feed CLARA
    medoids instead (``WeightedCluster::seqclararange``: aggregated identical sequences,
    ``clara_samples`` samples of 40 + 2k): k = ``n_types`` or the k in 4..6 with the best
    average medoid silhouette ("AMS"); the quality table then has columns ``k, AMS`` and
    ``method = "CLARA"`` (no ASW / R²: they need the full matrix)."""
    codes = np.ascontiguousarray(seqs.codes)
    uniq, inv, cnt = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    # transition rates from all youths (not the distinct patterns)
    from arefie_studies.methods.sequences import substitution_costs

    sm = substitution_costs(seqs, "TRATE")
    useq = StateSequences.from_codes(uniq, seqs.alphabet)
    if uniq.shape[0] > max_distinct:
        quality, lab = _clara_partition(useq, cnt, sm, n_types, clara_samples)
        k = int(lab.max())
    else:
        dist = sequence_distances(useq, "OM", sm=sm, indel=float(sm.max()) / 2)  # TraMineR indel="auto"
        tree = ward_tree(dist, weights=cnt.astype(float))
        rows = []
        cuts = {}
        for k in range(4, 7):
            lab = tree.cut(k)
            cuts[k] = lab
            q = cluster_quality(dist, lab, cnt.astype(float))
            rows.append({"k": k, "ASW": q["ASW"], "R2": q["R2"]})
        quality = pd.DataFrame(rows)
        k = int(n_types) if n_types else int(quality.loc[quality["ASW"].idxmax(), "k"])
        lab = cuts[k] if k in cuts else tree.cut(k)
    # order types by their share of months in employment (most employed first)
    per_youth = lab[inv] - 1
    idx = [seqs.alphabet.index(s) for s in EMPLOYED]
    emp = np.isin(codes, idx).sum(1) / np.maximum(seqs.lengths, 1)
    score = np.bincount(per_youth, weights=emp) / np.bincount(per_youth)
    rank = np.empty(k, dtype=np.int64)
    rank[np.argsort(-score)] = np.arange(k)
    types_u = rank[lab - 1]
    names = [f"{i + 1}. {n}" for i, n in enumerate(name_types(seqs, types_u[inv]))]  # numbered: panel order
    return Typology(uniq.astype(np.int16), types_u, names, quality, k)


def _clara_partition(useq: StateSequences, cnt: np.ndarray, sm: np.ndarray, n_types: int,
                     samples: int) -> tuple[pd.DataFrame, np.ndarray]:
    """CLARA on the distinct sequences ``useq`` (weights ``cnt``) for k = ``n_types`` or 4..6:
    the quality table (k, AMS, method) and the labels 1..k of the retained partition."""
    from arefie_studies.methods.clara import medoid_silhouette, seq_clara

    rows, parts = [], {}
    for k in ([int(n_types)] if n_types else range(4, 7)):
        res = seq_clara(useq, int(k), method="OM", sm=sm, indel=float(sm.max()) / 2,
                        weights=cnt.astype(float), n_samples=samples, seed=1)
        parts[k] = res.distinct_labels
        rows.append({"k": int(k), "AMS": medoid_silhouette(res), "method": "CLARA"})
    quality = pd.DataFrame(rows)
    k = int(n_types) if n_types else int(quality.loc[quality["AMS"].idxmax(), "k"])
    return quality, parts[k]
