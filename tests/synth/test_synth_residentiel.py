"""Parcours résidentiel: design and weights, housing categories, precarity vs insertion outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import synth_data
from scipy.stats import chi2_contingency

from arefie_studies.synth import _registry as reg
from arefie_studies.synth import residentiel


@pytest.fixture(scope="module")
def residentiel_latent():
    return synth_data.residentiel_latent()


@pytest.fixture(scope="module")
def y(residentiel_latent):
    return residentiel_latent["parcours_residentiel_jeunes"][0]


@pytest.fixture(scope="module")
def pros(residentiel_latent):
    return residentiel_latent["parcours_residentiel_professionnels"][0]


def test_design_and_weights(y):
    assert y.shape == (3000, 34) and y.id_jeune.is_unique
    assert y.departement.value_counts().to_dict() == {59: 1000, 62: 650, 60: 500, 2: 450, 80: 400}
    assert y.poids.sum() == pytest.approx(reg.ACCOMPANIED_2024, rel=1e-9) and (y.poids > 0).all()
    pop = reg.population_table()
    pop_dep = pop.groupby("departement").effectif.sum() / pop.effectif.sum()
    w_dep = y.groupby("departement").poids.sum() / y.poids.sum()
    assert np.abs(w_dep - pop_dep).max() < 0.005   # weights undo the unequal allocation
    assert (y.departement == 59).mean() < pop_dep[59] - 0.1  # Nord under-sampled


def test_categories_and_territories(y):
    assert set(y.logement.unique()) == set(residentiel.LOGEMENT)
    assert set(y.territoire.unique()) == {1, 2, 3} and y.territoire.value_counts(normalize=True).min() > 0.15
    w = y.groupby("logement").poids.sum() / y.poids.sum()
    assert w[[1, 2]].sum() == pytest.approx(0.62, abs=0.05)
    assert w[[5, 6]].sum() == pytest.approx(0.06, abs=0.025)
    assert (y.loc[y.territoire == 2, "qpv"] == 1).mean() > 0.8
    assert (y.loc[y.logement == 4, "statut_occupation"] == 5).all()  # FJT → resident paying a fee


def test_precarity_vs_insertion_outcomes(y):
    precarious = y.logement.isin([2, 5, 6])
    assert y.emploi[~precarious].mean() - y.emploi[precarious].mean() > 0.08
    assert y.decrochage[precarious].mean() - y.decrochage[~precarious].mean() > 0.10
    table = pd.crosstab(y.logement, y.situation)
    assert chi2_contingency(table).pvalue < 1e-6


def test_latent_residential_profiles_are_recoverable(y, residentiel_latent):
    cls = residentiel_latent["_classes"][0].classe.to_numpy()
    # severe precarity has homelessness episodes, stable-with-parents almost never
    assert y.periode_sans_logement[cls == 4].mean() > 0.5 > 0.1 > y.periode_sans_logement[cls == 0].mean()
    assert y.nb_demenagements[cls == 4].mean() > 2 * y.nb_demenagements[cls == 0].mean() + 1


def test_professionals(pros):
    assert len(pros) == 400 and pros.ml.nunique() == 42 and pros.groupby("ml").size().min() >= 3
    assert set(pros.departement.unique()) == set(reg.DEPARTEMENTS)
    rural = pros.ml.map(reg.ml_frame().set_index("ml_code").type_territoire).eq("rural")
    assert pros.aisance_logement[~rural].mean() > pros.aisance_logement[rural].mean()
    assert pros.besoin_formation.mean() == pytest.approx(0.62, abs=0.01)
