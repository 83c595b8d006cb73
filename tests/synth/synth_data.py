"""Full-size synthetic datasets built once per test process (cached; no conftest.py on purpose)."""

from __future__ import annotations

from functools import lru_cache

from arefie_studies.synth import build_all, cej, residentiel


@lru_cache(maxsize=1)
def full():
    """name → (frame of stored codes, codebook), default sizes and seed (≈ 5 s, once)."""
    return build_all(seed=2024, scale=1.0)


@lru_cache(maxsize=1)
def cej_latent():
    """The CEJ tables with the latent trajectory types (not written to disk)."""
    return cej.generate(n=12_000, seed=2024)


@lru_cache(maxsize=1)
def residentiel_latent():
    return residentiel.generate(3000, 400, seed=2024)
