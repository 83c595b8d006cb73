"""Generate docs/r_survey_parity.md: each R `survey` function, its arefie_studies counterpart and
its status, from the R reference cases that the test suite checks at rtol 1e-6.

Sources (tests/reference/): survey_r_public.json (first round, cases without ``r_function``:
mapped from ``op.kind``), survey_r_parity2.json (second round, written by
tests/reference/r/parity2.R), and svycoxph_r.json when present (another branch; its cases may lack
``r_function``: they count for svycoxph).

Usage:  python scripts/parity_table.py          # rewrite the page
        python scripts/parity_table.py --check  # exit 1 if the page is out of date
tests/survey/test_parity_page.py runs the check.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "reference"
PAGE = ROOT / "docs" / "r_survey_parity.md"

# first-round cases carry no r_function: the R function behind each op.kind
KIND_TO_R = {
    "mean": "svymean", "total": "svytotal", "proportion": "svymean", "total_by_level": "svytotal",
    "ratio": "svyratio", "quantile": "svyquantile", "proportion_ci": "svyciprop",
    "chisq": "svychisq", "glm": "svyglm", "poststratify": "postStratify", "rake": "rake",
    "calibrate": "calibrate", "replicate": "as.svrepdesign",
}

MATCHES = "matches R"
DIFFERS = "differs"
MISSING = "not supported"

# (R function, arefie_studies counterpart, notes, status when no reference case covers it)
CATALOGUE: list[tuple[str, str, str, str]] = [
    ("svydesign", "SurveyDesign(df, weights, strata, psu, fpc, nest, lonely_psu)",
     "Checked through every estimator case.", MATCHES),
    ("svydesign(pps=)", "SurveyDesign(fpc=probabilities, pps='brewer' or joint matrix, "
     "variance='HT'/'YG')", "Brewer for one-stage designs; joint probabilities (R's ppsmat) "
     "for element sampling (psu=None). `ppsmat` with clusters is not supported, as in R "
     "(R's ppsvar sums by the matrix's rows: a PSU-level matrix errors, a row-level one "
     "ignores the clusters).", MATCHES),
    ("svydesign(pps='overton')", "SurveyDesign(fpc=probabilities, pps='overton', "
     "variance='HT'/'YG')", "Overton's approximate joint probabilities, one-stage designs "
     "with strata and/or clusters (as R: multistage is an error). R's overton2Dcheck fails on "
     "character strata; the library takes any strata column.", MATCHES),
    ("svrepdesign", "ReplicateDesign(df, weights, replicate_weights, type, scale, rscales, mse)",
     "Replicate weights imported from R give R's SEs (apiclus1 bootstrap cases).", MATCHES),
    ("as.svrepdesign", "SurveyDesign.replicate(type=JK1/JKn/bootstrap/BRR/Fay/subbootstrap/"
     "mrbbootstrap)", "JK1/JKn deterministic and equal to R. Bootstrap draws cannot match R's "
     "RNG: their rescaling is tested against R's formulas (tests/survey/"
     "test_replicate_bootstraps.py). BRR/Fay: strata and PSUs in R's order, R's `hadamard()` "
     "(Sylvester, doubling, Paley, and R's precooked order-28/36 matrices exported from R as "
     "package data: 24-27, 32-35, 48-55 strata, cases with 25 and 33 strata); "
     "`hadamard_matrix=` takes any other.",
     MATCHES),
    ("as.svrepdesign(type='BRR')", "SurveyDesign.replicate('BRR' / 'Fay', fay_rho=)",
     "Nonlinear estimates (ratio, svyciprop) equal R's.", MATCHES),
    ("as.svrepdesign(hadamard.matrix=)", "SurveyDesign.replicate('BRR', hadamard_matrix=)",
     "R's coding: the first value of the matrix is 0.", MATCHES),
    ("as.svrepdesign(type='subbootstrap')", "SurveyDesign.replicate('subbootstrap'); "
     "ReplicateDesign(type='subbootstrap')", "R's replicate weights give R's SEs.", MATCHES),
    ("as.svrepdesign(type='mrbbootstrap')", "SurveyDesign.replicate('mrbbootstrap'); "
     "ReplicateDesign(type='mrbbootstrap')", "R's replicate weights give R's SEs. Stages >= 2 "
     "are drawn within the stage-1 clusters.", MATCHES),
    ("svymean", "SurveyDesign.mean / .proportion", "Estimates, SEs and deff match (`deff=\"replace\"` "
     "too; `deff` is `Inf` when N = n, as R). Intervals differ by default: t with R's "
     "`degf(design)` of the domain (rows missing the variable included), i.e. R's "
     "`confint(..., df=degf(design))`; `df=numpy.inf` gives R's default normal `confint()`.",
     DIFFERS),
    ("svytotal", "SurveyDesign.total", "As svymean (intervals: t with the design df by default; "
     "`df=numpy.inf` for R's normal).", DIFFERS),
    ("svyratio", "SurveyDesign.ratio", "As svymean for the intervals.", DIFFERS),
    ("svyquantile", "SurveyDesign.quantile(qrule=, interval_type=)",
     "All 12 `qrule`s; interval types mean, beta, xlogit, asin, score, and quantile "
     "(replicate designs).", MATCHES),
    ("svyciprop", "SurveyDesign.proportion(ci_method=)",
     "Missing values as R: df and `nrow` of the design with the missing rows. `wilson` is an "
     "extra method (not in R). On a replicate design R's likelihood interval is NA; the library "
     "gives the interval with the replicate variance (differs).", MATCHES),
    ("svyby", "by= on every estimator; covmat=True for the covariance", "Groups without any "
     "non-missing value raise an EmptyGroupWarning (R drops them silently); "
     "`keep_empty_groups=True` lists them (n = 0, no warning: they were asked for).", MATCHES),
    ("svyby(svymean)", "SurveyDesign.mean(by=)", "", MATCHES),
    ("svyby(svyciprop)", "SurveyDesign.proportion(by=, ci_method=)", "", MATCHES),
    ("svyby(covmat=TRUE)", "mean/total/proportion(by=, covmat=True) -> frame.attrs['vcov']", "", MATCHES),
    ("svycontrast", "contrast(frame, coefficients, {name: coef} or a function)",
     "Nonlinear contrasts by a Python function (gradient by complex step) instead of an R "
     "expression.", MATCHES),
    ("svycontrast(svyby(covmat=TRUE))", "contrast(design.mean(y, by=g, covmat=True), ...)", "",
     MATCHES),
    ("svyttest", "SurveyDesign.ttest(var, group=None)", "`mean_vs_rest` now uses the same df "
     "(degf - 1); `df_rule=\"degf\"` keeps the old one.", MATCHES),
    ("svyvar", "SurveyDesign.var(vars, by=)", "", MATCHES),
    ("svytable", "SurveyDesign.table(vars, Ntotal=, round=)", "Scalar `Ntotal` only "
     "(no stratified Ntotal).", MATCHES),
    ("svychisq", "SurveyDesign.chisq(row, col, statistic=)", "", MATCHES),
    ("svyglm", "SurveyDesign.glm(formula, family)", "", MATCHES),
    ("postStratify", "SurveyDesign.poststratify", "", MATCHES),
    ("rake", "SurveyDesign.rake", "Differs in default: the library rakes to convergence "
     "(the first-round case is R run to convergence); `control={}` gives R's default stopping "
     "point (epsilon 1, maxit 10).", DIFFERS),
    ("rake(control=)", "SurveyDesign.rake(control={'epsilon': , 'maxit': })",
     "R's stopping rule, weights equal to R's. After a non-converged rake the SE differs (R "
     "uses each margin's weights of the last pass, the library the final weights).", MATCHES),
    ("calibrate", "SurveyDesign.calibrate", "`epsilon=`, `maxit=` as R (default epsilon "
     "tighter: 1e-10).", MATCHES),
    ("calibrate(trim=)", "SurveyDesign.calibrate(trim=(lo, hi))", "R ignores `trim=` for "
     "unbounded linear calibration (its regcalibrate branch); the library applies it there.",
     MATCHES),
    ("calibrate(aggregate.stage=)", "SurveyDesign.calibrate(aggregate_stage=k)",
     "Any stage of a SurveyDesign (its stage-k units nested in their PSUs, as R's "
     "design$cluster); not on replicate designs. Linear aggregated calibration making "
     "negative weights is an error here (R returns them).", MATCHES),
    ("degf", "SurveyDesign.degf / ReplicateDesign.degf", "", MATCHES),
    ("svycoxph", "arefie_studies.methods.survival.coxph", "Cases checked by "
     "tests/methods/test_coxph_reference.py (coefficients, SEs, vcov).", MISSING),
    ("svyolr", "SurveyDesign.olr(formula)", "Logistic link, linearised designs; fitted by "
     "Newton with the analytic Hessian, SEs from R's numerical Hessian (optimhess). R's BFGS "
     "stops at reltol 1e-8 (about 1e-5 from the optimum): the reference is R run to "
     "convergence (`control=list(reltol=1e-14)`); probit/cloglog/cauchit links are not "
     "supported.", MISSING),
    ("svyolr(svrepdesign)", "ReplicateDesign.olr(formula) / SurveyDesign.replicate(...).olr",
     "svyolr.svyrep.design: full fit as svyolr, each replicate refitted from it by R's own "
     "BFGS (optim's vmmin, default reltol: R passes no control to the replicate fits), so the "
     "replicates stop where R's stop; df = degf(design) - number of slopes.", MISSING),
    ("svyranktest", "-", "Not implemented.", MISSING),
    ("svyloglin", "-", "Not implemented.", MISSING),
    ("svykm / svysmooth / svyplot", "-", "Graphics and survival curves are out of scope.",
     MISSING),
    ("twophase", "-", "Two-phase designs are not implemented.", MISSING),
    ("options(survey.adjust.domain.lonely=TRUE)", "SurveyDesign(adjust_domain_lonely=True)",
     "Applies to the SEs of every estimate on a domain or by= group (mean, total, proportion, "
     "ratio, quantile, glm, olr, banner_cells at every stage), as R's svyby estimates each "
     "group on `design[group, ]`. As R: not on calibrated designs (their domains keep every "
     "row with weight 0), and not in `covmat=True`'s vcov, which R computes with svyrecvar on "
     "the whole design (so its diagonal can differ from the se column, in R too).", MISSING),
]


def _load(name: str) -> list[dict]:
    path = REF / name
    if not path.exists():
        return []
    with open(path) as fh:
        data = json.load(fh)
    if isinstance(data, dict) and "cases" in data:
        return list(data["cases"])
    if isinstance(data, dict):  # svycoxph_r.json: one entry per fitted model, plus "versions"
        return [v for v in data.values() if isinstance(v, dict) and "coef" in v]
    return list(data)


def case_counts() -> tuple[Counter, dict[str, int]]:
    counts: Counter = Counter()
    files = {}
    for case in _load("survey_r_public.json"):
        counts[case.get("r_function") or KIND_TO_R.get(case["op"]["kind"], case["op"]["kind"])] += 1
    files["survey_r_public.json"] = sum(counts.values())
    second = _load("survey_r_parity2.json")
    for case in second:
        counts[case["r_function"]] += 1
    files["survey_r_parity2.json"] = len(second)
    cox = _load("svycoxph_r.json")
    if cox:
        for case in cox:
            counts[case.get("r_function") or "svycoxph"] += 1
        files["svycoxph_r.json"] = len(cox)
    return counts, files


def render() -> str:
    counts, files = case_counts()
    lines = [
        "# R `survey` parity",
        "",
        "Generated by `scripts/parity_table.py` from the R reference cases "
        "(`tests/reference/*.json`); `tests/survey/test_parity_page.py` fails when this page is "
        "out of date. Every case is a test at rtol 1e-6 (estimates, SEs, intervals, statistics, "
        "df, p-values). R is the reference: where the library offers another behaviour it is "
        "an option with a name, and R's is the default.",
        "",
        "Reference files: " + ", ".join(f"`{k}` ({v} cases)" for k, v in files.items()) + ".",
        "",
        "| R function | arefie_studies | status | R cases | notes |",
        "|---|---|---|---|---|",
    ]
    seen = set()
    for r_fun, ours, notes, status in CATALOGUE:
        n = counts.get(r_fun, 0)
        seen.add(r_fun)
        if r_fun == "svycoxph" and "svycoxph_r.json" not in files:
            continue
        if n and status == MISSING:
            status = MATCHES
        if n and status == DIFFERS:
            status = "differs by default (see notes); its R cases match"
        if not n and status == MATCHES:
            status = "matches R (checked through other cases)" if r_fun in (
                "svydesign", "svrepdesign", "svyby", "degf") else "not checked against R"
        lines.append(f"| `{r_fun}` | {ours} | {status} | {n} | {notes} |")
    extra = sorted(set(counts) - seen)
    for r_fun in extra:
        lines.append(f"| `{r_fun}` | see tests | {MATCHES} | {counts[r_fun]} | |")
    lines += [
        "",
        f"Total: {sum(counts.values())} R reference cases.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = PAGE.read_text() if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE} is out of date: run python scripts/parity_table.py", file=sys.stderr)
            return 1
        return 0
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(text)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
