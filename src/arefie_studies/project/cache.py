"""One cache for every study's computed results.

A study's ``compute(inputs, params)`` is pure, so its ``Results`` can be kept and reused by every
variant of the same edition (the regional report and the 42 Mission Locale reports read one
computation). The key covers everything that can change the result:

- every declared input file and its codebook (sha256 of the bytes);
- every declared reference file (population margins, ML list, benchmarks);
- the study's configuration file itself (texts a report reads from it: fieldwork dates,
  contact, partners...);
- how identifying columns are treated (``identifiers``, ``pseudonymise``, ``drop``,
  ``birth_dates``) and whether a pseudonymisation key is set (its hash, never the key);
- the compute parameters (``compute_parameters`` of the config, else every parameter) and the
  disclosure threshold;
- the installed library's source tree (every ``.py`` and template of ``arefie_studies``: a change
  of one line of ``survey`` changes every key) and the study module when it lives outside it.

The pipeline's variant fingerprint is built on the same :func:`study_dependencies`, so a report is
re-run exactly when its results could have changed. Entries live in ``<root>/.cache/results/``
(never in the published tree), are written atomically under a file lock (parallel variants compute
an entry once) and hold pickled ``Results`` objects made by this project's own code.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from arefie_studies.project.config import StudyConfig
from arefie_studies.project.hashing import HashCache, library_tree, tree_hash

__all__ = [
    "MissingInputError",
    "ResultsCache",
    "cache_dir",
    "compute_parameters",
    "hash_cache",
    "module_file",
    "results_key",
    "study_dependencies",
]

T = TypeVar("T")
#: Parameters the pipeline sets that never change a computed result.
_PRESENTATION_ONLY = ("variant", "output_dir")
#: Entries kept per study (older ones are removed when a new one is written).
KEEP_PER_STUDY = 6


class MissingInputError(FileNotFoundError):
    """A declared input, codebook or reference file does not exist (message names key and file)."""


def cache_dir(root: str | Path) -> Path:
    """``<root>/.cache``: file hashes and study results (ignored by git, never published)."""
    return Path(root) / ".cache"


def hash_cache(root: str | Path) -> HashCache:
    """The project's file-hash cache (``.cache/hashes.json``, keyed by size and mtime)."""
    return HashCache(cache_dir(root) / "hashes.json")


def module_file(root: Path, module: str) -> Path | None:
    """The study module's source file: under ``<root>/src``, ``<root>`` or the installed package."""
    rel = Path(*module.split("."))
    for base in (root / "src", root):
        for cand in (base / rel.with_suffix(".py"), base / rel / "__init__.py"):
            if cand.is_file():
                return cand
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin and spec.origin != "built-in" else None


def study_dependencies(config: StudyConfig, root: str | Path, cache: HashCache | None = None) -> dict[str, Any]:
    """Hashes of every file and setting a study's results depend on (see the module docstring).

    Raises :class:`MissingInputError` naming the config key when a declared file is absent.
    """
    root = Path(root)
    cache = cache if cache is not None else hash_cache(root)

    def digest(rel: str, key: str, hint: str = "") -> str:
        path = root / rel
        if not path.is_file():
            raise MissingInputError(f"{config.path}: key '{key}': file not found: {rel}.{hint}")
        return cache.file(path)

    inputs: dict[str, Any] = {}
    for name, spec in config.inputs.items():
        hint = " Hint: run `arefie-studies synth`." if spec.is_synthetic else ""
        entry: dict[str, Any] = {"path": spec.path, "sha256": digest(spec.path, f"inputs.{name}.path", hint),
                                 "identifiers": list(spec.identifiers), "pseudonymise": list(spec.pseudonymise),
                                 "drop": list(spec.drop), "birth_dates": list(spec.birth_dates)}
        if spec.codebook:
            entry["codebook_sha256"] = digest(spec.codebook, f"inputs.{name}.codebook")
        inputs[name] = entry
    references = {name: {"path": spec.path, "sha256": digest(spec.path, f"references.{name}.path")}
                  for name, spec in config.references.items()}
    lib = library_tree()
    parts: dict[str, Any] = {"inputs": inputs, "references": references, "library": tree_hash(lib, cache),
                             "config": cache.file(Path(config.path))}
    module = module_file(root, config.module)
    if module is not None and lib not in module.resolve().parents:
        parts["module"] = cache.file(module)
    if any(spec.pseudonymise for spec in config.inputs.values()):
        key = os.environ.get("AREFIE_PSEUDO_KEY", "")
        parts["pseudo_key"] = hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""
    return parts


def compute_parameters(config: StudyConfig, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters that change a study's computed results: the config's
    ``compute_parameters`` (else every parameter but ``variant``/``output_dir``), plus the
    disclosure threshold (it decides which cells the results hide)."""
    if config.compute_parameters is not None:
        chosen = {k: params.get(k, config.parameters.get(k)) for k in config.compute_parameters}
    else:
        chosen = {k: v for k, v in params.items() if k not in _PRESENTATION_ONLY}
    chosen["disclosure_threshold"] = int(params.get("disclosure_threshold", config.disclosure_threshold))
    return chosen


def results_key(config: StudyConfig, params: Mapping[str, Any], root: str | Path,
                cache: HashCache | None = None) -> str:
    """sha256 over the study's dependencies and compute parameters (the cache entry's name)."""
    blob = {"slug": config.slug, "deps": study_dependencies(config, root, cache),
            "params": compute_parameters(config, params)}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()


class ResultsCache:
    """Computed ``Results`` on disk under ``folder`` (default ``<root>/.cache/results``)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def for_project(cls, root: str | Path) -> ResultsCache:
        return cls(cache_dir(root) / "results")

    def path(self, slug: str, key: str) -> Path:
        return self.folder / slug / f"{key[:32]}.pkl"

    def get_or_compute(self, slug: str, key: str, compute: Callable[[], T]) -> T:
        """The cached result for ``key``, or ``compute()`` stored under it (once, under a lock)."""
        path = self.path(slug, key)
        hit = self._load(path)
        if hit is not None:
            return hit
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            hit = self._load(path)
            if hit is not None:
                return hit
            value = compute()
            tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        self._prune(path.parent)
        return value

    @staticmethod
    def _load(path: Path) -> Any:
        if not path.is_file():
            return None
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None  # an entry written by older code: recomputed and replaced

    @staticmethod
    def _prune(folder: Path) -> None:
        entries = sorted(folder.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP_PER_STUDY:]:
            for p in (old, old.with_suffix(".lock")):
                try:
                    p.unlink()
                except OSError:
                    pass
