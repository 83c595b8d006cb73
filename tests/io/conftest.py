"""Fixtures for the io tests: a labelled survey-like frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def labelled():
    """A small survey-like frame with labels, a user-missing code and a range of missing codes."""
    df = pd.DataFrame({
        "id": ["a1", "a2", "a3", "a4", "a5", "a6"],
        "sat": [2.0, 1.0, 4.0, 9.0, 3.0, 2.0],          # 9 = Ne sait pas (user-missing)
        "revenu": [1200.0, 850.0, 99998.0, 1500.0, 99999.0, 0.0],  # 99998–99999 = refus / NSP
        "ville": ["Amiens", "Saint-Quentin", "Béthune", "Lille", "Château-Thierry", "Abbeville"],
        "age": [17.0, 22.0, 25.0, 19.0, np.nan, 28.0],
    })
    meta = {
        "variable_labels": {"id": "Identifiant", "sat": "Satisfaction à l'égard de l'accueil",
                            "revenu": "Revenu mensuel (€)", "ville": "Commune", "age": "Âge"},
        "value_labels": {"sat": {1: "Très satisfait", 2: "Plutôt satisfait", 3: "Plutôt pas satisfait",
                                 4: "Pas du tout satisfait", 9: "Ne sait pas"}},
        "missing_ranges": {"sat": [9], "revenu": [{"lo": 99998, "hi": 99999}]},
        "measure": {"sat": "ordinal", "revenu": "scale", "age": "scale"},
    }
    return df, meta
