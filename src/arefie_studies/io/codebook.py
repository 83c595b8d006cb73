"""The codebook: what each variable of a dataset means and which values it may take.

A :class:`Codebook` is returned by :func:`arefie_studies.io.read_data` (built from the file's own
metadata: SPSS/Stata labels, Parquet key-value metadata) and is also how a study declares the
variables it expects (``data/codebooks/<dataset>.yaml``), which :func:`validate_frame` checks.

YAML layout::

    dataset: sante_jeunes_2024
    description: Enquête santé des jeunes accompagnés en Mission Locale, 2024
    id_columns: [id_questionnaire]
    variables:
      sexe:
        label: Sexe
        type: numeric            # numeric | string | date | datetime | time (of day)
        measure: nominal         # nominal | ordinal | scale
        values: {1: Homme, 2: Femme}
        missing: [9]             # user-missing codes (SPSS); become NaN on read
        range: [16, 29]          # allowed range for numeric values (optional)
        role: weight             # optional: id | weight | ...
        required: true           # missing column is an error (default true)
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from arefie_studies.io.errors import CodebookError

_TYPES = ("numeric", "string", "date", "datetime", "time")
_MEASURES = ("nominal", "ordinal", "scale", None)


def _clean_code(code: Any) -> int | float | str:
    """Codes read as floats (SPSS stores doubles) become ints when integral."""
    if isinstance(code, bool):
        return int(code)
    if isinstance(code, float) and code.is_integer():
        return int(code)
    if hasattr(code, "item"):  # numpy scalar
        return _clean_code(code.item())
    return code


@dataclass
class Variable:
    """One variable: label, storage type, value labels (code -> French label), missing codes."""

    name: str
    label: str | None = None
    type: str = "numeric"
    value_labels: dict[int | float | str, str] = field(default_factory=dict)
    missing_codes: list[int | float | str] = field(default_factory=list)
    missing_range: tuple[float, float] | None = None
    measure: str | None = None
    n_valid: int | None = None
    range: tuple[float, float] | None = None
    role: str | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise CodebookError(
                f"Variable '{self.name}': unknown type {self.type!r}; expected one of {list(_TYPES)}."
            )
        if self.measure not in _MEASURES:
            raise CodebookError(
                f"Variable '{self.name}': unknown measure {self.measure!r}; expected nominal, "
                "ordinal or scale."
            )
        self.value_labels = {_clean_code(k): str(v) for k, v in (self.value_labels or {}).items()}
        self.missing_codes = [_clean_code(c) for c in (self.missing_codes or [])]
        if self.missing_range is not None:
            self.missing_range = (float(self.missing_range[0]), float(self.missing_range[1]))
        if self.range is not None:
            if len(self.range) != 2:
                raise CodebookError(f"Variable '{self.name}': range must be [min, max].")
            self.range = (float(self.range[0]), float(self.range[1]))

    @property
    def valid_labels(self) -> dict[int | float | str, str]:
        """Value labels of non-missing codes, in code order (the categorical order)."""
        out = {}
        for code in _ordered_codes(self.value_labels):
            if code in self.missing_codes or self._in_missing_range(code):
                continue
            out[code] = self.value_labels[code]
        return out

    def _in_missing_range(self, code: Any) -> bool:
        if self.missing_range is None or isinstance(code, str):
            return False
        return self.missing_range[0] <= code <= self.missing_range[1]

    def to_dict(self) -> dict[str, Any]:
        """The YAML form (defaults omitted)."""
        out: dict[str, Any] = {}
        if self.label is not None:
            out["label"] = self.label
        out["type"] = self.type
        if self.measure:
            out["measure"] = self.measure
        if self.value_labels:
            out["values"] = {k: self.value_labels[k] for k in _ordered_codes(self.value_labels)}
        if self.missing_codes:
            out["missing"] = list(self.missing_codes)
        if self.missing_range is not None:
            out["missing_range"] = [_clean_code(x) for x in self.missing_range]
        if self.range is not None:
            out["range"] = [_clean_code(x) for x in self.range]
        if self.role:
            out["role"] = self.role
        if not self.required:
            out["required"] = False
        return out

    @classmethod
    def from_dict(cls, name: str, spec: Mapping[str, Any] | None) -> Variable:
        spec = dict(spec or {})
        known = {"label", "type", "measure", "values", "missing", "missing_range", "range", "role",
                 "required", "n_valid"}
        unknown = set(spec) - known
        if unknown:
            raise CodebookError(
                f"Variable '{name}': unknown codebook keys {sorted(unknown)}; allowed: {sorted(known)}."
            )
        return cls(
            name=name,
            label=spec.get("label"),
            type=spec.get("type", "numeric"),
            measure=spec.get("measure"),
            value_labels=dict(spec.get("values") or {}),
            missing_codes=list(spec.get("missing") or []),
            missing_range=spec.get("missing_range"),
            range=spec.get("range"),
            role=spec.get("role"),
            required=bool(spec.get("required", True)),
            n_valid=spec.get("n_valid"),
        )


def _ordered_codes(value_labels: Mapping[Any, str]) -> list[Any]:
    """Numeric codes in ascending order; string codes keep their declared order."""
    codes = list(value_labels)
    if all(not isinstance(c, str) for c in codes):
        return sorted(codes, key=float)
    return codes


@dataclass
class Codebook:
    """An ordered collection of :class:`Variable` for one dataset."""

    variables: dict[str, Variable] = field(default_factory=dict)
    dataset: str | None = None
    description: str | None = None
    id_columns: list[str] = field(default_factory=list)
    source: str | None = None

    # -- container protocol -------------------------------------------------------------------
    def __getitem__(self, name: str) -> Variable:
        try:
            return self.variables[name]
        except KeyError:
            raise KeyError(
                f"Variable '{name}' is not in codebook '{self.dataset or self.source}'; "
                f"available: {', '.join(self.variables)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.variables

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables.values())

    def __len__(self) -> int:
        return len(self.variables)

    @property
    def names(self) -> list[str]:
        return list(self.variables)

    @property
    def variable_labels(self) -> dict[str, str | None]:
        return {v.name: v.label for v in self}

    @property
    def value_labels(self) -> dict[str, dict[int | float | str, str]]:
        return {v.name: dict(v.value_labels) for v in self if v.value_labels}

    def __repr__(self) -> str:
        """A readable listing (one line per variable, first 30), as R's ``str()`` would give,
        instead of the dataclass's one huge line."""
        head = (f"Codebook {self.dataset or ''!s}: {len(self)} variable(s)"
                + (f" — {self.source}" if self.source else "")).replace("Codebook :", "Codebook:")
        if not len(self):
            return head
        frame = self.to_frame()[["variable", "label", "type", "value_labels"]].head(30)
        frame["value_labels"] = frame["value_labels"].str.slice(0, 60)
        body = frame.to_string(index=False, max_colwidth=60)
        more = f"\n… {len(self) - 30} more: codebook.to_frame() lists them all." if len(self) > 30 else ""
        return f"{head}\n{body}{more}"

    __str__ = __repr__

    def with_variables(self, variables: Mapping[str, Variable]) -> Codebook:
        """A copy with another set of variables (the codebook object is never mutated in place)."""
        return replace(self, variables=dict(variables))

    # -- tables ---------------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per variable: name, label, type, measure, value labels, missing codes, n valid."""
        rows = []
        for v in self:
            rows.append({
                "variable": v.name,
                "label": v.label or "",
                "type": v.type,
                "measure": v.measure or "",
                "value_labels": "; ".join(f"{k} = {lab}" for k, lab in v.value_labels.items()),
                "missing_codes": ", ".join(str(c) for c in v.missing_codes)
                + (f" {v.missing_range[0]:g}–{v.missing_range[1]:g}" if v.missing_range else ""),
                "n_valid": v.n_valid,
            })
        return pd.DataFrame(rows, columns=["variable", "label", "type", "measure", "value_labels",
                                           "missing_codes", "n_valid"])

    def to_html(self) -> str:
        """An HTML table of :meth:`to_frame` (escaped; French labels kept as UTF-8)."""
        frame = self.to_frame()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
        body = []
        for row in frame.itertuples(index=False):
            cells = "".join(
                f"<td>{html.escape('' if pd.isna(x) else str(x))}</td>" for x in row
            )
            body.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{html.escape(self.dataset)}</caption>" if self.dataset else ""
        return (f'<table class="codebook">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(body)}</tbody></table>")

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table of :meth:`to_frame`."""
        frame = self.to_frame()

        def cell(x: Any) -> str:
            return ("" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)).replace("|", "\\|")

        lines = ["| " + " | ".join(frame.columns) + " |",
                 "|" + "|".join("---" for _ in frame.columns) + "|"]
        lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in frame.itertuples(index=False)]
        return "\n".join(lines) + "\n"

    # -- serialisation -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.dataset:
            out["dataset"] = self.dataset
        if self.description:
            out["description"] = self.description
        if self.id_columns:
            out["id_columns"] = list(self.id_columns)
        out["variables"] = {v.name: v.to_dict() for v in self}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> Codebook:
        if not isinstance(data, Mapping) or not isinstance(data.get("variables"), Mapping):
            raise CodebookError(
                f"Codebook '{source}' must be a mapping with a 'variables' mapping "
                "(see arefie_studies.io.codebook for the layout)."
            )
        variables = {str(n): Variable.from_dict(str(n), s) for n, s in data["variables"].items()}
        id_columns = list(data.get("id_columns") or [])
        unknown = [c for c in id_columns if c not in variables]
        if unknown:
            raise CodebookError(f"Codebook '{source}': id_columns {unknown} are not declared variables.")
        return cls(variables=variables, dataset=data.get("dataset"),
                   description=data.get("description"), id_columns=id_columns, source=source)

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Write the codebook as YAML (UTF-8, French labels unescaped); returns the text."""
        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_yaml(cls, path: str | Path) -> Codebook:
        """Load a codebook declared in YAML (see the module docstring for the layout)."""
        path = Path(path)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"),  # C loader: 10x faster
                             Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except FileNotFoundError:
            raise CodebookError(f"Codebook file '{path}' does not exist.") from None
        except yaml.YAMLError as exc:
            raise CodebookError(f"Codebook file '{path}' is not valid YAML: {exc}") from None
        return cls.from_dict(data, source=str(path))

    def to_json(self) -> str:
        """Compact JSON (codes as strings are restored on load) used in Parquet metadata."""
        data = self.to_dict()
        for spec in data["variables"].values():
            if "values" in spec:
                spec["values"] = [[k, v] for k, v in spec["values"].items()]
        return json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, source: str | None = None) -> Codebook:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CodebookError(f"Embedded codebook of '{source}' is not valid JSON: {exc}") from None
        for spec in data.get("variables", {}).values():
            if isinstance(spec.get("values"), list):
                spec["values"] = {k: v for k, v in spec["values"]}
        return cls.from_dict(data, source=source)


def codebook_from_frame(df: pd.DataFrame, *, dataset: str | None = None,
                        source: str | None = None) -> Codebook:
    """Infer a codebook from a frame (labels from ``df.attrs['variable_labels']``, categoricals)."""
    labels = df.attrs.get("variable_labels", {}) or {}
    variables = {}
    for col in df.columns:
        s = df[col]
        value_labels: dict[Any, str] = {}
        if isinstance(s.dtype, pd.CategoricalDtype):
            typ = "numeric" if pd.api.types.is_numeric_dtype(s.cat.categories.dtype) else "string"
            measure = "ordinal" if s.cat.ordered else "nominal"
        elif pd.api.types.is_datetime64_any_dtype(s):
            typ, measure = "datetime", "scale"
        elif pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            typ, measure = "numeric", "scale"
        else:
            typ, measure = "string", "nominal"
        variables[str(col)] = Variable(
            name=str(col), label=labels.get(col), type=typ, measure=measure,
            value_labels=value_labels, n_valid=int(s.notna().sum()),
        )
    return Codebook(variables=variables, dataset=dataset, source=source)


def as_dict(variable: Variable) -> dict[str, Any]:
    """Plain-dict form of a variable (all fields)."""
    return asdict(variable)
