"""What the leak scan reports (:class:`LeakFinding`), what it looks for (:class:`ScanRules`) and
where a piece of output came from (:class:`Where`)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache

__all__ = ["KINDS", "LeakFinding", "ScanRules", "Where", "excerpt", "summarize"]

#: Kinds of finding, each with what it means.
KINDS = {
    "identifier": "a value (or the shape of a value) of an identifying column",
    "row_level": "individual records (a table whose rows look like persons)",
    "small_cell": "a count under the disclosure threshold in a table cell",
    "hidden_count": "a cell marked hidden (suppressed) that still carries a number",
    "small_count": "a count under the threshold in text (\"3 jeunes\", \"n = 7\")",
    "unscanned": "an output the scan cannot read (it must not be published unread)",
}


@dataclass(frozen=True)
class LeakFinding:
    """One problem in one output: ``file``, ``kind`` (see :data:`KINDS`), ``detail``; for a
    notebook the ``cell`` index (in the executed notebook) and ``source`` (its first code line);
    ``channel`` names the output (``execute_result text/html``, ``stream stderr``, ``html @alt``,
    ``xlsx sheet 'T1'``...); ``excerpt`` a short piece around the problem (never a whole table)."""

    file: str
    kind: str
    detail: str
    cell: int | None = None
    channel: str = ""
    excerpt: str = ""
    source: str = ""

    def location(self) -> str:
        """``cell 7 «display(df.head())» [execute_result text/html]`` (empty for a plain file)."""
        parts = []
        if self.cell is not None:
            parts.append(f"cell {self.cell}" + (f" «{self.source}»" if self.source else ""))
        if self.channel:
            parts.append(f"[{self.channel}]")
        return " ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        text = f"{self.file}: {self.kind}" + (f" in {where}" if where else "") + f": {self.detail}"
        return text + (f" — «{self.excerpt}»" if self.excerpt else "")


@dataclass(frozen=True)
class ScanRules:
    """What a study's outputs must not contain.

    ``threshold``: smallest unweighted count that may be shown (the config's
    ``disclosure_threshold``).  ``identifier_values`` / ``identifier_columns``: values and names
    of identifying columns; ``identifier_patterns``: regular expressions of identifier shapes
    (pseudonyms: :data:`PSEUDONYM_PATTERN` is always searched).  ``microdata_rows``: rows of the
    smallest large input (a table that long is a dump); ``microdata_columns``: column names of the
    inputs.  ``row_level_rows``: a table of at least this many rows whose rows look like persons
    is row-level data; ``row_level_signals``: how many of the independent signs (see
    :mod:`.grid`) make rows look like persons.
    """

    threshold: int = 11
    identifier_values: frozenset[str] = field(default_factory=frozenset)
    identifier_columns: frozenset[str] = field(default_factory=frozenset)
    microdata_rows: int | None = None
    identifier_patterns: tuple[str, ...] = ()
    microdata_columns: frozenset[str] = field(default_factory=frozenset)
    row_level_rows: int = 5
    row_level_signals: int = 2

    def __post_init__(self) -> None:
        if int(self.threshold) < 1:
            raise ValueError(f"ScanRules.threshold must be a positive integer, got {self.threshold!r}.")
        if int(self.row_level_rows) < 2:
            raise ValueError(f"ScanRules.row_level_rows must be at least 2, got {self.row_level_rows!r}.")

    def patterns(self) -> tuple[re.Pattern, ...]:
        return _compiled((PSEUDONYM_PATTERN, *self.identifier_patterns))


#: A keyed pseudonym of :func:`arefie_studies.io.pseudonymise`: 20 lower-case hex characters
#: (at least one digit and one letter, so that a 20-digit number is not one).
PSEUDONYM_PATTERN = r"(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{20}(?![0-9A-Za-z])"


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p) for p in patterns)


@dataclass(frozen=True)
class Where:
    """Where a piece of output comes from: file, notebook cell, channel."""

    file: str
    channel: str = ""
    cell: int | None = None
    source: str = ""

    def at(self, channel: str) -> Where:
        return replace(self, channel=f"{self.channel} {channel}".strip())

    def finding(self, kind: str, detail: str, excerpt_text: str = "") -> LeakFinding:
        return LeakFinding(self.file, kind, detail, cell=self.cell, channel=self.channel,
                           excerpt=excerpt_text, source=self.source)


_WS = re.compile(r"\s+")


def excerpt(text: str, start: int, end: int, width: int = 30) -> str:
    """``text[start:end]`` with up to ``width`` characters each side, on one line."""
    left = max(0, start - width)
    right = min(len(text), end + width)
    out = _WS.sub(" ", text[left:right]).strip()
    return ("…" if left else "") + out + ("…" if right < len(text) else "")


def summarize(findings: list[LeakFinding], limit: int = 10) -> str:
    """One line of counts by kind and by file, then the first ``limit`` findings."""
    if not findings:
        return "leak scan: nothing found."
    kinds = Counter(f.kind for f in findings)
    files = Counter(f.file for f in findings)
    head = (f"{len(findings)} finding(s): "
            + ", ".join(f"{k} ×{n}" for k, n in sorted(kinds.items()))
            + " in " + ", ".join(f"{f} ({n})" for f, n in sorted(files.items())))
    lines = [head] + [f"  - {f}" for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"  … and {len(findings) - limit} more")
    return "\n".join(lines)
