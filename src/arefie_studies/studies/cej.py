"""Déploiement du CEJ (Contrat d'engagement jeune) in the Hauts-de-France, on the study contract.

``compute(inputs, params) -> CejResults``: every figure the regional report and the 42 Mission
Locale reports publish, computed once from the i-Milo extracts (exhaustive administrative data),
the survey of the 42 ML and the declared references, already decided for disclosure.
``report(results, params) -> Report``: the blocks of one variant (``params["ml"]`` empty for the
regional report, else an ML code), read from the results only.

Intervals come from :class:`arefie_studies.survey.SurveyDesign` (unit weights, the youth as unit;
see :mod:`._cej_estimates`); survival from :mod:`arefie_studies.methods`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.project import TableSpec
from arefie_studies.studies._cej_compute import EXIT_BREAKDOWNS, EXIT_LABELS, PROFILE_VARIABLES
from arefie_studies.studies._cej_data import AGE_GROUPS, CejInputError
from arefie_studies.studies.contract import Report, Results

__all__ = ["AGE_GROUPS", "CHAPTERS", "PROFILE_VARIABLES", "TABLES", "CejInputError", "CejResults", "compute",
           "indicators", "report", "table_specs"]

#: The declared table of the study (``tables:`` of studies/cej.yaml replaces it): situations 6 and
#: 12 months after entry (indicators) for the region's profile groups (breakdowns, one YAML line
#: each; ``[sexe, qualification]`` is their crossing).
TABLES: dict[str, TableSpec] = {
    "sorties": TableSpec("sorties", tuple(EXIT_BREAKDOWNS), tuple(EXIT_LABELS)),
}
#: youth columns that are not profile breakdowns (the territory, the outcome)
_NOT_BREAKDOWNS = ("ml", "motif_fin")


def indicators() -> pd.DataFrame:
    """The exit indicators of the table of situations after entry (``indicators`` of
    ``tables.sorties``): name and French label (definitions in the glossary)."""
    return pd.DataFrame({"name": list(EXIT_LABELS), "label": list(EXIT_LABELS.values())})


def table_specs(config: Any, youths: pd.DataFrame) -> dict[str, TableSpec]:
    """:data:`TABLES` with the tables declared in ``config`` (``tables:``) replacing them,
    checked: breakdowns are the youths' profile variables (categorical columns of the i-Milo
    extract, besides the ML and the end reason), indicators those of :func:`indicators`.  An
    unknown name is a StudyConfigError naming the file, the key and the close matches."""
    from dataclasses import replace

    from arefie_studies.project import check_tables

    known_b = [c for c in youths.columns if isinstance(youths[c].dtype, pd.CategoricalDtype)
               and c not in _NOT_BREAKDOWNS]
    declared = check_tables(config, tables=list(TABLES), breakdowns=known_b, indicators=list(EXIT_LABELS))
    return {**TABLES, **{n: replace(s, indicators=s.indicators or TABLES[n].indicators)
                         for n, s in declared.items()}}

#: Anchors of the level-1 headings of every CEJ report, in order (``report.chapter(anchor)``; the
#: key figures open the preamble chapter ``""``).
CHAPTERS = ("synthese", "entrees", "profil", "durees", "heures", "allocation", "trajectoires", "typologie",
            "premier_emploi", "comparaison", "organisation")


@dataclass(frozen=True)
class CejResults(Results):
    """The CEJ study's results: tidy frames keyed by ``territory`` ("region" or an ML code).

    ``sequences`` (youths × ``horizon_long`` state codes, -1 = not observed yet), ``seq_ml`` (each
    row's ML code) and ``types`` (each row's type code) feed the chronograms; they hold no
    identifier.
    """

    extraction: str = ""
    overview: pd.DataFrame | None = None
    entries_month: pd.DataFrame | None = None
    entries_quarter_ml: pd.DataFrame | None = None
    entries_year: pd.DataFrame | None = None
    profile: pd.DataFrame | None = None
    durations: pd.DataFrame | None = None
    duration_mean: pd.DataFrame | None = None
    end_reasons: pd.DataFrame | None = None
    hours: pd.DataFrame | None = None
    hours_by_month: pd.DataFrame | None = None
    allowance: pd.DataFrame | None = None
    allowance_types: pd.DataFrame | None = None
    allowance_years: pd.DataFrame | None = None
    sequences: np.ndarray | None = None
    seq_ml: np.ndarray | None = None
    exits: pd.DataFrame | None = None
    types: np.ndarray | None = None
    type_names: tuple[str, ...] = ()
    k: int = 0
    typology_quality: pd.DataFrame | None = None
    types_by_territory: pd.DataFrame | None = None
    types_profile: pd.DataFrame | None = None
    km_curves: pd.DataFrame | None = None
    km_summary: pd.DataFrame | None = None
    cox: pd.DataFrame | None = None
    ml_outcomes: pd.DataFrame | None = None
    modalities: pd.DataFrame | None = None
    links: pd.DataFrame | None = None
    ml_answers: pd.DataFrame | None = None
    ml_compare: pd.DataFrame | None = None
    meta: dict | None = None  # config texts: title, partners, contact, fieldwork, wave
    casemix: pd.DataFrame | None = None
    exit_table: TableSpec | None = None         # the declared table of situations after entry
    exit_breakdown_labels: dict | None = None   # its breakdowns' French labels

    def name(self, territory: str) -> str:
        """French name of a territory ("Hauts-de-France" or the ML's name)."""
        o = self.overview.set_index("territory")
        return str(o.loc[territory, "name"])


def _check(params: Mapping[str, Any]) -> dict[str, Any]:
    p = dict(params)
    exit_months = [int(m) for m in p.get("exit_months", [6, 12])]
    horizon_long = int(p.get("horizon_long", 18))
    if max(exit_months) >= horizon_long:
        raise CejInputError(f"parameter exit_months: {exit_months} must be below horizon_long={horizon_long}.")
    km_group = str(p.get("km_group", "qualification"))
    if km_group not in PROFILE_VARIABLES:
        raise CejInputError(f"parameter km_group: {km_group!r} is not a profile variable; choose one of "
                            f"{list(PROFILE_VARIABLES)}.")
    return {"extraction_date": str(p.get("extraction_date", "2025-03-31")), "horizon": int(p.get("horizon", 12)),
            "horizon_long": horizon_long, "exit_months": exit_months, "n_types": int(p.get("n_types", 0)),
            "low_hours": float(p.get("low_hours", 15)), "km_group": km_group,
            "followup_months": int(p.get("followup_months", 24)),
            "threshold": int(p.get("disclosure_threshold", 11))}


def compute(inputs, params: Mapping[str, Any]) -> CejResults:
    """Every published figure of the CEJ study for the region and the 42 Missions Locales."""
    from arefie_studies.studies import _cej_compare as X
    from arefie_studies.studies import _cej_compute as C
    from arefie_studies.studies import _cej_ml as M
    from arefie_studies.studies._cej_data import prepare

    p = _check(params)
    thr = p["threshold"]
    data = prepare(inputs, p["extraction_date"], p["low_hours"], p["horizon_long"])
    codes = C.sequences(data, p["horizon_long"])
    spec = table_specs(inputs.config, data.youths)["sorties"]
    parts: dict[str, Any] = {"overview": C.overview(data), **C.entries(data, thr), "profile": C.profile(data, thr),
                             **C.durations(data, thr, p["horizon_long"]), **C.hours(data, thr),
                             **C.allowance(data, thr), "sequences": codes,
                             "seq_ml": data.youths["ml_code"].to_numpy(dtype=str),
                             "exits": C.exits(data, codes, thr, p["exit_months"], spec.breakdowns),
                             "exit_table": spec, "exit_breakdown_labels": _breakdown_labels(spec),
                             **C.typology_tables(data, codes, thr, p["horizon"], p["n_types"]),
                             **C.survival(data, thr, p["km_group"], p["followup_months"])}
    durable = C.exit_flags(codes, p["exit_months"][-1])["emploi_durable"].to_numpy(float)
    parts["casemix"] = X.casemix(data.youths, durable, thr)
    parts["ml_compare"] = X.compare_mls(parts["overview"], parts["exits"], parts["km_summary"], parts["hours"],
                                        p["exit_months"])
    outcomes = M.ml_outcomes(parts["exits"], parts["hours"], p["exit_months"])
    code_of = dict(zip(data.ml_ref["ml_nom"], data.ml_ref["ml_code"], strict=True))
    answers = data.survey.assign(ml_code=data.survey["ml"].astype(str).map(code_of))
    answers = answers[["ml_code", *M.MODALITIES]].astype(str)
    return CejResults(**Results.base_fields(inputs, params), extraction=p["extraction_date"], **parts,
                      ml_outcomes=outcomes, modalities=M.modality_counts(data.survey, thr),
                      links=M.link_modalities(data.survey, outcomes, data.ml_ref, thr), ml_answers=answers,
                      meta={k: str(getattr(inputs.config, k, "") or "") for k in
                            ("title", "partners", "contact", "fieldwork", "wave")})


def _breakdown_labels(spec: TableSpec) -> dict[str, str]:
    """French headings of the table's breakdowns (« Sexe × Niveau de qualification » for a
    crossing)."""
    from arefie_studies.survey import cross_label, cross_name

    own = {**PROFILE_VARIABLES, **EXIT_BREAKDOWNS, "departement": "Département"}
    return {(b if isinstance(b, str) else cross_name(b)):
            (own.get(b, b) if isinstance(b, str) else cross_label(b, own)) for b in spec.breakdowns}


def report(results: CejResults, params: Mapping[str, Any]) -> Report:
    """The report of one variant: regional (``ml`` empty) or one Mission Locale's."""
    from arefie_studies.studies._cej_report import build

    ml = str(params.get("ml", "") or "")
    known = list(results.overview["territory"])[1:]
    if ml and ml not in known:
        raise CejInputError(f"parameter ml: unknown Mission Locale code {ml!r}; known codes: {known}. "
                            "Hint: leave ml empty for the regional report.")
    return build(results, ml, params=params)
