"""`studies` stands on `project` and never on `pipeline` (configs, layout, inputs and the cache
live below the studies)."""

import subprocess
import sys


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
