"""``arefie-studies validate``: every study is one slug in three places and its inputs are sound.

For each study: the config parses; ``notebooks/<slug>.ipynb`` exists and has a cell tagged
``parameters`` that declares every configured parameter; the study module
(``src/arefie_studies/studies/<slug>.py``) exists; each input file exists, reads, and validates against
its codebook; the identifying columns it names exist.  Problems are collected, not raised.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from arefie_studies.project.config import RESERVED_PARAMETERS, StudyConfigError, load_config

__all__ = ["notebook_parameters", "validate_studies"]


def notebook_parameters(path: Path) -> set[str] | None:
    """Names assigned in the notebook's ``parameters`` cell (None if it has no such cell)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            names: set[str] = set()
            for node in ast.walk(ast.parse(src)):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
            return names
    return None


def _check_study(root: Path, config, check_data: bool) -> list[str]:
    from arefie_studies.project.cache import module_file

    slug = config.slug
    problems = []
    nb = root / config.notebook
    if not nb.is_file():
        problems.append(f"{slug}: notebook {config.notebook} not found (key 'notebook' of {config.path}).")
    else:
        try:
            declared = notebook_parameters(nb)
        except (ValueError, SyntaxError) as exc:
            declared = set()
            problems.append(f"{slug}: {config.notebook} cannot be read: {exc}")
        if declared is None:
            problems.append(f"{slug}: {config.notebook} has no cell tagged 'parameters' "
                            "(papermill injects the run's parameters after it).")
        else:
            wanted = set(config.parameters) | {k for v in config.variants for k in v.parameters}
            wanted |= set(RESERVED_PARAMETERS)
            missing = sorted(wanted - declared)
            if missing:
                problems.append(f"{slug}: the parameters cell of {config.notebook} does not declare "
                                f"{', '.join(missing)} (declared: {', '.join(sorted(declared)) or 'none'}).")
    if module_file(root, config.module) is None:
        problems.append(f"{slug}: study module {config.module} not found "
                        f"(expected src/{config.module.replace('.', '/')}.py).")
    for spec in config.inputs.values():
        path = root / spec.path
        if not path.is_file():
            hint = " (run `arefie-studies synth`)" if spec.is_synthetic else ""
            problems.append(f"{slug}: input '{spec.name}' not found: {spec.path}{hint}.")
            continue
        if spec.codebook and not (root / spec.codebook).is_file():
            problems.append(f"{slug}: codebook of input '{spec.name}' not found: {spec.codebook}.")
            continue
        if check_data:
            from arefie_studies.project.inputs import validate_input

            try:
                validate_input(spec, root, config.path)
            except ImportError as exc:
                problems.append(f"{slug}: input '{spec.name}' not checked: the io layer is not "
                                f"available ({exc}).")
            except Exception as exc:
                msg = str(exc).strip()
                problems.append(f"{slug}: input '{spec.name}' ({spec.path}): {type(exc).__name__}: {msg}")
    return problems


def validate_studies(root: Path, slugs: list[str] | None = None, *,
                     check_data: bool = True) -> tuple[list[str], list[str]]:
    """(problems, slugs checked) for the named studies or all of ``studies/*.yaml``."""
    root = Path(root)
    available = sorted(p.stem for p in (root / "studies").glob("*.yaml"))
    chosen = slugs or available
    problems: list[str] = []
    for slug in chosen:
        path = root / "studies" / f"{slug}.yaml"
        if not path.is_file():
            problems.append(f"{slug}: no studies/{slug}.yaml (available: {', '.join(available) or 'none'}).")
            continue
        try:
            config = load_config(path, root)
        except StudyConfigError as exc:
            problems.append(f"{slug}: {exc}")
            continue
        problems += _check_study(root, config, check_data)
    if not slugs:  # one study = one slug in three places: no notebook or module without a config
        from arefie_studies.studies import SHARED_MODULES

        orphans = [(p, "notebooks") for p in sorted((root / "notebooks").glob("*.ipynb"))]
        mod_dir = root / "src" / "arefie_studies" / "studies"
        orphans += [(p, "src/arefie_studies/studies") for p in sorted(mod_dir.glob("*.py"))
                    if p.stem not in SHARED_MODULES]
        for path, where in orphans:
            if not path.stem.startswith("_") and path.stem not in available:
                hint = (" Hint: a notebook of your own belongs in notebooks/explore/ (never validated "
                        "nor published)." if where == "notebooks" else "")
                problems.append(f"{path.stem}: {where}/{path.name} has no studies/{path.stem}.yaml.{hint}")
    return problems, list(chosen)
