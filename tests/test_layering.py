"""Layering: a package uses only the public API of the other packages.

Every module of the packages in ``PACKAGES`` is parsed with ``ast``; a module fails when it

* imports a private module or name of ANOTHER top-level subpackage
  (``arefie_studies.<pkg>._x``, ``from ..<pkg>._x import y``, ``from arefie_studies.<pkg> import
  _y``, ``from arefie_studies.<pkg>.mod import _y``) — private modules within one package are
  fine;
* reads a private attribute of a design object outside ``survey`` (``design._w``,
  ``d._stages``, ``self.design._x``, ``getattr(design, "_domain")``, ...).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "arefie_studies"
PACKAGES = ["survey", "methods", "tables", "charts", "io", "synth", "pipeline", "project", "studies"]
# names that hold a design object in this code base (variables, parameters, attributes)
_DESIGN_NAME = re.compile(r"^_?(design|d|des|dsg|svy|svy_design|\w+_design|design_\w+)$")


def _private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def _absolute(module: str | None, level: int, here: list[str]) -> list[str]:
    """Dotted parts of an import's target; ``here`` is the importing module's package path."""
    parts = [] if module is None else module.split(".")
    if level == 0:
        return parts
    base = here[: len(here) - (level - 1)]
    return base + parts


def _is_design_expr(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return bool(_DESIGN_NAME.match(node.id))
    if isinstance(node, ast.Attribute):  # self.design, ctx._design, ...
        return bool(_DESIGN_NAME.match(node.attr)) and node.attr not in ("d",)
    return False


def violations(source: str, package: str, package_path: list[str]) -> list[str]:
    """Layering problems of one module's ``source``; ``package`` is its top-level subpackage
    (e.g. "tables") and ``package_path`` the dotted path of the package holding it
    (e.g. ["arefie_studies", "tables"])."""
    out: list[str] = []
    tree = ast.parse(source)

    def foreign_private(parts: list[str]) -> bool:
        if len(parts) < 2 or parts[0] != "arefie_studies" or parts[1] == package:
            return False
        return any(_private(p) for p in parts[2:])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if foreign_private(parts):
                    out.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            parts = _absolute(node.module, node.level, package_path)
            if foreign_private(parts):
                out.append(f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import ...")
                continue
            if len(parts) >= 2 and parts[0] == "arefie_studies" and parts[1] != package:
                for alias in node.names:
                    if _private(alias.name):
                        out.append(f"line {node.lineno}: from {'.'.join(parts)} import {alias.name}")
        elif package != "survey" and isinstance(node, ast.Attribute):
            if _private(node.attr) and _is_design_expr(node.value):
                out.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif package != "survey" and isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id in ("getattr", "hasattr", "setattr")
                    and len(node.args) >= 2 and _is_design_expr(node.args[0])
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str) and _private(node.args[1].value)):
                out.append(f"line {node.lineno}: {ast.unparse(node)}")
    return out


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (SRC / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_module_uses_only_public_api_of_other_packages(path: Path):
    rel = path.relative_to(SRC)
    package = rel.parts[0]
    package_path = ["arefie_studies", *rel.parts[:-1]]
    if rel.name == "__init__.py":
        package_path = ["arefie_studies", *rel.parts[:-1]]
    found = violations(path.read_text(encoding="utf-8"), package, package_path)
    assert not found, f"{rel}: private API of another package used:\n  " + "\n  ".join(found)


def test_every_listed_package_has_modules():
    for pkg in PACKAGES:
        assert (SRC / pkg / "__init__.py").is_file(), pkg
    assert len(_modules()) > 40


@pytest.mark.parametrize(
    ("source", "package", "expected"),
    [
        ("from ..survey._banner import x", "tables", 1),
        ("from ..survey import SurveyDesign", "tables", 0),
        ("from ._engine import design_cells", "tables", 0),
        ("from arefie_studies.methods._ward import cut_tree", "charts", 1),
        ("import arefie_studies.survey._variance as v", "tables", 1),
        ("from arefie_studies.survey import _variance", "tables", 1),
        ("from arefie_studies.survey._variance import psu_totals_vcov", "survey", 0),
        ("from arefie_studies.tables import _format", "tables", 0),
        ("w = design._w", "tables", 1),
        ("w = self.design._stages", "methods", 1),
        ("ok = getattr(design, '_domain', None)", "tables", 1),
        ("w = design.weights", "tables", 0),
        ("w = self._w", "tables", 0),
        ("w = design._w", "survey", 0),
    ],
)
def test_checker_flags_private_access(source, package, expected):
    got = violations(source, package, ["arefie_studies", package])
    assert len(got) == expected, got


# ----------------------------------------------------------- studies stand on project, never on pipeline



def test_importing_studies_loads_no_pipeline_module():
    code = ("import sys, arefie_studies.studies, arefie_studies.project; "
            "import arefie_studies.studies.contract; "
            "print(sorted(m for m in sys.modules if m.startswith('arefie_studies.pipeline')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_study_module_imports_pipeline_even_lazily():
    """Function-level imports count too (the old study modules imported `pipeline.config` inside
    functions)."""
    import ast
    from pathlib import Path

    import arefie_studies

    studies = Path(arefie_studies.__file__).parent / "studies"
    offenders = []
    for path in sorted(studies.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}:{node.lineno} {n}" for n in names
                          if n.startswith("arefie_studies.pipeline")]
    assert offenders == []


def test_every_study_module_imports_without_pipeline():
    code = ("import sys, importlib; from pathlib import Path; import arefie_studies.studies as s; "
            "[importlib.import_module('arefie_studies.studies.' + p.stem) "
            " for p in Path(s.__file__).parent.glob('*.py') if p.stem != '__init__']; "
            "print(sorted(m for m in sys.modules if m.startswith('arefie_studies.pipeline')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
