"""CEJ extracts: profiles, durations, trajectories, activity hours, allowance, ML survey.

n = 12,000 youths: a share has a sampling SE ≤ 0.005; ML-level checks use 42 units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import synth_data

from arefie_studies.synth import cej


@pytest.fixture(scope="module")
def cej_latent():
    return synth_data.cej_latent()


@pytest.fixture(scope="module")
def t(cej_latent):
    return {k: v[0] for k, v in cej_latent.items()}


def _state_at(t, months: int) -> pd.DataFrame:
    c = t["cej_contrats"].set_index("id_jeune")
    when = c.date_debut + pd.Timedelta(days=round(months * 30.44) + 15)
    s = t["cej_situations"].merge(when.rename("t"), left_on="id_jeune", right_index=True)
    return s[(s.date_debut <= s.t) & (s.date_fin.isna() | (s.date_fin >= s.t))].set_index("id_jeune")


def test_sizes_and_entries(t):
    j = t["cej_jeunes"]
    assert len(j) == 12_000 and j.id_jeune.is_unique and len(t["cej_contrats"]) == 12_000
    assert j.date_entree.min() >= pd.Timestamp("2022-03-01") and j.date_entree.max() < pd.Timestamp("2024-03-01")
    by_month = j.date_entree.dt.to_period("M").value_counts()
    assert by_month[pd.Period("2022-09")] > 1.8 * by_month[pd.Period("2022-08")]  # school-year rhythm
    assert j.ml.nunique() == 42


def test_profiles(t):
    j = t["cej_jeunes"]
    assert (j.age_entree < 21).mean() == pytest.approx(0.70, abs=0.02)
    assert j.age_entree.between(16, 29).all()
    assert (j.loc[j.age_entree >= 26, "rqth"] == "Oui").all()          # 26-29 only with RQTH
    assert (j.rqth == "Oui").mean() == pytest.approx(0.065, abs=0.015)
    assert (j.qualification == "Sans diplôme ou brevet").mean() == pytest.approx(0.49, abs=0.03)
    assert (j.qpv == "Oui").mean() == pytest.approx(0.21, abs=0.03)
    assert (j.sexe == "Femme").mean() == pytest.approx(0.45, abs=0.015)


def test_durations_peak_at_6_and_12_months(t):
    c = t["cej_contrats"]
    done = c.dropna(subset=["date_fin"])
    months = np.round(((done.date_fin - done.date_debut).dt.days + 1) / 30.44).astype(int)
    counts = months.value_counts()
    assert counts[6] > 3 * max(counts[5], counts[7]) and counts[12] > 3 * max(counts[11], counts[13])
    assert months.mean() == pytest.approx(7.2, abs=0.5) and months.max() <= 18
    assert (c.date_fin.isna() == c.motif_fin.isna()).all()
    assert set(c.motif_fin.dropna().unique()) <= set(cej.MOTIFS_FIN)


def test_situation_episodes_are_contiguous(t):
    s = t["cej_situations"]
    assert set(s.situation.unique()) == set(cej.SITUATIONS)  # all nine i-Milo situations occur
    nxt = s.groupby("id_jeune").date_debut.shift(-1)
    inner = nxt.notna()
    assert ((s.date_fin[inner] + pd.Timedelta(days=1)) == nxt[inner]).all()
    assert s.date_fin.isna().groupby(s.id_jeune).sum().eq(1).all()  # one open episode per youth
    first = s.groupby("id_jeune").date_debut.min()
    entry = t["cej_jeunes"].set_index("id_jeune").date_entree
    assert (first == entry.reindex(first.index)).all()
    emp = s.situation == "Emploi"
    assert s.loc[emp, "type_contrat"].notna().all() and s.loc[~emp & (s.situation != "Contrat en alternance"),
                                                               "type_contrat"].isna().all()


def test_outcomes_at_6_months(t):
    st6 = _state_at(t, 6)
    assert st6.index.is_unique and len(st6) == 12_000
    employed = st6.situation.isin(["Emploi", "Contrat en alternance"])
    durable = st6.type_contrat.isin(["CDI", "CDD de plus de 6 mois", "Contrat en alternance"])
    assert 0.50 < employed.mean() < 0.58                        # just over half in employment
    assert durable.mean() == pytest.approx(0.34, abs=0.03)      # about a third durable
    q = t["cej_jeunes"].set_index("id_jeune").qualification.reindex(st6.index)
    assert employed[q == "Baccalauréat"].mean() - employed[q == "Sans diplôme ou brevet"].mean() > 0.08


def test_latent_types_make_distinct_trajectories(t):
    st12 = _state_at(t, 12)
    typ = t["_types"].set_index("id_jeune").type.reindex(st12.index)
    emp = st12.situation.isin(["Emploi", "Contrat en alternance"])
    assert emp[typ == 0].mean() > 0.75 and emp[typ == 5].mean() < 0.05
    assert (st12.situation[typ == 2] == "Contrat en alternance").mean() > 0.9


def test_weekly_hours(t):
    a = t["cej_activite_hebdo"]
    assert (a.heures < 15).mean() == pytest.approx(0.35, abs=0.005)
    assert a.heures.between(0, 45).all() and (a.semaine.dt.weekday == 0).all()
    per_youth = a.groupby("id_jeune").size()
    assert per_youth.median() > 20


def test_ml_survey_and_ml_level_link(t):
    e = t["cej_enquete_ml"]
    assert len(e) == 42 and e.ml.is_unique
    assert e.duree_phase_collective.isna().eq(e.phase_collective == 0).all()
    hours = t["cej_activite_hebdo"].merge(t["cej_jeunes"][["id_jeune", "ml"]], on="id_jeune")
    names = dict(zip(cej.reg.ml_frame().ml_code, cej.reg.ml_frame().ml_nom, strict=True))
    by_ml = hours.groupby("ml", observed=True).heures.mean()
    e = e.assign(h=e.ml.map(names).map(by_ml))
    assert e.loc[e.phase_collective == 1, "h"].mean() - e.loc[e.phase_collective == 0, "h"].mean() > 0.8


def test_allowance(t):
    al = t["cej_allocations"].merge(t["cej_jeunes"][["id_jeune", "annee_naissance"]], on="id_jeune")
    assert al.montant.between(0.01, 561.68).all()
    assert set(al.loc[al.mois < "2023-04-01", "montant"].round(2)) >= {500.44, 300.27}
    assert (al.loc[(al.mois >= "2023-04-01"), "montant"] <= 528).all()
    assert al.groupby("id_jeune").size().mean() == pytest.approx(6.0, abs=1.0)
