"""Study configurations: ``studies/<slug>.yaml`` parsed and validated into frozen dataclasses.

A study is one slug in three places: ``studies/<slug>.yaml`` (this file), ``notebooks/<slug>.ipynb``
(the parametrised notebook) and ``src/arefie_studies/studies/<slug>.py`` (its recodes and indicators).

Schema (every key but ``title`` is optional)::

    slug: sante_jeunes                 # must equal the file name
    title: "Étude santé jeunes"        # French, shown on the report's title page
    description: "Enquête sur la santé des jeunes accompagnés par les Missions Locales"  # title-page line
    partners: "AREFIE, ARS Hauts-de-France, OR2S"   # title-page partners line
    contact: "observatoire@arefie.fr"  # optional: contact line of the report (default "")
    fieldwork: "mars à juin 2024"      # optional: fieldwork dates when the data hold none (default "")
    wave: 2024                         # shown in the report; defaults to parameters.wave
    notebook: notebooks/sante_jeunes.ipynb       # default notebooks/<slug>.ipynb
    module: arefie_studies.studies.sante_jeunes  # default arefie_studies.studies.<slug>
    disclosure_threshold: 11           # minimum unweighted n of any published cell (default 11, at least 5)
    inputs:
      enquete:
        path: data/synthetic/sante_jeunes_2024.sav
        codebook: data/codebooks/sante_jeunes_2024.yaml   # optional: checked by `validate`, `run`
        identifiers: [id_jeune]        # identifying columns: their values must never be published
        pseudonymise: [id_jeune]       # replaced by a keyed pseudonym when loaded (load_inputs)
        birth_dates: [date_naissance]  # reduced to the year when loaded
        drop: [nom]                    # removed when loaded
    # The codebook's id_columns are identifying too (the leak scan looks for their values).
    references:                        # reference files the study reads (fingerprinted like inputs)
      population: {path: data/reference/population_ml_2024.csv, source: "Insee, RP 2021"}
    compute_parameters: [wave]         # parameters that change the computed results (cache key);
                                       # the others (ml, departement) only choose what a report shows
    parameters: {wave: 2024}           # papermill defaults for every variant
    variants:                          # default: one variant named "regional"
      - name: regional
        label: "Rapport régional"      # default for the name regional (else the name)
        subtitle: "Hauts-de-France"
      - by: departement                # one variant per value, parameter departement=<value>
        values: ["02", "59", "60", "62", "80"]   # quote codes: YAML reads 02 as the integer 2
        labels: {"02": "Aisne", "59": "Nord", "60": "Oise", "62": "Pas-de-Calais", "80": "Somme"}
        name: "departement-{value}"    # folder name; default "{by}-{value}"
        label: "{label}"               # French label shown in the report (default "{label}")
        subtitle: "Département : {label}"   # default "{label}"
    tables:                            # the study's main tables, declared (read by compute)
      sexe_age:                        # a table name the study knows (its tables are listed
        title: "selon le sexe et l’âge"  # in its module's TABLES); optional French title end
        total: true                    # optional: an « Ensemble » column (default true)
        indicators: all                # "all" (default) or a list of indicator names
        breakdowns:                    # one line per breakdown, in column order
          - sexe
          - tranche_age
          - [departement, sexe]        # a list = the crossing « Département × Sexe »
    outputs: [html, pdf]               # files a complete report must have (html, pdf, notebook)
    renderer: arefie_studies.pipeline.render:render_report
    cell_timeout: 1800                 # seconds a cell may run before the variant fails (default none)

The variables and indicators of ``tables`` are checked by the study (it knows its derived
variables) through :func:`check_tables`: an unknown name is a :class:`StudyConfigError` naming the
file, the key and the close matches.

The mapping form ``variants: {regional: {}, by: {parameter: departement, values: [...]}}`` is also
accepted: each key is a variant name mapped to its parameter overrides, ``by`` (a mapping or a list of
mappings, ``parameter`` standing for ``by``) generates variants.  Values may instead come from a CSV
column: ``values_from: {path: data/reference/ml.csv, column: code_ml, label_column: nom_ml}``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_THRESHOLD",
    "RESERVED_PARAMETERS",
    "InputSpec",
    "ReferenceSpec",
    "StudyConfig",
    "StudyConfigError",
    "TableSpec",
    "Variant",
    "check_tables",
    "load_config",
    "load_configs",
]

#: Parameters the pipeline injects into every run (a notebook declares them in its parameters cell).
RESERVED_PARAMETERS = ("variant", "disclosure_threshold", "output_dir")
DEFAULT_RENDERER = "arefie_studies.pipeline.render:render_report"
#: Minimum unweighted count of a published cell (the observatory's rule) and the lowest a config may set.
DEFAULT_THRESHOLD = 11
MIN_THRESHOLD = 5
OUTPUT_KINDS = ("html", "pdf", "notebook")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TOP_KEYS = {
    "slug", "title", "description", "partners", "wave", "notebook", "module", "disclosure_threshold", "inputs",
    "contact", "fieldwork",
    "parameters", "variants", "outputs", "renderer", "cell_timeout", "references", "compute_parameters",
    "tables",
}
_TABLE_KEYS = {"title", "total", "indicators", "breakdowns"}
_INPUT_KEYS = {"path", "codebook", "identifiers", "pseudonymise", "drop", "birth_dates"}
_VARIANT_KEYS = {"name", "label", "subtitle", "parameters"}
_BY_KEYS = {"by", "parameter", "values", "values_from", "labels", "name", "label", "subtitle",
            "parameters"}


class StudyConfigError(ValueError):
    """A study configuration is missing, malformed or inconsistent (message names file and key)."""


@dataclass(frozen=True)
class InputSpec:
    """One declared input file of a study (paths relative to the project root)."""

    name: str
    path: str
    codebook: str | None = None
    identifiers: tuple[str, ...] = ()
    pseudonymise: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()

    @property
    def identifying_columns(self) -> tuple[str, ...]:
        """Columns whose values must never appear in a published output."""
        cols = self.identifiers + self.pseudonymise + self.drop + self.birth_dates
        return tuple(dict.fromkeys(cols))

    @property
    def is_synthetic(self) -> bool:
        """Inputs under ``data/synthetic/`` are regenerated by ``arefie-studies synth`` if missing."""
        return Path(self.path).parts[:2] == ("data", "synthetic")


@dataclass(frozen=True)
class ReferenceSpec:
    """A reference file a study reads besides its microdata (population margins, ML list,
    published benchmarks): declared so it is fingerprinted and cached like any input."""

    name: str
    path: str
    source: str = ""


@dataclass(frozen=True)
class Variant:
    """One report of a study: a folder-safe ``name``, the French ``label`` shown in the report
    (default "Rapport régional" for ``regional``, else the name), a ``subtitle`` and the parameters
    overriding the study defaults."""

    name: str
    subtitle: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def display(self) -> str:
        """The French label shown on the report and in the index."""
        return self.label or ("Rapport régional" if self.name == "regional" else self.name)


@dataclass(frozen=True)
class TableSpec:
    """One declared table of a study: its ``breakdowns`` (columns; a tuple of two or more names
    is their crossing), its ``indicators`` (rows; None = all the study offers), an optional
    French ``title`` end and whether it has an « Ensemble » column (``total``)."""

    name: str
    breakdowns: tuple[str | tuple[str, ...], ...]
    indicators: tuple[str, ...] | None = None
    title: str = ""
    total: bool = True

    @property
    def variables(self) -> tuple[str, ...]:
        """Every variable the breakdowns use (a crossing's variables one by one)."""
        out: list[str] = []
        for b in self.breakdowns:
            out.extend((b,) if isinstance(b, str) else b)
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class StudyConfig:
    """A validated ``studies/<slug>.yaml``."""

    slug: str
    title: str
    path: Path
    notebook: str
    module: str
    wave: Any = None
    disclosure_threshold: int = 11
    inputs: dict[str, InputSpec] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    variants: tuple[Variant, ...] = ()
    outputs: tuple[str, ...] = ("html", "pdf")
    renderer: str = DEFAULT_RENDERER
    cell_timeout: int | None = None
    description: str = ""
    partners: str = ""
    contact: str = ""
    fieldwork: str = ""
    references: dict[str, ReferenceSpec] = field(default_factory=dict)
    compute_parameters: tuple[str, ...] | None = None
    tables: dict[str, TableSpec] | None = None

    @property
    def is_synthetic(self) -> bool:
        """True when any microdata input is synthetic (``data/synthetic/``)."""
        return any(spec.is_synthetic for spec in self.inputs.values())

    def variant(self, name: str) -> Variant:
        """The variant called ``name``; raises StudyConfigError listing the known names."""
        for v in self.variants:
            if v.name == name:
                return v
        known = ", ".join(v.name for v in self.variants)
        raise StudyConfigError(
            f"{self.path}: study '{self.slug}' has no variant '{name}'. Known variants: {known}."
        )

    def run_parameters(self, variant: Variant) -> dict[str, Any]:
        """Papermill parameters of one variant (without ``output_dir``, set per run)."""
        params = dict(self.parameters)
        params.update(variant.parameters)
        params["variant"] = variant.name
        params["disclosure_threshold"] = self.disclosure_threshold
        return params


class _Ctx:
    """Error helper: every message starts with the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str, hint: str = "") -> StudyConfigError:
        msg = f"{self.path}: key '{key}': {problem}"
        if hint:
            msg += f" Hint: {hint}"
        return StudyConfigError(msg)

    def mapping(self, value: Any, key: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping, got {type(value).__name__} ({value!r}).")
        return value

    def str_list(self, value: Any, key: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of column names, got {value!r}.")
        return tuple(value)

    def unknown(self, given: dict, allowed: set[str], key: str) -> None:
        extra = sorted(set(given) - allowed)
        if extra:
            where = f"{key}." if key else ""
            raise self.fail(
                f"{where}{extra[0]}",
                f"unknown key. Allowed keys here: {', '.join(sorted(allowed))}.",
                "check the spelling (keys are lower-case English).",
            )


def _unique_key_loader():
    """A YAML SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last one
    silently, so ``disclosure_threshold: 11`` then ``disclosure_threshold: 3`` would lower the
    threshold without a word)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise _DuplicateKey(key, seen[key], line)
                seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


class _DuplicateKey(Exception):
    def __init__(self, key: Any, first: int, again: int) -> None:
        super().__init__(key, first, again)
        self.key, self.first, self.again = key, first, again


def _load_yaml(path: Path) -> Any:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_unique_key_loader())
    except FileNotFoundError:
        raise StudyConfigError(f"{path}: study configuration not found.") from None
    except IsADirectoryError:
        raise StudyConfigError(f"{path}: is a folder, not a study configuration file.") from None
    except _DuplicateKey as dup:
        raise StudyConfigError(
            f"{path}: key '{dup.key}' is given twice (lines {dup.first} and {dup.again}). "
            "Hint: keep one; YAML would silently keep the last one.") from None
    except yaml.YAMLError as exc:
        raise StudyConfigError(f"{path}: not valid YAML: {exc}") from None


#: environment variable naming an alternative synthetic dataset (``run --data national``)
DATASET_ENV = "AREFIE_DATASET"


def dataset_path(path: str, dataset: str | None = None) -> str:
    """``path`` in the synthetic dataset ``dataset`` (default: ``$AREFIE_DATASET``): an input
    under ``data/synthetic/`` is read from ``data/synthetic/<dataset>/`` instead (what
    ``arefie-studies synth --scale national`` writes); other paths are unchanged.  The variable
    reaches the notebook kernels and Dask workers, which load the inputs themselves."""
    import os

    name = (dataset if dataset is not None else os.environ.get(DATASET_ENV, "")).strip()
    parts = Path(path).parts
    if not name or parts[:2] != ("data", "synthetic"):
        return path
    return Path("data", "synthetic", name, *parts[2:]).as_posix()


def _parse_inputs(ctx: _Ctx, raw: Any) -> dict[str, InputSpec]:
    out: dict[str, InputSpec] = {}
    for name, spec in ctx.mapping(raw, "inputs").items():
        key = f"inputs.{name}"
        if isinstance(spec, str):
            spec = {"path": spec}
        spec = ctx.mapping(spec, key)
        ctx.unknown(spec, _INPUT_KEYS, key)
        path = spec.get("path")
        if not isinstance(path, str) or not path:
            raise ctx.fail(f"{key}.path", "missing or not a string.", "give the file path relative to the project root.")
        codebook = spec.get("codebook")
        if codebook is not None and not isinstance(codebook, str):
            raise ctx.fail(f"{key}.codebook", f"expected a path, got {codebook!r}.")
        out[str(name)] = InputSpec(
            name=str(name),
            path=dataset_path(path),
            codebook=codebook,
            identifiers=ctx.str_list(spec.get("identifiers"), f"{key}.identifiers"),
            pseudonymise=ctx.str_list(spec.get("pseudonymise"), f"{key}.pseudonymise"),
            drop=ctx.str_list(spec.get("drop"), f"{key}.drop"),
            birth_dates=ctx.str_list(spec.get("birth_dates"), f"{key}.birth_dates"),
        )
    return out


def _parse_references(ctx: _Ctx, raw: Any, root: Path) -> dict[str, ReferenceSpec]:
    out: dict[str, ReferenceSpec] = {}
    for name, spec in ctx.mapping(raw, "references").items():
        key = f"references.{name}"
        if isinstance(spec, str):
            spec = {"path": spec}
        spec = ctx.mapping(spec, key)
        ctx.unknown(spec, {"path", "source"}, key)
        path = spec.get("path")
        if not isinstance(path, str) or not path:
            raise ctx.fail(f"{key}.path", "missing or not a string.", "give the file path relative to the project root.")
        source = spec.get("source", "")
        if not isinstance(source, str):
            raise ctx.fail(f"{key}.source", f"expected a French source line, got {source!r}.")
        out[str(name)] = ReferenceSpec(str(name), path, source.strip())
    return out


def _parse_tables(ctx: _Ctx, raw: Any) -> dict[str, TableSpec] | None:
    """``tables:`` -> one :class:`TableSpec` per table (structure only; names are checked by the
    study with :func:`check_tables`)."""
    if raw is None:
        return None
    out: dict[str, TableSpec] = {}
    for name, spec in ctx.mapping(raw, "tables").items():
        key = f"tables.{name}"
        spec = ctx.mapping(spec, key)
        ctx.unknown(spec, _TABLE_KEYS, key)
        raw_b = spec.get("breakdowns")
        if not isinstance(raw_b, list) or not raw_b:
            raise ctx.fail(f"{key}.breakdowns", f"expected a list of variables (one per line), "
                           f"got {raw_b!r}.",
                           "write '- sexe', or '- [departement, sexe]' for a crossing.")
        breakdowns: list[str | tuple[str, ...]] = []
        for i, b in enumerate(raw_b):
            bkey = f"{key}.breakdowns[{i}]"
            if isinstance(b, str) and b.strip():
                item: str | tuple[str, ...] = b.strip()
            elif isinstance(b, list) and all(isinstance(v, str) and v.strip() for v in b):
                if len(b) < 2:
                    raise ctx.fail(bkey, f"a crossing needs two or more variables, got {b!r}.",
                                   f"write '- {b[0]}' for one variable." if b else "")
                if len(set(b)) != len(b):
                    raise ctx.fail(bkey, f"{b!r} crosses a variable with itself.")
                item = tuple(v.strip() for v in b)
            else:
                raise ctx.fail(bkey, f"expected a variable name or a list of variables to cross, "
                               f"got {b!r}.", "write '- sexe' or '- [departement, sexe]'.")
            if item in breakdowns:
                raise ctx.fail(bkey, f"breakdown {b!r} is listed twice.")
            breakdowns.append(item)
        indicators = spec.get("indicators", "all")
        if indicators == "all":
            inds = None
        else:
            inds = ctx.str_list(indicators, f"{key}.indicators")
            if not inds:
                raise ctx.fail(f"{key}.indicators", "empty list.", "write 'all' or name indicators.")
        title = spec.get("title", "")
        if not isinstance(title, str):
            raise ctx.fail(f"{key}.title", f"expected a French text, got {title!r}.")
        total = spec.get("total", True)
        if not isinstance(total, bool):
            raise ctx.fail(f"{key}.total", f"expected true or false, got {total!r}.")
        out[str(name)] = TableSpec(str(name), tuple(breakdowns), inds, title.strip(), total)
    if not out:
        raise ctx.fail("tables", "no table declared.", "omit the key to keep the study's tables.")
    return out


def _unknown_name(ctx: _Ctx, key: str, what: str, name: str, known: list[str]) -> StudyConfigError:
    import difflib

    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = (f"did you mean {', '.join(repr(c) for c in close)}?" if close else "") + (
        f" Known {what}s: {', '.join(known[:40])}{' ...' if len(known) > 40 else ''}.")
    return ctx.fail(key, f"unknown {what} {name!r}.", hint.strip())


def check_tables(config: StudyConfig, *, tables: Any, breakdowns: Any,
                 indicators: Any) -> dict[str, TableSpec]:
    """The declared tables of ``config`` checked against what the study knows: ``tables`` (its
    table names), ``breakdowns`` (variables it can break down by) and ``indicators`` (indicator
    names); ``breakdowns`` and ``indicators`` may instead map each table name to its own list.
    Returns the specs; raises :class:`StudyConfigError` naming the file, the key, the unknown
    name and its close matches."""
    if config.tables is None:
        return {}
    ctx = _Ctx(config.path)

    def names(v: Any, table: str) -> list[str]:
        v = v.get(table, ()) if isinstance(v, dict) else v
        return list(dict.fromkeys(str(x) for x in v))

    known_t = names(tables, "")
    for name in config.tables:
        if name not in known_t:
            raise _unknown_name(ctx, f"tables.{name}", "table", name, known_t)
    for name, spec in config.tables.items():
        known_b, known_i = names(breakdowns, name), names(indicators, name)
        for i, b in enumerate(spec.breakdowns):
            for v in (b,) if isinstance(b, str) else b:
                if v not in known_b:
                    raise _unknown_name(ctx, f"tables.{name}.breakdowns[{i}]", "variable", v, known_b)
        for i, ind in enumerate(spec.indicators or ()):
            if ind not in known_i:
                raise _unknown_name(ctx, f"tables.{name}.indicators[{i}]", "indicator", ind, known_i)
    return dict(config.tables)


def _check_name(ctx: _Ctx, name: Any, key: str) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ctx.fail(
            key,
            f"variant name {name!r} is not a safe folder name.",
            "use letters, digits, '-', '_' or '.', starting with a letter or digit.",
        )
    return name


def _values_from(ctx: _Ctx, spec: Any, key: str, root: Path) -> tuple[list[Any], dict[str, str]]:
    spec = ctx.mapping(spec, key)
    ctx.unknown(spec, {"path", "column", "label_column"}, key)
    path, column = spec.get("path"), spec.get("column")
    if not isinstance(path, str) or not isinstance(column, str):
        raise ctx.fail(key, "needs 'path' (a CSV file) and 'column'.")
    full = root / path
    try:
        with open(full, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise ctx.fail(f"{key}.path", f"file not found: {full}.") from None
    if rows and column not in rows[0]:
        raise ctx.fail(f"{key}.column", f"column '{column}' not in {path}; available: {', '.join(rows[0])}.")
    label_col = spec.get("label_column")
    if label_col is not None and rows and label_col not in rows[0]:
        raise ctx.fail(f"{key}.label_column", f"column '{label_col}' not in {path}; available: {', '.join(rows[0])}.")
    values = list(dict.fromkeys(r[column] for r in rows))
    labels = {r[column]: r[label_col] for r in rows} if label_col else {}
    return values, labels


def _expand_by(ctx: _Ctx, spec: dict, key: str, defaults: dict, root: Path) -> list[Variant]:
    ctx.unknown(spec, _BY_KEYS, key)
    param = spec.get("by", spec.get("parameter"))
    if not isinstance(param, str):
        raise ctx.fail(f"{key}.by", "name the parameter that takes one value per variant.")
    if param in RESERVED_PARAMETERS:
        raise ctx.fail(f"{key}.by", f"'{param}' is set by the pipeline and cannot vary.")
    if "values" in spec and "values_from" in spec:
        raise ctx.fail(key, "give either 'values' or 'values_from', not both.")
    if "values_from" in spec:
        values, labels = _values_from(ctx, spec["values_from"], f"{key}.values_from", root)
    else:
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise ctx.fail(f"{key}.values", "expected a non-empty list of parameter values.")
        labels = {}
    labels.update({str(k): str(v) for k, v in ctx.mapping(spec.get("labels"), f"{key}.labels").items()})
    default = defaults.get(param)
    if default is not None:
        bad = [v for v in values if type(v) is not type(default) and not (
            isinstance(default, float) and isinstance(v, int))]
        if bad:
            raise ctx.fail(
                f"{key}.values",
                f"values {bad!r} are not of the type of the default {param}={default!r} "
                f"({type(default).__name__}).",
                'quote codes such as "02" (YAML reads 02 as the integer 2).',
            )
    extra = ctx.mapping(spec.get("parameters"), f"{key}.parameters")
    name_tpl = spec.get("name", "{by}-{value}")
    sub_tpl = spec.get("subtitle", "{label}")
    label_tpl = spec.get("label", "{label}")
    out = []
    for value in values:
        fmt = {"by": param, "value": value, "label": labels.get(str(value), str(value))}
        try:
            name = str(name_tpl).format(**fmt)
            subtitle = str(sub_tpl).format(**fmt)
            label = str(label_tpl).format(**fmt)
        except (KeyError, IndexError) as exc:
            raise ctx.fail(key, f"bad template field {exc}; use {{by}}, {{value}} or {{label}}.") from None
        out.append(Variant(_check_name(ctx, name, f"{key}.name"), subtitle, {**extra, param: value},
                           label))
    return out


def _parse_variants(ctx: _Ctx, raw: Any, defaults: dict, root: Path) -> tuple[Variant, ...]:
    if raw is None:
        return (Variant("regional"),)
    entries: list[tuple[str, dict]] = []
    if isinstance(raw, dict):  # mapping form: name -> overrides, plus `by`
        for name, spec in raw.items():
            if name == "by":
                for i, b in enumerate(spec if isinstance(spec, list) else [spec]):
                    entries.append((f"variants.by[{i}]", ctx.mapping(b, f"variants.by[{i}]")))
            else:
                spec = ctx.mapping(spec, f"variants.{name}")
                if not set(spec) <= _VARIANT_KEYS:  # bare overrides
                    spec = {"parameters": spec}
                entries.append((f"variants.{name}", {"name": name, **spec}))
    elif isinstance(raw, list):
        entries = [(f"variants[{i}]", ctx.mapping(v, f"variants[{i}]")) for i, v in enumerate(raw)]
    else:
        raise ctx.fail("variants", f"expected a list or a mapping, got {type(raw).__name__}.")
    variants: list[Variant] = []
    for key, spec in entries:
        if "by" in spec or "parameter" in spec:
            variants.extend(_expand_by(ctx, spec, key, defaults, root))
            continue
        ctx.unknown(spec, _VARIANT_KEYS, key)
        params = ctx.mapping(spec.get("parameters"), f"{key}.parameters")
        for p in params:
            if p in RESERVED_PARAMETERS:
                raise ctx.fail(f"{key}.parameters.{p}", "is set by the pipeline.")
        name = _check_name(ctx, spec.get("name"), f"{key}.name")
        variants.append(Variant(name, str(spec.get("subtitle", "") or ""), params,
                                str(spec.get("label", "") or "")))
    seen: set[str] = set()
    for v in variants:
        if v.name in seen:
            raise ctx.fail("variants", f"variant name '{v.name}' appears twice.")
        seen.add(v.name)
    if not variants:
        raise ctx.fail("variants", "no variant defined.", "omit the key to get the single 'regional' variant.")
    return tuple(variants)


def load_config(path: str | Path, root: str | Path | None = None) -> StudyConfig:
    """Read and validate one ``studies/<slug>.yaml``; ``root`` is the project root (default: parent of studies/)."""
    path = Path(path)
    root = Path(root) if root is not None else path.resolve().parent.parent
    ctx = _Ctx(path)
    raw = ctx.mapping(_load_yaml(path), "<top>")
    if not raw:
        raise StudyConfigError(f"{path}: the file is empty; a study needs at least 'title'.")
    ctx.unknown(raw, _TOP_KEYS, "")
    slug = raw.get("slug", path.stem)
    if slug != path.stem:
        raise ctx.fail("slug", f"'{slug}' differs from the file name '{path.stem}'.",
                       "one study = one slug: studies/<slug>.yaml, notebooks/<slug>.ipynb, studies/<slug>.py.")
    if not re.match(r"^[a-z][a-z0-9_]*$", slug):
        raise ctx.fail("slug", f"'{slug}' must be a lower-case Python identifier (it names a module).")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ctx.fail("title", "missing: give the French title shown on the report.")
    threshold = raw.get("disclosure_threshold", DEFAULT_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ctx.fail("disclosure_threshold", f"expected a whole number of respondents, got {threshold!r}.")
    if threshold < MIN_THRESHOLD:
        raise ctx.fail("disclosure_threshold",
                       f"{threshold} is below the minimum of {MIN_THRESHOLD} respondents per published cell.",
                       f"the observatory's rule is {DEFAULT_THRESHOLD}; never publish cells under {MIN_THRESHOLD}.")
    params = ctx.mapping(raw.get("parameters"), "parameters")
    for p in params:
        if p in RESERVED_PARAMETERS:
            raise ctx.fail(f"parameters.{p}", "is set by the pipeline for every run.",
                           "use the top-level key 'disclosure_threshold' for the threshold.")
    outputs = ctx.str_list(raw.get("outputs", ["html", "pdf"]), "outputs")
    bad = [o for o in outputs if o not in OUTPUT_KINDS]
    if bad:
        raise ctx.fail("outputs", f"unknown output {bad[0]!r}; allowed: {', '.join(OUTPUT_KINDS)}.")
    renderer = raw.get("renderer", DEFAULT_RENDERER)
    if not isinstance(renderer, str) or renderer.count(":") != 1:
        raise ctx.fail("renderer", f"expected 'package.module:function', got {renderer!r}.")
    cell_timeout = raw.get("cell_timeout")
    if cell_timeout is not None and (isinstance(cell_timeout, bool) or not isinstance(cell_timeout, int)
                                     or cell_timeout < 1):
        raise ctx.fail("cell_timeout", f"expected a number of seconds (a positive integer), "
                       f"got {cell_timeout!r}.")
    texts = {}
    for key in ("description", "partners", "contact", "fieldwork"):
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise ctx.fail(key, f"expected a French text, got {value!r}.")
        texts[key] = value.strip()
    notebook = raw.get("notebook", f"notebooks/{slug}.ipynb")
    module = raw.get("module", f"arefie_studies.studies.{slug}")
    for key, value in (("notebook", notebook), ("module", module)):
        if not isinstance(value, str) or not value:
            raise ctx.fail(key, f"expected a string, got {value!r}.")
    compute_params = raw.get("compute_parameters")
    if compute_params is not None:
        compute_params = ctx.str_list(compute_params, "compute_parameters")
        unknown = [p for p in compute_params if p not in params]
        if unknown:
            raise ctx.fail("compute_parameters", f"{unknown[0]!r} is not a key of 'parameters'.",
                           "list the parameters that change the study's computed results.")
    return StudyConfig(
        slug=slug,
        title=title.strip(),
        path=path,
        notebook=notebook,
        module=module,
        wave=raw.get("wave", params.get("wave")),
        disclosure_threshold=threshold,
        inputs=_parse_inputs(ctx, raw.get("inputs")),
        parameters=params,
        variants=_parse_variants(ctx, raw.get("variants"), params, root),
        outputs=outputs,
        renderer=renderer,
        cell_timeout=cell_timeout,
        references=_parse_references(ctx, raw.get("references"), root),
        compute_parameters=compute_params,
        tables=_parse_tables(ctx, raw.get("tables")),
        **texts,
    )


def load_configs(root: str | Path, slugs: list[str] | None = None) -> list[StudyConfig]:
    """Every study of the project at ``root`` (sorted by slug), or the named ones."""
    root = Path(root)
    studies_dir = root / "studies"
    available = sorted(p.stem for p in studies_dir.glob("*.yaml"))
    if slugs:
        missing = [s for s in slugs if s not in available]
        if missing:
            raise StudyConfigError(
                f"unknown study {', '.join(missing)}: no {studies_dir}/{missing[0]}.yaml. "
                f"Available studies: {', '.join(available) or '(none)'}."
            )
        chosen = list(dict.fromkeys(slugs))
    else:
        chosen = available
    return [load_config(studies_dir / f"{s}.yaml", root) for s in chosen]
