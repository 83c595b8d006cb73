"""The README's library example runs as written (it is the first thing a researcher copies)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_example_runs(monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python example"
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    # the calibrated weights reach the population total given in the example
    assert namespace["cal"].weights.sum() == pytest.approx(4421 + 755 + 1018, rel=1e-9)
