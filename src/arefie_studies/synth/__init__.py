"""Seeded synthetic study data in the real formats, anchored on published regional figures.

``generate_all()`` writes every dataset the four studies read by default into ``data/synthetic/``
(the same seed gives byte-identical files). Each generator module documents its assumptions:

- :mod:`~arefie_studies.synth.sante` — santé jeunes 2024 and 2020 (.sav);
- :mod:`~arefie_studies.synth.cej` — i-Milo-like CEJ extracts (.parquet) and the ML survey (.sav);
- :mod:`~arefie_studies.synth.residentiel` — youths' and professionals' surveys (.sav);
- :mod:`~arefie_studies.synth.barometre` — national youth and company barometers (.parquet);
- :mod:`~arefie_studies.synth._registry` — the 42 ML and the population margins of
  ``data/reference/`` (written by :func:`write_reference`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from arefie_studies.io.codebook import Codebook
from arefie_studies.synth import _registry, barometre, cej, residentiel, sante
from arefie_studies.synth._common import save_parquet, save_sav

#: dataset name → file extension written by generate_all
FORMATS = {
    "sante_jeunes_2024": ".sav", "sante_jeunes_2020": ".sav",
    "cej_jeunes": ".parquet", "cej_contrats": ".parquet", "cej_situations": ".parquet",
    "cej_activite_hebdo": ".parquet", "cej_allocations": ".parquet", "cej_enquete_ml": ".sav",
    "parcours_residentiel_jeunes": ".sav", "parcours_residentiel_professionnels": ".sav",
    "barometre_jeunes": ".parquet", "barometre_entreprises": ".parquet",
}


def build_all(seed: int = 2024, scale: float = 1.0) -> dict[str, tuple[pd.DataFrame, Codebook]]:
    """Every dataset in memory: name → (frame of stored values, codebook). ``scale`` shrinks n."""
    def n(x: int) -> int:
        return max(round(x * scale), 60)

    out: dict[str, tuple[pd.DataFrame, Codebook]] = {}
    for year in (2024, 2020):
        out[f"sante_jeunes_{year}"] = sante.generate(year, n=n(sante.WAVES[year]["n"]), seed=seed)
    out |= {k: v for k, v in cej.generate(n=n(12_000), seed=seed).items() if not k.startswith("_")}
    out |= {k: v for k, v in residentiel.generate(n(3000), n(400), seed=seed).items() if not k.startswith("_")}
    out |= barometre.generate(seed=seed, scale=scale)
    return out


def generate_all(out_dir: Path = Path("data/synthetic"), seed: int = 2024, *, scale: float = 1.0) -> list[Path]:
    """Write every synthetic dataset to ``out_dir`` and return the paths written.

    Byte-identical for equal ``seed`` and ``scale`` (fixed .sav header stamp, no Parquet
    timestamps). ``scale`` < 1 writes small variants (tests).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    # Each file is written in a private folder, then renamed into place: a reader (a study run,
    # a test worker) never sees a half-written file, and an interrupted run leaves none behind.
    with tempfile.TemporaryDirectory(prefix=".tmp-synth-", dir=out_dir) as tmp:
        for name, (df, cb) in build_all(seed=seed, scale=scale).items():
            final = out_dir / f"{name}{FORMATS[name]}"
            writer = save_sav if FORMATS[name] == ".sav" else save_parquet
            written = Path(writer(df, cb, Path(tmp) / final.name))
            os.replace(written, final)
            paths.append(final)
    return paths


def codebooks() -> dict[str, Codebook]:
    """The codebook of every dataset (what each study expects), independent of the seed."""
    return {name: cb for name, (_df, cb) in build_all(seed=0, scale=0.02).items()}


def write_codebooks(out_dir: Path = Path("data/codebooks")) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, cb in codebooks().items():
        path = out_dir / f"{name}.yaml"
        cb.to_yaml(path)
        paths.append(path)
    return paths


def reference_tables() -> dict[str, pd.DataFrame]:
    """The committed reference CSVs of ``data/reference/`` (deterministic, no seed)."""
    return {
        "missions_locales.csv": _registry.ml_frame(),
        "population_ml_2024.csv": _registry.population_table(),
        "profil_ml_2024.csv": _registry.ml_profile_table(),
        "benchmarks_sante.csv": _registry.benchmarks_sante(),
        "missions_locales_france.csv": barometre.ml_table(),
    }


def write_reference(out_dir: Path = Path("data/reference")) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in reference_tables().items():
        path = out_dir / name
        df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths


__all__ = ["FORMATS", "build_all", "codebooks", "generate_all", "reference_tables", "write_codebooks",
           "write_reference"]
