"""Synthetic i-Milo-like extracts of the *Contrat d'engagement jeune* (CEJ) in Hauts-de-France.

Writes Parquet tables (like the monthly i-Milo extracts) and the 42-row organisational survey:

- ``cej_jeunes``: one row per youth (pseudonymised id, ML, département, sex, birth year, age at
  entry, qualification, QPV, RQTH, housing);
- ``cej_contrats``: CEJ contract (start, end, end reason; still running at the extraction date
  → no end);
- ``cej_situations``: dated episodes in the nine i-Milo situations (employment episodes carry a
  contract type), from entry to the extraction date (31 March 2025);
- ``cej_activite_hebdo``: hours of activity per week of contract;
- ``cej_allocations``: monthly allowance paid;
- ``cej_enquete_ml`` (.sav): the survey of the 42 ML on their organisational modalities.

Assumptions (DOMAIN.md; tested in tests/synth/test_cej.py):

- ~12,000 entries from 1 March 2022 to February 2024, slow start then the school-year rhythm
  (peaks in September–October, troughs in August and December), spread over the ML by size.
- Profiles: 16–25 (26–29 only with RQTH), ≈ 70 % under 21 at entry, 45 % women; qualification
  below CAP 52 %, CAP-BEP 14 %, bac 27 %, higher 7 % (national 48/13/30/10, region less
  qualified); QPV ≈ 20 %; RQTH ≈ 6 %.
- Each youth follows one of six latent trajectory types (rapid employment, training then job,
  work-study, late employment, prolonged job search, drop-out), whose odds depend on an
  employability score (qualification, QPV, housing, RQTH, age) and on the ML's organisation
  (dedicated counsellors, company partnerships). Six months after entry ≈ 52 % are in employment
  (including work-study) and about a third in durable employment (CDI, CDD > 6 months,
  work-study).
- Contract durations peak at 6 and 12 months (planned 6 or 12, some renewals up to 18, early
  exits for durable jobs and drop-outs); mean ≈ 7 months.
- Weekly hours: ML effect (collective phase, planning tool) + youth engagement; shifted so that
  35 % of weeks are under 15 h.
- Allowance: €500.44 (minors €300.27) until March 2023, €528 (minors €316.80) from April 2023,
  €561.68 (minors €337.01) from April 2025; suspended or reduced in months with a job.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies.io.codebook import Codebook
from arefie_studies.synth import _registry as reg
from arefie_studies.synth._common import V, categorical, hex_ids, make_codebook, make_ids, zscore

EXTRACTION = pd.Timestamp("2025-03-31")
FIRST_ENTRY = pd.Timestamp("2022-03-01")
N_ENTRY_MONTHS = 24
N_MONTHS = 38  # monthly grid from entry (covers the longest follow-up to the extraction date)

SITUATIONS = ["Emploi", "Formation", "Contrat en alternance", "Contrat de volontariat",
              "Demandeur d'emploi", "Immersion en entreprise (PMSMP)", "Scolarisé",
              "Non professionnelle", "Situation inconnue"]
EMP, FOR, ALT, VOL, DE, IMM, SCO, NPRO, INC = range(9)
CONTRATS_EMPLOI = ["CDI", "CDD de plus de 6 mois", "CDD de 6 mois ou moins", "Intérim"]
TYPES = ["Accès rapide à l'emploi", "Formation puis emploi", "Alternance", "Emploi tardif",
         "Recherche prolongée", "Décrochage"]
MOTIFS_FIN = ["Fin de la durée prévue", "Sortie anticipée en emploi durable",
              "Sortie anticipée en formation", "Abandon du jeune", "Déménagement",
              "Fin à l'initiative de la Mission Locale"]
LOGEMENT_CEJ = list(reg.HOUSING_2019)
MONTH_WEIGHTS = np.array([0.55, 0.75, 0.85, 0.90, 0.80, 0.55, 1.30, 1.25, 1.10, 0.80, 1.10, 1.00,
                          1.00, 1.00, 1.00, 0.95, 0.80, 0.55, 1.30, 1.25, 1.10, 0.80, 1.10, 1.00])


def _ml_organisation(rng: np.random.Generator) -> pd.DataFrame:
    """The organisational survey of the 42 ML and the ML effects it implies."""
    ml = reg.ml_frame()
    k = len(ml)
    phase = (rng.random(k) < 0.6).astype(int)
    dedies = (rng.random(k) < 0.55).astype(int)
    outil = categorical(rng, np.tile(np.log([0.25, 0.45, 0.30]), (k, 1)))
    partenariat = categorical(rng, np.tile(np.log([0.10, 0.30, 0.40, 0.20]), (k, 1)))
    frequence = categorical(rng, np.tile(np.log([0.35, 0.45, 0.20]), (k, 1)))
    ml = ml.assign(
        phase_collective=phase,
        duree_phase_collective=np.where(phase == 1, rng.integers(2, 7, k), np.nan),
        conseillers_dedies=dedies,
        nb_conseillers_cej=np.maximum(1, np.round(ml.accompagnes_2024 / 700 * rng.uniform(0.8, 1.2, k))),
        outil_planification=outil,
        frequence_entretiens=frequence,
        partenariat_entreprises=partenariat,
        ateliers_hebdo=np.clip(np.round(rng.normal(1.5 + 1.2 * phase, 1.0)), 0, 6),
        effet_heures=1.6 * phase + 1.4 * (outil == 3) + 0.6 * (outil == 2) + rng.normal(0, 0.8, k),
        effet_emploi=0.30 * dedies + 0.15 * (partenariat - 2.5) + rng.normal(0, 0.15, k),
    )
    return ml


def _profiles(rng: np.random.Generator, n: int, ml: pd.DataFrame) -> pd.DataFrame:
    month = rng.choice(N_ENTRY_MONTHS, size=n, p=MONTH_WEIGHTS / MONTH_WEIGHTS.sum())
    start = (FIRST_ENTRY + pd.to_timedelta(0, "D")).to_period("M")
    month_start = pd.PeriodIndex([start + int(m) for m in range(N_ENTRY_MONTHS)]).to_timestamp()
    days_in = month_start.days_in_month.to_numpy()
    entry = month_start[month] + pd.to_timedelta(np.floor(rng.random(n) * days_in[month]), "D")
    idx = rng.choice(len(ml), size=n, p=(ml.accompagnes_2024 / ml.accompagnes_2024.sum()).to_numpy())
    mlr = ml.iloc[idx].reset_index(drop=True)
    female = (rng.random(n) < 0.45).astype(int)
    age_group = categorical(rng, np.tile(np.log([0.09, 0.605, 0.29, 0.015]), (n, 1)))
    lo = np.array([16, 18, 21, 26])[age_group - 1]
    hi = np.array([17, 20, 25, 29])[age_group - 1]
    age = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    qlog = np.tile(np.log([0.52, 0.14, 0.27, 0.07]), (n, 1))
    qlog[:, 2:] += (0.4 * (age >= 20) - 1.5 * (age < 18))[:, None] + 0.3 * female[:, None]
    qual = categorical(rng, qlog)
    qpv = (rng.random(n) < mlr.type_territoire.map(reg.QPV_SHARE_BY_TYPE).to_numpy() * 0.95).astype(int)
    rqth = np.where(age >= 26, 1, (rng.random(n) < 0.05).astype(int))
    hlog = np.tile(np.log([0.16, 0.73, 0.09, 0.02]), (n, 1))
    hlog[:, 0] += 0.35 * (age - 20) / 2
    hlog[:, 2] += 0.5 * qpv + 0.3 * (qual == 1)
    logement = categorical(rng, hlog) - 1
    birthday_passed = rng.random(n) < 0.5
    return pd.DataFrame({
        "entry": entry, "ml_code": mlr.ml_code.to_numpy(), "departement": mlr.departement.to_numpy(),
        "sexe": female + 1, "age": age, "annee_naissance": entry.year.to_numpy() - age - (~birthday_passed),
        "qualification": qual, "qpv": qpv, "rqth": rqth, "logement": logement,
        "effet_emploi": mlr.effet_emploi.to_numpy(), "effet_heures": mlr.effet_heures.to_numpy(),
    })


def _trajectories(rng: np.random.Generator, p: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Monthly state matrix (n × N_MONTHS) and latent trajectory type, built by broadcasting."""
    n = len(p)
    emp = zscore(0.9 * (p.qualification >= 3) + 0.4 * (p.qualification == 2) - 0.4 * p.qpv
                 - 0.6 * (p.logement == 2) - 0.35 * p.rqth + 0.2 * ((p.age >= 18) & (p.age <= 21))
                 + p.effet_emploi + rng.normal(0, 1, n))
    logits = np.tile(np.log([0.30, 0.18, 0.12, 0.16, 0.14, 0.10]), (n, 1))
    logits += np.outer(emp, [0.8, 0.2, 0.4, 0.0, -0.5, -0.8])
    logits[:, 2] += 0.5 * (p.age.to_numpy() < 21)
    typ = categorical(rng, logits, start=0)
    m = np.arange(N_MONTHS)[None, :]
    t1 = (1 + rng.poisson(2.0, n))[:, None]
    s = np.full((n, N_MONTHS), DE, dtype=np.int8)
    # A: rapid employment, an immersion just before for some, a few returns to job search
    a = typ[:, None] == 0
    imm = (rng.random(n) < 0.3)[:, None]
    back = (1 + t1 + rng.geometric(0.12, n)[:, None])
    s = np.where(a & (m == t1 - 1) & imm & (t1 >= 2), IMM, s)
    s = np.where(a & (m >= t1), EMP, s)
    s = np.where(a & (rng.random(n) < 0.15)[:, None] & (m >= back) & (m < back + 2), DE, s)
    # B: training (or back to school) then employment / job search
    b = typ[:, None] == 1
    tb = rng.poisson(1.5, n)[:, None]
    db = (3 + rng.poisson(3.0, n))[:, None]
    school = (rng.random(n) < 0.12)[:, None]
    after = np.where(rng.random(n) < 0.68, EMP, np.where(rng.random(n) < 0.6, DE, FOR))[:, None]
    s = np.where(b & (m >= tb) & (m < tb + db), np.where(school, SCO, FOR), s)
    s = np.where(b & (m >= tb + db), np.where(school, SCO, after), s)
    # C: work-study contract after a short search
    c = typ[:, None] == 2
    s = np.where(c & (m >= (1 + rng.poisson(2.0, n))[:, None]), ALT, s)
    # D: late employment after immersions or civic service
    d = typ[:, None] == 3
    td = (4 + rng.poisson(2.5, n))[:, None]
    vol = (rng.random(n) < 0.12)[:, None]
    s = np.where(d & (m < td) & (rng.random((n, N_MONTHS)) < 0.14), IMM, s)
    s = np.where(d & vol & (m >= 1) & (m < td), VOL, s)
    s = np.where(d & (m >= td), EMP, s)
    # E: prolonged search with short jobs and immersions
    e = typ[:, None] == 4
    r = rng.random((n, N_MONTHS))
    s = np.where(e & (r < 0.10), IMM, s)
    s = np.where(e & (r >= 0.10) & (r < 0.22) & (m >= 1), EMP, s)
    s = np.where(e & (rng.random(n) < 0.08)[:, None] & (m >= 3) & (m < 9), VOL, s)
    # F: drop-out to unknown or non-professional situation
    f = typ[:, None] == 5
    tf = (1 + rng.poisson(2.0, n))[:, None]
    s = np.where(f & (m >= tf), np.where((rng.random(n) < 0.7)[:, None], INC, NPRO), s)
    return s, typ


def _runs(states: np.ndarray, n_obs: np.ndarray) -> pd.DataFrame:
    """Run-length encode each row's first ``n_obs`` months → (row, first month, last month, state)."""
    _n, m = states.shape
    valid = np.arange(m)[None, :] < n_obs[:, None]
    new = np.ones_like(states, dtype=bool)
    new[:, 1:] = states[:, 1:] != states[:, :-1]
    new &= valid
    rows, starts = np.nonzero(new)
    order = np.lexsort((starts, rows))
    rows, starts = rows[order], starts[order]
    nxt_same = np.r_[rows[1:] == rows[:-1], False]
    ends = np.where(nxt_same, np.r_[starts[1:], 0] - 1, n_obs[rows] - 1)
    return pd.DataFrame({"row": rows, "m0": starts, "m1": ends, "state": states[rows, starts]})


def generate(n: int = 12_000, seed: int = 2024) -> dict[str, tuple[pd.DataFrame, Codebook]]:
    """All CEJ tables: name → (frame, codebook)."""
    rng = np.random.default_rng([seed, 22])
    org = _ml_organisation(rng)
    p = _profiles(rng, n, org)
    p = p.sort_values(["entry", "ml_code"], kind="stable").reset_index(drop=True)
    ids = hex_ids(rng, n)
    states, typ = _trajectories(rng, p)
    entry = p.entry.to_numpy()
    months_obs = np.minimum(
        ((EXTRACTION - p.entry).dt.days.to_numpy() / 30.44).astype(int) + 1, N_MONTHS)

    # --- contract durations (peaks at 6 and 12 months) ---
    planned = np.where(rng.random(n) < 0.52, 6, 12)
    renew = rng.random(n)
    dur = np.where((planned == 6) & (renew < 0.22), 12, planned)
    dur = np.where((dur == 12) & (renew > 0.92), 12 + rng.integers(1, 7, n), dur)
    durable = (states == ALT) | (states == EMP)
    first_job = np.where(durable.any(1), durable.argmax(1), 99)
    early_job = (first_job + 1 < dur) & (rng.random(n) < 0.55) & (first_job >= 1)
    dropout = (typ == 5) & (rng.random(n) < 0.75)
    t_drop = 1 + np.argmax(states >= NPRO, axis=1) + rng.integers(0, 3, n)
    training = (typ == 1) & (rng.random(n) < 0.15)
    dur_m = np.where(early_job, first_job + 1, dur)
    dur_m = np.where(dropout, np.minimum(t_drop, dur_m), dur_m)
    dur_m = np.where(training & ~dropout & ~early_job, np.minimum(dur_m, 2 + rng.integers(1, 5, n)), dur_m)
    other = rng.random(n)
    motif = np.select(
        [dropout, early_job, training, other < 0.03, other < 0.06],
        [3, 1, 2, 4, 5], default=0)
    end = p.entry + pd.to_timedelta(np.round(dur_m * 30.44), "D") - pd.Timedelta(days=1)
    running = end > EXTRACTION
    contrats = pd.DataFrame({
        "id_contrat": make_ids("CEJ", np.arange(1, n + 1), 6), "id_jeune": ids,
        "date_debut": p.entry, "date_fin": end.where(~running),
        "motif_fin": pd.Categorical.from_codes(np.where(running, -1, motif), categories=MOTIFS_FIN, ordered=True),
        "duree_prevue_mois": planned,
    })

    # --- dated situations: run-length episodes of the monthly grid ---
    runs = _runs(states, months_obs)
    ent = entry[runs.row.to_numpy()]
    jitter = np.where(runs.m0.to_numpy() > 0, rng.integers(0, 20, len(runs)), 0)
    d0 = ent + pd.to_timedelta(np.round(runs.m0.to_numpy() * 30.44) + jitter, "D").to_numpy()
    nxt = np.r_[d0[1:], d0[:1]]
    last = np.r_[runs.row.to_numpy()[1:] != runs.row.to_numpy()[:-1], True]
    d1 = np.where(last, np.datetime64("NaT"), nxt - np.timedelta64(1, "D"))
    st = runs.state.to_numpy()
    ctype = categorical(rng, np.tile(np.log([0.21, 0.24, 0.32, 0.23]), (len(runs), 1))
                        + np.outer(typ[runs.row.to_numpy()] == 0, [0.4, 0.3, 0, 0]), start=0)
    ctype = np.where(st == EMP, ctype, np.where(st == ALT, 4, -1))
    situations = pd.DataFrame({
        "id_jeune": ids[runs.row.to_numpy()], "date_debut": d0, "date_fin": d1,
        "situation": pd.Categorical.from_codes(st.astype(int), categories=SITUATIONS, ordered=True),
        "type_contrat": pd.Categorical.from_codes(ctype, categories=[*CONTRATS_EMPLOI, "Contrat en alternance"],
                                                  ordered=True),
    })

    # --- weekly activity hours during the contract ---
    stop = end.where(~running, EXTRACTION)
    n_weeks = np.maximum(((stop - p.entry).dt.days.to_numpy() // 7), 1)
    wrow = np.repeat(np.arange(n), n_weeks)
    wk = np.arange(len(wrow)) - np.repeat(np.cumsum(n_weeks) - n_weeks, n_weeks)
    monday = (p.entry - pd.to_timedelta(p.entry.dt.weekday, "D")).to_numpy()
    engagement = rng.normal(0, 2.5, n) - 2.0 * (typ == 5) + 1.0 * (typ == 2)
    wm = np.minimum(wk * 7 // 30, N_MONTHS - 1)
    in_job = np.isin(states[wrow, wm], [EMP, ALT])
    hours = (p.effet_heures.to_numpy()[wrow] + engagement[wrow] + 3.0 * in_job
             - 0.08 * wk + rng.normal(0, 4.0, len(wrow)))
    hours = hours - np.quantile(hours, 0.35) + 15.0 - 0.25
    hours = np.clip(np.round(hours * 2) / 2, 0, 45)
    activite = pd.DataFrame({"id_jeune": ids[wrow], "semaine": monday[wrow] + (wk * 7).astype("timedelta64[D]"),
                             "heures": hours})

    # --- monthly allowance ---
    n_alloc = np.maximum(dur_m, 1)
    n_alloc = np.where(running, months_obs, n_alloc)
    arow = np.repeat(np.arange(n), n_alloc)
    am = np.arange(len(arow)) - np.repeat(np.cumsum(n_alloc) - n_alloc, n_alloc)
    month = (p.entry.dt.to_period("M").to_numpy()[arow] + am)
    mstart = pd.PeriodIndex(month).to_timestamp()
    minor = (p.age.to_numpy()[arow] + am // 12) < 18
    full = np.select([mstart < pd.Timestamp("2023-04-01"), mstart < pd.Timestamp("2025-04-01")],
                     [500.44, 528.00], 561.68)
    reduced = np.select([mstart < pd.Timestamp("2023-04-01"), mstart < pd.Timestamp("2025-04-01")],
                        [300.27, 316.80], 337.01)
    base = np.where(minor, reduced, full)
    st_m = states[arow, np.minimum(am, N_MONTHS - 1)]
    job = np.isin(st_m, [EMP, ALT])
    u = rng.random(len(arow))
    factor = np.where(job, np.where(u < 0.65, 0.0, 0.35 + 0.4 * rng.random(len(arow))),
                      np.where(u < 0.04, 0.0, 1.0))
    amount = np.round(base * factor, 2)
    keep = (amount > 0) & (mstart <= EXTRACTION)
    allocations = pd.DataFrame({"id_jeune": ids[arow][keep], "mois": mstart[keep], "montant": amount[keep]})

    jeunes = pd.DataFrame({
        "id_jeune": ids, "ml": p.ml_code, "departement": p.departement,
        "sexe": pd.Categorical.from_codes(p.sexe - 1, categories=list(reg.SEXE.values()), ordered=True),
        "annee_naissance": p.annee_naissance, "age_entree": p.age,
        "qualification": pd.Categorical.from_codes(p.qualification - 1, categories=list(reg.QUALIFICATION.values()),
                                                   ordered=True),
        "qpv": pd.Categorical.from_codes(p.qpv, categories=["Non", "Oui"], ordered=True),
        "rqth": pd.Categorical.from_codes(p.rqth, categories=["Non", "Oui"], ordered=True),
        "logement": pd.Categorical.from_codes(p.logement, categories=LOGEMENT_CEJ, ordered=True),
        "date_entree": p.entry,
    })
    jeunes["ml"] = pd.Categorical.from_codes(
        pd.Index(org.ml_code).get_indexer(p.ml_code), categories=list(org.ml_nom), ordered=True)
    jeunes["departement"] = pd.Categorical.from_codes(
        pd.Index(list(reg.DEPARTEMENTS)).get_indexer(p.departement), categories=list(reg.DEPARTEMENTS.values()),
        ordered=True)
    enquete = org.drop(columns=["ml_nom", "departement_nom", "type_territoire", "accompagnes_2024",
                                "effet_heures", "effet_emploi"]).rename(columns={"ml_code": "ml"})
    enquete.insert(1, "jeunes_accompagnes_2024", org.accompagnes_2024)
    enquete = enquete.astype("float64")
    return {
        "cej_jeunes": (jeunes, _cb_jeunes(org)),
        "cej_contrats": (contrats, _cb_contrats()),
        "cej_situations": (situations, _cb_situations()),
        "cej_activite_hebdo": (activite, _cb_activite()),
        "cej_allocations": (allocations, _cb_allocations()),
        "cej_enquete_ml": (enquete, _cb_enquete()),
        "_types": (pd.DataFrame({"id_jeune": ids, "type": typ}), None),
        # monthly grid from entry (state codes of SITUATIONS; months observed: months_obs)
        "_states": (pd.DataFrame({"id_jeune": ids, "months_obs": months_obs}), states),
    }


def _strings(labels: list[str]) -> dict[str, str]:
    return {lab: lab for lab in labels}


def _cb_jeunes(org: pd.DataFrame) -> Codebook:
    specs = {
        "id_jeune": V("Identifiant i-Milo pseudonymisé", type="string", role="id"),
        "ml": V("Mission Locale", _strings(list(org.ml_nom)), type="string"),
        "departement": V("Département", _strings(list(reg.DEPARTEMENTS.values())), type="string"),
        "sexe": V("Sexe", _strings(list(reg.SEXE.values())), type="string"),
        "annee_naissance": V("Année de naissance", range=(1992, 2008)),
        "age_entree": V("Âge à l'entrée en CEJ", range=(16, 29)),
        "qualification": V("Niveau de qualification", _strings(list(reg.QUALIFICATION.values())),
                           type="string", measure="ordinal"),
        "qpv": V("Réside en quartier prioritaire (QPV)", _strings(["Non", "Oui"]), type="string"),
        "rqth": V("Reconnaissance de travailleur handicapé (RQTH)", _strings(["Non", "Oui"]), type="string"),
        "logement": V("Situation de logement à l'entrée", _strings(LOGEMENT_CEJ), type="string"),
        "date_entree": V("Date d'entrée en CEJ", type="date"),
    }
    return make_codebook("cej_jeunes", "Extraction i-Milo — profils des jeunes entrés en CEJ (synthétique)",
                         specs, id_columns=["id_jeune"])


def _cb_contrats() -> Codebook:
    specs = {
        "id_contrat": V("Identifiant du contrat CEJ", type="string", role="id"),
        "id_jeune": V("Identifiant i-Milo pseudonymisé", type="string"),
        "date_debut": V("Date de début du CEJ", type="date"),
        "date_fin": V("Date de fin du CEJ (vide si en cours)", type="date"),
        "motif_fin": V("Motif de fin", _strings(MOTIFS_FIN), type="string"),
        "duree_prevue_mois": V("Durée prévue à la signature (mois)", range=(6, 12)),
    }
    return make_codebook("cej_contrats", "Extraction i-Milo — contrats CEJ (synthétique)", specs,
                         id_columns=["id_contrat"])


def _cb_situations() -> Codebook:
    specs = {
        "id_jeune": V("Identifiant i-Milo pseudonymisé", type="string"),
        "date_debut": V("Date de début de la situation", type="date"),
        "date_fin": V("Date de fin de la situation (vide si en cours)", type="date"),
        "situation": V("Situation i-Milo", _strings(SITUATIONS), type="string"),
        "type_contrat": V("Type de contrat (emploi, alternance)",
                          _strings([*CONTRATS_EMPLOI, "Contrat en alternance"]), type="string"),
    }
    return make_codebook("cej_situations", "Extraction i-Milo — situations datées (synthétique)", specs)


def _cb_activite() -> Codebook:
    specs = {
        "id_jeune": V("Identifiant i-Milo pseudonymisé", type="string"),
        "semaine": V("Semaine (lundi)", type="date"),
        "heures": V("Heures d'activité déclarées dans la semaine", range=(0, 60)),
    }
    return make_codebook("cej_activite_hebdo", "Extraction i-Milo — heures d'activité hebdomadaires (synthétique)",
                         specs)


def _cb_allocations() -> Codebook:
    specs = {
        "id_jeune": V("Identifiant i-Milo pseudonymisé", type="string"),
        "mois": V("Mois de versement", type="date"),
        "montant": V("Montant de l'allocation versée (€)", range=(0, 600)),
    }
    return make_codebook("cej_allocations", "Extraction i-Milo — allocations CEJ versées (synthétique)", specs)


def _cb_enquete() -> Codebook:
    on = {0: "Non", 1: "Oui"}
    specs = {
        "ml": V("Mission Locale", reg.ml_labels()),
        "jeunes_accompagnes_2024": V("Jeunes accompagnés en 2024", range=(0, 20000)),
        "departement": V("Département", reg.DEPARTEMENTS),
        "phase_collective": V("Le CEJ commence par une phase collective", on),
        "duree_phase_collective": V("Durée de la phase collective (semaines)", range=(1, 12)),
        "conseillers_dedies": V("Conseillers dédiés exclusivement au CEJ", on),
        "nb_conseillers_cej": V("Nombre de conseillers intervenant sur le CEJ", range=(1, 60)),
        "outil_planification": V("Outil de planification hebdomadaire des activités",
                                 {1: "Aucun outil partagé", 2: "Tableur partagé", 3: "Outil dédié"}),
        "frequence_entretiens": V("Fréquence des entretiens individuels",
                                  {1: "Hebdomadaire", 2: "Tous les quinze jours", 3: "Mensuelle"},
                                  measure="ordinal"),
        "partenariat_entreprises": V("Intensité des partenariats avec les entreprises",
                                     {1: "Faible", 2: "Moyenne", 3: "Forte", 4: "Très forte"}, measure="ordinal"),
        "ateliers_hebdo": V("Nombre d'ateliers collectifs proposés par semaine", range=(0, 10)),
    }
    return make_codebook("cej_enquete_ml", "Enquête auprès des 42 Missions Locales sur la mise en œuvre du CEJ "
                         "(synthétique)", specs, id_columns=["ml"])
