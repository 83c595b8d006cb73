"""Tables of any origin (HTML, printed DataFrames, CSV, XLSX, JSON) as one :class:`Grid`, and the
two checks made on every table:

Small counts — a cell is a *count* when its row or column is labelled as one (``n``, ``Effectif``,
``Total``, ``count``, ``Nombre de jeunes``…), or when its column is made of whole numbers (at least
60 % of its non-empty cells) that are not a numbering ``0, 1, 2…``; a label that says otherwise
(weighted ``N``, ``Rang``, ``Année``, ``Âge``, ``%``, ``Moyenne``, ``Code``, ``Valeur``…) wins.
A count 1 … threshold-1 is a finding unless its cell is marked hidden.  Cells carrying ``data-n``
are checked from that attribute (by :mod:`.htmldoc`); their text (usually a percentage) is read
too, so ``<td data-n="30">3</td>`` still shows a count of 3.

Row-level data — a table is individual records when a column is headed by an identifying name
(the study's identifiers, ``id``, ``identifiant``, ``date de naissance``…), when it has as many
rows as the smallest microdata input, or when it has at least ``row_level_rows`` rows and at least
``row_level_signals`` of these signs: rows numbered (0, 1, 2… or any distinct whole numbers) or
not labelled at all; two or more columns named like person-level variables (``sexe``, ``age``,
``commune``…, or a column name of the study's inputs); a column of distinct full dates; two or
more text columns whose values repeat down the rows (one row per person, no count column).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from arefie_studies.pipeline.leakscan.model import LeakFinding, ScanRules, Where

__all__ = ["Cell", "Grid", "Row", "analyse_grid", "axis_kind", "grid_from_matrix", "int_value",
           "text_grids"]


@dataclass
class Cell:
    """One value cell: its text, column position, and what the producer said about it."""

    text: str = ""
    col: int = 0
    hidden: bool = False  # marked suppressed (data-suppressed / class suppressed)
    marked: bool = False  # carries data-n: checked from the attribute
    n: int | None = None  # the data-n value
    number: float | int | None = None  # typed value (XLSX, JSON)
    percent: bool = False  # a percentage (XLSX number format)


@dataclass
class Row:
    label: str
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Grid:
    """A table: column headers by position, the row-label column's header, the body rows."""

    headers: dict[int, str] = field(default_factory=dict)
    label_header: str = ""
    rows: list[Row] = field(default_factory=list)
    labelled: bool = True


_EMPTY = {"", "s", "-", "–", "—", "nan", "none", "<na>", "nat", "n.d.", "nd", "…", "...", "x", "*",
          "na", "n/a", "null"}
_INT_TEXT = re.compile(r"^\d+(?:[.,]0+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def _empty(cell: Cell) -> bool:
    return cell.number is None and cell.text.strip().casefold() in _EMPTY


def int_value(cell: Cell) -> int | None:
    """The cell as a non-negative whole number, or None (percentages, decimals, text)."""
    if cell.percent:
        return None
    if cell.number is not None:
        v = cell.number
        if isinstance(v, bool) or v != v or v < 0 or float(v) != int(v):
            return None
        return int(v)
    text = _SPACES.sub("", cell.text)
    if not _INT_TEXT.match(text):
        return None
    return int(re.split(r"[.,]", text)[0])


def _norm_tokens(label: str) -> list[str]:
    text = unicodedata.normalize("NFKD", label.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.findall(r"[a-z0-9%°]+", text)


_COUNT_FIRST = {"n", "eff", "effectif", "effectifs", "count", "counts", "size", "freq", "frequence",
                "frequency", "frequences", "base", "total", "totaux", "ensemble", "all", "nb",
                "nombre", "jeunes", "repondants", "repondantes", "personnes", "beneficiaires",
                "individus", "entreprises", "respondents", "youths"}
_POPULATION = {"jeunes", "jeune", "repondants", "repondant", "personnes", "personne", "beneficiaires",
               "individus", "entreprises", "ml", "missions", "employeurs", "respondents", "youths",
               "people", "participants", "allocataires", "stagiaires", "femmes", "hommes", "cas",
               "reponses", "questionnaires", "menages", "eleves", "etudiants", "salaries"}
_NON_COUNT = {"rang", "rank", "annee", "annees", "an", "ans", "year", "years", "mois", "month",
              "months", "semaine", "semaines", "week", "weeks", "jour", "jours", "day", "days", "age",
              "ages", "heure", "heures", "hour", "hours", "duree", "code", "departement", "dep",
              "vague", "wave", "version", "valeur", "value", "parametre", "parameter", "position",
              "ordre", "order", "numero", "no", "n°", "identifiant", "date", "pct", "%", "part",
              "taux", "rate", "proportion", "moyenne", "moyen", "mean", "mediane", "median", "ecart",
              "sd", "std", "ic", "ci", "sig", "ratio", "odds", "coef", "coefficient", "poids",
              "weight", "pondere", "ponderee", "ponderes", "ponderees", "weighted", "montant",
              "euros", "eur", "revenu", "salaire", "min", "max", "minimum", "maximum", "quartile",
              "percentile", "silhouette", "distance", "indice", "index", "seuil", "threshold",
              "horizon", "variante", "logiciel", "software", "edition", "score", "note", "pvalue",
              "p", "liberte", "ddl", "df"}   # degrés de liberté: a design's df is no head count
_NON_COUNT_EXACT = {("type",), ("classe",), ("cluster",), ("groupe",), ("niveau",), ("level",),
                    ("id",), ("q1",), ("q3",), ("25%",), ("50%",), ("75%",)}


def axis_kind(label: str) -> str | None:
    """``"count"`` when a row/column label says its cells are head counts, ``"other"`` when it says
    they are something else (weighted ``N``, rank, year, age, percentage, mean…), else None."""
    raw = label.strip()
    if not raw:
        return None
    if raw == "N" or (re.match(r"^N\b", raw) and not raw.startswith("N°")):
        return "other"  # the weighted population (banner tables' N row)
    toks = _norm_tokens(raw)
    if not toks:
        return None
    if set(toks) & _NON_COUNT or tuple(toks) in _NON_COUNT_EXACT:
        return "other"
    if toks[0] in ("nombre", "nb") and not set(toks[1:]) & _POPULATION and len(toks) > 1:
        return None  # "Nombre de types", "nb_demenagements": not a head count
    if toks[0] in _COUNT_FIRST:
        return "count"
    return None


def _ordinal(values: list[int]) -> bool:
    """0, 1, 2… or 1, 2, 3… in order: a numbering, not counts."""
    return len(values) >= 3 and values[0] in (0, 1) and values == list(range(values[0],
                                                                           values[0] + len(values)))


def _columns(grid: Grid) -> dict[int, list[Cell]]:
    cols: dict[int, list[Cell]] = {}
    for row in grid.rows:
        for cell in row.cells:
            cols.setdefault(cell.col, []).append(cell)
    return cols


def _holds_shares(cells: list[Cell]) -> bool:
    """A column holding proportions (0,953…): its 1.0 is 100 %, not one person, whatever its
    header says (a column named after a Mission Locale holds that ML's shares)."""
    def share(c: Cell) -> bool:
        v = c.number
        if v is None:   # a CSV cell: its text ("0.953")
            try:
                v = float(_SPACES.sub("", c.text).replace(",", "."))
            except ValueError:
                return False
        return not isinstance(v, bool) and 0 < v < 1

    return any(share(c) for c in cells if not c.hidden and not _empty(c) and not c.percent)


def _count_like(cells: list[Cell]) -> bool:
    values = [c for c in cells if not c.hidden and not _empty(c)]
    if not values or _holds_shares(values):
        return False
    ints = [int_value(c) for c in values]
    whole = [v for v in ints if v is not None]
    if len(whole) < 0.6 * len(values) or not whole:
        return False
    return not _ordinal(whole)


def _small_cells(grid: Grid, rules: ScanRules, where: Where, name: str) -> list[LeakFinding]:
    columns = _columns(grid)
    like = {col: _count_like(cells) for col, cells in columns.items()}
    shares = {col for col, cells in columns.items() if _holds_shares(cells)}
    hits = []
    for row in grid.rows:
        rk = axis_kind(row.label)
        for cell in row.cells:
            if cell.hidden:
                continue
            value = int_value(cell)
            if value is None or not 0 < value < rules.threshold or (cell.marked and value == cell.n):
                continue  # a marked cell showing its own data-n is reported once, from the attribute
            ck = axis_kind(grid.headers.get(cell.col, ""))
            if "other" in (rk, ck) or (cell.col in shares and rk != "count"):
                continue   # a share column's 1.0 is 100 % (unless its row says it holds counts)
            if "count" in (rk, ck) or like.get(cell.col):
                col = grid.headers.get(cell.col, "") or f"#{cell.col + 1}"
                hits.append((value, f"row '{row.label[:40]}' × column '{col[:40]}' = {cell.text.strip()}"))
    if not hits:
        return []
    return [where.finding(
        "small_cell",
        f"{len(hits)} count(s) under the threshold {rules.threshold} in {name}, not marked hidden "
        f"(n = {', '.join(str(v) for v, _ in hits[:8])}): " + "; ".join(e for _, e in hits[:3]),
        hits[0][1])]


_ID_HEADER = re.compile(
    r"^(?:id|identifiant|nir|e-?mail|courriel|t[ée]l[ée]phone|pr[ée]nom|date[ _]de[ _]naissance"
    r"|date_naissance|birth_?date|dob|n°[ _]s[ée]curit[ée][ _]sociale)$|^id[_ ]|[_ ]id$", re.I)
_PERSON_FIELDS = {"sexe", "genre", "age", "tranche_age", "date_naissance", "annee_naissance",
                  "naissance", "commune", "code_postal", "adresse", "nationalite", "qualification",
                  "diplome", "situation", "statut", "logement", "qpv", "rqth", "zrr", "handicap",
                  "revenu", "salaire", "date_entree", "date_sortie", "profession", "csp", "nom",
                  "prenom", "sex", "gender", "birth_year", "zip"}
_FULL_DATE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{2}/\d{2}/\d{4})$")


def _field_name(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.strip().casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\-]+", "_", text)


def _identifier_header(header: str, rules: ScanRules) -> bool:
    h = header.strip()
    return bool(h) and (h.casefold() in rules.identifier_columns or bool(_ID_HEADER.search(h)))


def _row_level(grid: Grid, rules: ScanRules, where: Where, name: str) -> list[LeakFinding]:
    body = [r for r in grid.rows if any(not _empty(c) for c in r.cells)]
    if not body:
        return []
    headers = [grid.label_header, *grid.headers.values()]
    id_cols = [h for h in headers if _identifier_header(h, rules)]
    if id_cols:
        return [where.finding("row_level", f"{name} has an identifying column: {id_cols[0]!r}",
                              f"column {id_cols[0]!r}")]
    if rules.microdata_rows and len(body) >= rules.microdata_rows:
        return [where.finding("row_level", f"{name} has {len(body)} rows, as many as the microdata "
                              f"({rules.microdata_rows} rows): individual records must not be published")]
    if len(body) < rules.row_level_rows:
        return []
    signs = []
    labels = [r.label.strip() for r in body]
    label_ints = [int(x) for x in labels if x.isdigit()]
    if not grid.labelled or not any(labels):
        signs.append("rows have no labels")
    elif (len(label_ints) == len(labels) and len(set(label_ints)) == len(labels)
          and axis_kind(grid.label_header) != "other"
          and not all(1900 <= v <= 2100 for v in label_ints)):
        signs.append("rows are numbered (a record index)")
    names = {_field_name(f) for f in rules.microdata_columns} | _PERSON_FIELDS
    person = sorted({_field_name(h) for h in headers if h.strip()} & names)
    if len(person) >= 2:
        signs.append(f"columns named like person-level variables ({', '.join(person[:4])})")
    cols = _columns(grid)
    for col, cells in cols.items():
        dates = {c.text.strip() for c in cells if _FULL_DATE.match(c.text.strip())}
        if len(dates) >= rules.row_level_rows:
            signs.append(f"column {grid.headers.get(col, '#' + str(col + 1))!r} holds "
                         f"{len(dates)} distinct full dates")
            break
    if len(set(labels)) < len(labels) and grid.labelled:
        signs.append("row labels repeat")
    if not any(axis_kind(grid.headers.get(col, "")) == "count"
               or (_count_like(cells) and axis_kind(grid.headers.get(col, "")) != "other")
               for col, cells in cols.items()):
        repeating = []
        for col, cells in cols.items():
            texts = [c.text.strip() for c in cells if not _empty(c)]
            if texts and not any(ch.isdigit() for t in texts for ch in t):
                counts = Counter(texts)
                if len(counts) >= 2 and max(counts.values()) >= 2:
                    repeating.append(grid.headers.get(col, f"#{col + 1}"))
        if len(repeating) >= 2:
            signs.append(f"text values repeat down columns {', '.join(map(repr, repeating[:3]))}")
    if len(signs) < rules.row_level_signals:
        return []
    return [where.finding("row_level", f"{name} looks like individual records ({len(body)} rows; "
                          + "; ".join(signs) + ")", f"{len(body)} rows × {len(cols)} columns")]


def analyse_grid(grid: Grid, rules: ScanRules, where: Where, name: str) -> list[LeakFinding]:
    """Small counts and row-level data in one table (``name`` says which, in the findings)."""
    return _small_cells(grid, rules, where, name) + _row_level(grid, rules, where, name)


# ------------------------------------------------------------------- grids from rows of values
def _is_number(cell: Cell | None) -> bool:
    if cell is None:
        return False
    if cell.number is not None:
        return True
    return bool(re.match(r"^-?[\d\s\u00a0\u202f]+(?:[.,]\d+)?\s*%?$", cell.text.strip()))


def grid_from_matrix(matrix: list[list[Cell | None]], *, header_rows: int | None = None) -> Grid | None:
    """A grid from rows of cells.  ``header_rows``: how many leading rows are headers (default:
    the leading rows holding no number).  Column 0 holds row labels when its body cells are text."""
    rows = [r for r in matrix if any(c is not None and not _empty(c) for c in r)]
    if not rows:
        return None
    if header_rows is None:
        header_rows = 0
        while header_rows < len(rows) and not any(_is_number(c) for c in rows[header_rows]):
            header_rows += 1
        if header_rows == len(rows):  # text only: first row is the header
            header_rows = 1
    head, body = rows[:header_rows], rows[header_rows:]
    if not body:
        return None
    headers: dict[int, str] = {}
    for hrow in head:
        for j, c in enumerate(hrow):
            if c is not None and c.text.strip():
                headers[j] = c.text.strip()
    firsts = [r[0] for r in body if r and r[0] is not None and not _empty(r[0])]
    labelled = bool(firsts) and sum(not _is_number(c) for c in firsts) >= 0.8 * len(firsts)
    grid = Grid(label_header=headers.pop(0, "") if labelled else "", labelled=labelled)
    shift = 1 if labelled else 0
    grid.headers = {j - shift: h for j, h in headers.items()} if labelled else headers
    for r in body:
        label = (r[0].text.strip() if r and r[0] is not None else "") if labelled else ""
        cells = []
        for j, c in enumerate(r[shift:]):
            if c is not None:
                c.col = j
                cells.append(c)
        grid.rows.append(Row(label, cells))
    return grid


# ------------------------------------------------------------------- printed tables in text
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FOOTER = re.compile(r"^(?:Name: (?P<name>[^,]*), )?(?:dtype|Length|Freq): ")


def _tabular(line: str) -> bool:
    return "  " in line.strip() or line.count("|") >= 2


def text_grids(text: str) -> list[Grid]:
    """Tables printed as text: DataFrame/Series reprs (runs of lines with column gaps, split at the
    character columns blank in every line; the crosstab's index-name line; the Series ``Name: …``
    footer) and Markdown pipe tables."""
    grids: list[Grid] = []
    run: list[str] = []
    state = {"index_line": "", "series": ""}

    def close() -> None:
        grid = _text_block(run, state["index_line"], state["series"])
        if grid is not None:
            grids.append(grid)
        run.clear()
        state.update(index_line="", series="")

    lines = text.expandtabs().splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if _MD_RULE.match(line) and stripped:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        footer = _FOOTER.match(stripped)
        if footer:
            state["series"] = footer["name"] or ""
            close()
        elif stripped and _tabular(line):
            run.append(line.rstrip())
        elif (not run and stripped and " " in stripped and _tabular(nxt)
              and (line[:1].isspace() or len(line.rstrip()) <= len(nxt.rstrip()) + 2)):
            close()
            run.append(line.rstrip())  # a header whose names are one space apart
        elif len(run) == 1 and stripped and " " not in stripped and not state["index_line"]:
            state["index_line"] = stripped
        else:
            close()
    close()
    return grids


def _split_fixed(lines: list[str]) -> list[list[str]]:
    """Fields of fixed-width lines: split at the character columns blank in every line."""
    if all(line.count("|") >= 2 for line in lines):
        return [[f.strip() for f in line.strip().strip("|").split("|")] for line in lines]
    width = max(len(line) for line in lines)
    blank = [all(i >= len(line) or line[i] == " " for line in lines) for i in range(width)]
    segments, start = [], None
    for i, b in enumerate([*blank, True]):
        if not b and start is None:
            start = i
        elif b and start is not None:
            segments.append((start, i))
            start = None
    return [[line[a:b].strip() for a, b in segments] for line in lines]


def _text_block(run: list[str], index_line: str, series: str) -> Grid | None:
    if len(run) < 2:
        return None
    rows = _split_fixed(run)
    if not _tabular(run[0]) and len(run) > 2:
        without = _split_fixed(run[1:])
        if max(map(len, without)) > max(map(len, rows)):
            run, rows, index_line = run[1:], without, ""  # text above the table, not its header
    if max(len(r) for r in rows) < 2:
        return None

    def numeric(v: str) -> bool:
        return _is_number(Cell(v))

    first, rest = rows[0], rows[1:]
    has_header = (run[0][:1].isspace() or bool(index_line) or first[0] == ""
                  or (not any(numeric(v) for v in first) and any(numeric(v) for r in rest for v in r)))
    body = rest if has_header else rows
    labelled = all(not numeric(r[0]) or (has_header and first[0] == "") for r in body if r)
    headers: dict[int, str] = {}
    label_header = index_line
    if has_header:
        label_header = index_line or (first[0] if labelled else "")
        headers = {j: h for j, h in enumerate(first[1:] if labelled else first) if h}
    elif series:
        headers = {0: series}
    grid = Grid(headers=headers, label_header=label_header, labelled=labelled)
    for r in body:
        label, values = (r[0], r[1:]) if labelled else ("", r)
        grid.rows.append(Row(label, [Cell(v, col=j) for j, v in enumerate(values)]))
    return grid
