"""Full-size synthetic datasets built once per test session (in memory, ≈ 5 s)."""

from __future__ import annotations

import pytest

from arefie_studies.synth import build_all, cej, residentiel


@pytest.fixture(scope="session")
def full():
    """name → (frame of stored codes, codebook), default sizes and seed."""
    return build_all(seed=2024, scale=1.0)


@pytest.fixture(scope="session")
def cej_latent():
    """The CEJ tables with the latent trajectory types (not written to disk)."""
    return cej.generate(n=12_000, seed=2024)


@pytest.fixture(scope="session")
def residentiel_latent():
    return residentiel.generate(3000, 400, seed=2024)
