"""Exceptions and warnings raised by :mod:`arefie_studies.io`.

Every error names the file (or argument), the variable and the offending rows, states the problem and
gives a hint, so a researcher never has to read a pyreadstat or pandas traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


class DataReadError(ValueError):
    """A data file cannot be read: missing, empty, truncated, wrong extension or wrong encoding."""

    def __init__(self, path: str | Path, problem: str, hint: str | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.hint = hint
        message = f"Cannot read data file '{self.path}': {problem}."
        if hint:
            message += f" Hint: {hint}"
        super().__init__(message)


class CodebookError(ValueError):
    """A codebook (YAML or in-file metadata) is malformed."""


@dataclass(frozen=True)
class Problem:
    """One validation problem: its kind, the variable, a message and the first offending rows."""

    kind: str
    variable: str | None
    message: str
    rows: tuple[int, ...] = field(default_factory=tuple)

    def render(self) -> str:
        where = f"variable '{self.variable}'" if self.variable else "file"
        text = f"[{self.kind}] {where}: {self.message}"
        if self.rows:
            text += f" (first rows, 0-based: {', '.join(str(r) for r in self.rows)})"
        return text


class DataValidationError(ValueError):
    """A frame does not match its codebook; lists ALL problems found at once."""

    def __init__(self, source: str | Path | None, problems: Sequence[Problem]) -> None:
        self.source = str(source) if source is not None else "<data frame>"
        self.problems = list(problems)
        lines = [f"Data validation failed for '{self.source}' ({len(self.problems)} problem(s)):"]
        lines += [f"  - {p.render()}" for p in self.problems]
        lines.append("Hint: fix the file or update the study's codebook (data/codebooks/<dataset>.yaml).")
        super().__init__("\n".join(lines))

    @property
    def kinds(self) -> list[str]:
        """The kinds of problems found, in order (e.g. ``['missing_column', 'unexpected_code']``)."""
        return [p.kind for p in self.problems]


class DataIntakeWarning(UserWarning):
    """A file was read but some values could not be interpreted as its metadata says (e.g. codes
    of a labelled variable that have no label): the message names the file, the variable, the
    values and the first rows; the column is kept with its raw values."""


class PseudonymisationWarning(UserWarning):
    """The pseudonymisation key is not set: a per-process random key is used (ids not linkable)."""
