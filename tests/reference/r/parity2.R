# R `survey` parity, second round: reference values for tests/survey/test_r_parity2.py.
#
# Run from the repository root:   Rscript tests/reference/r/parity2.R
# Writes tests/reference/data/{nhanes,yrbs}.csv (R's own data sets) and
# tests/reference/survey_r_parity2.json.  Every computation reads the CSV files back, so the
# Python tests and R see the same numbers.  R survey 4.1.x.
#
# Case layout: id, r_function, data (CSV stem), design (weights/strata/psu/fpc/nest/lonely_psu,
# optional `replicate` = list(type=) for as.svrepdesign, `adjust_domain_lonely`), op (kind + args),
# expected (numbers in R's order).

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
root <- if (length(args)) args[1] else "."
datadir <- file.path(root, "tests", "reference", "data")
outfile <- file.path(root, "tests", "reference", "survey_r_parity2.json")

# --- data -------------------------------------------------------------------------------------
data(nhanes)
nh <- nhanes
nh$agecat <- as.character(nh$agecat)
write.csv(nh, file.path(datadir, "nhanes.csv"), row.names = FALSE)
data(yrbs)
yr <- yrbs
yr$qn8yes <- 2 - yr$qn8  # as in example(yrbs) / ?svyciprop
write.csv(yr, file.path(datadir, "yrbs.csv"), row.names = FALSE)

data(election)
write.csv(election_pps, file.path(datadir, "election_pps.csv"), row.names = FALSE)
write.csv(election_jointprob, file.path(datadir, "election_jointprob.csv"), row.names = FALSE)

read <- function(stem) read.csv(file.path(datadir, paste0(stem, ".csv")))
D <- list(
  nhanes = read("nhanes"), yrbs = read("yrbs"), apistrat = read("apistrat"),
  apiclus1 = read("apiclus1"), apisrs = read("apisrs"), apiclus2 = read("apiclus2"),
  election_pps = read("election_pps")
)
jointprob <- as.matrix(read("election_jointprob"))

cases <- list()
add <- function(id, r_function, data, design, op, expected) {
  cases[[length(cases) + 1]] <<- list(
    id = id, r_function = r_function, data = data, design = design, op = op,
    expected = lapply(expected, function(v) unname(as.vector(v)))
  )
}

make <- function(data, spec) {
  df <- D[[data]]
  f <- function(x) if (is.null(x)) NULL else as.formula(paste("~", paste(x, collapse = "+")))
  ids <- if (is.null(spec$psu)) ~1 else f(spec$psu)
  des <- svydesign(ids = ids, strata = f(spec$strata), weights = f(spec$weights),
                   fpc = f(spec$fpc), nest = isTRUE(spec$nest), data = df)
  if (!is.null(spec$replicate)) des <- as.svrepdesign(des, type = spec$replicate$type)
  des
}
make_pps <- function(spec) {
  if (identical(spec[["pps"]], "brewer"))
    return(svydesign(id = ~1, fpc = ~p, data = D$election_pps, pps = "brewer"))
  svydesign(id = ~1, fpc = ~p, data = D$election_pps, pps = ppsmat(jointprob),
            variance = spec$variance)
}

designs <- list(
  nhanes = list(psu = "SDMVPSU", strata = "SDMVSTRA", weights = "WTMEC2YR", nest = TRUE),
  yrbs = list(psu = "psu", strata = "stratum", weights = "weight"),
  strat = list(strata = "stype", weights = "pw", fpc = "fpc"),
  clus1 = list(psu = "dnum", weights = "pw", fpc = "fpc"),
  srs1 = list(),  # every weight 1, no fpc: N = n
  clus2 = list(psu = c("dnum", "snum"), fpc = c("fpc1", "fpc2"))
)
data_of <- c(nhanes = "nhanes", yrbs = "yrbs", strat = "apistrat", clus1 = "apiclus1",
             srs1 = "apisrs", clus2 = "apiclus2")

# --- svyciprop with missing values (df = degf(design) with the NA rows, nrow(design)) ----------
for (m in c("logit", "likelihood", "beta", "asin", "mean", "xlogit")) {
  for (dn in c("yrbs", "nhanes")) {
    var <- if (dn == "yrbs") "qn8yes" else "HI_CHOL"
    des <- make(data_of[[dn]], designs[[dn]])
    ci <- svyciprop(as.formula(paste("~", var)), des, method = m, na.rm = TRUE)
    add(paste(dn, "ciprop", m, sep = "-"), "svyciprop", data_of[[dn]], designs[[dn]],
        list(kind = "ciprop", var = var, method = m),
        list(estimate = coef(ci), se = SE(ci), ci_low = attr(ci, "ci")[1], ci_high = attr(ci, "ci")[2]))
  }
  des <- make("nhanes", designs$nhanes)
  b <- svyby(~HI_CHOL, ~race, des, svyciprop, method = m, na.rm = TRUE, vartype = c("se", "ci"))
  add(paste("nhanes-ciprop-by-race", m, sep = "-"), "svyby(svyciprop)", "nhanes", designs$nhanes,
      list(kind = "ciprop", var = "HI_CHOL", method = m, by = "race"),
      list(estimate = b$HI_CHOL, se = b$se, ci_low = b$ci_l, ci_high = b$ci_u))
}
# replicate designs: logit interval from the replicate variance of the refitted logit
for (m in c("logit", "xlogit", "mean", "beta", "asin")) {
  spec <- c(designs$clus1, list(replicate = list(type = "JK1")))
  des <- make("apiclus1", spec)
  des <- update(des, emer0 = as.numeric(emer == 0))
  ci <- svyciprop(~emer0, des, method = m)
  add(paste("clus1-JK1-ciprop", m, sep = "-"), "svyciprop", "apiclus1", spec,
      list(kind = "ciprop", var = "emer0", method = m, derive = list(emer0 = "emer == 0")),
      list(estimate = coef(ci), se = SE(ci), ci_low = attr(ci, "ci")[1], ci_high = attr(ci, "ci")[2]))
}

# --- deff: Inf when N = n; deff = "replace" ----------------------------------------------------
des <- make("apisrs", designs$srs1)
m <- svymean(~api00, des, deff = TRUE)
add("srs1-mean-deff", "svymean", "apisrs", designs$srs1, list(kind = "mean", var = "api00"),
    list(estimate = coef(m), se = SE(m), deff = if (is.finite(deff(m))) deff(m) else "Inf"))
for (dn in c("strat", "clus1", "clus2")) {
  des <- make(data_of[[dn]], designs[[dn]])
  m <- svymean(~api00, des, deff = "replace")
  add(paste(dn, "mean-deff-replace", sep = "-"), "svymean", data_of[[dn]], designs[[dn]],
      list(kind = "mean", var = "api00", deff = "replace"),
      list(estimate = coef(m), se = SE(m), deff = deff(m)))
  t <- svytotal(~api00, des, deff = "replace")
  add(paste(dn, "total-deff-replace", sep = "-"), "svytotal", data_of[[dn]], designs[[dn]],
      list(kind = "total", var = "api00", deff = "replace"),
      list(estimate = coef(t), se = SE(t), deff = deff(t)))
}

# --- svyttest ------------------------------------------------------------------------------------
tt_case <- function(id, dn, formula, op) {
  des <- make(data_of[[dn]], designs[[dn]])
  if (!is.null(op$derive)) {
    for (nm in names(op$derive)) {
      des$variables[[nm]] <- as.numeric(with(des$variables, eval(parse(text = op$derive[[nm]]))))
    }
  }
  r <- svyttest(as.formula(formula), des, na.rm = TRUE)
  add(id, "svyttest", data_of[[dn]], designs[[dn]], c(list(kind = "ttest"), op),
      list(statistic = r$statistic, df = r$parameter, p_value = r$p.value,
           estimate = r$estimate, ci_low = r$conf.int[1], ci_high = r$conf.int[2]))
}
designs$clus1_JK1 <- c(designs$clus1, list(replicate = list(type = "JK1")))
data_of[["clus1_JK1"]] <- "apiclus1"
tt_case("clus1-JK1-ttest-two", "clus1_JK1", "enroll ~ comp_imp", list(var = "enroll", group = "comp_imp"))
tt_case("clus1-JK1-ttest-one", "clus1_JK1", "enroll ~ 1", list(var = "enroll"))
tt_case("clus1-ttest-two", "clus1", "enroll ~ comp_imp", list(var = "enroll", group = "comp_imp"))
tt_case("clus1-ttest-one", "clus1", "enroll ~ 1", list(var = "enroll"))
tt_case("strat-ttest-one-shift", "strat", "api00_700 ~ 0",
        list(var = "api00_700", derive = list(api00_700 = "api00 - 700")))
tt_case("strat-ttest-E-vs-rest", "strat", "api00 ~ isE",
        list(var = "api00", group = "isE", derive = list(isE = "stype == 'E'")))
tt_case("nhanes-ttest-sex", "nhanes", "HI_CHOL ~ RIAGENDR", list(var = "HI_CHOL", group = "RIAGENDR"))
tt_case("yrbs-ttest-one", "yrbs", "qn8yes ~ 1", list(var = "qn8yes"))

# --- svyvar -------------------------------------------------------------------------------------
for (dn in c("strat", "clus1", "clus2")) {
  des <- make(data_of[[dn]], designs[[dn]])
  v <- svyvar(~api00, des)
  add(paste(dn, "svyvar", sep = "-"), "svyvar", data_of[[dn]], designs[[dn]],
      list(kind = "svyvar", vars = list("api00")), list(estimate = coef(v), se = SE(v)))
  v <- svyvar(~api00 + enroll, des, na.rm = TRUE)
  add(paste(dn, "svyvar-2", sep = "-"), "svyvar", data_of[[dn]], designs[[dn]],
      list(kind = "svyvar", vars = list("api00", "enroll")),
      list(estimate = as.vector(as.matrix(v)), se = SE(v)))
}
des <- make("nhanes", designs$nhanes)
v <- svyvar(~HI_CHOL, des, na.rm = TRUE)
add("nhanes-svyvar-na", "svyvar", "nhanes", designs$nhanes,
    list(kind = "svyvar", vars = list("HI_CHOL")), list(estimate = coef(v), se = SE(v)))

# --- svycontrast ---------------------------------------------------------------------------------
for (dn in c("strat", "clus1")) {
  des <- make(data_of[[dn]], designs[[dn]])
  m <- svymean(~api00 + api99, des)
  k <- svycontrast(m, c(api00 = 1, api99 = -1))
  add(paste(dn, "contrast-linear", sep = "-"), "svycontrast", data_of[[dn]], designs[[dn]],
      list(kind = "contrast", base = "mean", vars = list("api00", "api99"), coef = list(1, -1)),
      list(estimate = coef(k), se = SE(k)))
  k <- svycontrast(m, quote(api00 / api99))
  add(paste(dn, "contrast-ratio-expr", sep = "-"), "svycontrast", data_of[[dn]], designs[[dn]],
      list(kind = "contrast", base = "mean", vars = list("api00", "api99"), expr = "ratio"),
      list(estimate = coef(k), se = SE(k)))
  t <- svytotal(~enroll + api_stu, des)
  k <- svycontrast(t, quote(log(api_stu / enroll)))
  add(paste(dn, "contrast-logratio-expr", sep = "-"), "svycontrast", data_of[[dn]], designs[[dn]],
      list(kind = "contrast", base = "total", vars = list("enroll", "api_stu"), expr = "logratio"),
      list(estimate = coef(k), se = SE(k)))
  b <- svyby(~api00, ~stype, des, svymean, covmat = TRUE)
  k <- svycontrast(b, c(E = 1, H = -1))
  add(paste(dn, "contrast-svyby-E-H", sep = "-"), "svycontrast(svyby(covmat=TRUE))",
      data_of[[dn]], designs[[dn]],
      list(kind = "contrast", base = "mean", vars = list("api00"), by = "stype", coef = list(1, -1, 0)),
      list(estimate = coef(k), se = SE(k)))
  k <- svycontrast(b, list(EvsM = c(E = 1, M = -1), avg = c(E = 1 / 3, H = 1 / 3, M = 1 / 3)))
  add(paste(dn, "contrast-svyby-two", sep = "-"), "svycontrast(svyby(covmat=TRUE))",
      data_of[[dn]], designs[[dn]],
      list(kind = "contrast", base = "mean", vars = list("api00"), by = "stype",
           coef = list(list(1, 0, -1), list(1 / 3, 1 / 3, 1 / 3))),
      list(estimate = coef(k), se = SE(k), vcov = as.vector(vcov(k))))
  add(paste(dn, "svyby-covmat", sep = "-"), "svyby(covmat=TRUE)", data_of[[dn]], designs[[dn]],
      list(kind = "svyby_vcov", base = "mean", vars = list("api00"), by = "stype"),
      list(estimate = coef(b), vcov = as.vector(vcov(b))))
}

# --- svytable ------------------------------------------------------------------------------------
des <- make("apistrat", designs$strat)
tb <- svytable(~stype + sch_wide, des)
add("strat-svytable", "svytable", "apistrat", designs$strat,
    list(kind = "svytable", vars = list("stype", "sch_wide")),
    list(estimate = as.vector(t(tb))))
tb <- svytable(~stype + sch_wide, des, Ntotal = 100)
add("strat-svytable-Ntotal", "svytable", "apistrat", designs$strat,
    list(kind = "svytable", vars = list("stype", "sch_wide"), Ntotal = 100),
    list(estimate = as.vector(t(tb))))
tb <- svytable(~stype, des, Ntotal = 1, round = FALSE)
add("strat-svytable-1", "svytable", "apistrat", designs$strat,
    list(kind = "svytable", vars = list("stype"), Ntotal = 1), list(estimate = as.vector(tb)))
des <- make("nhanes", designs$nhanes)
tb <- svytable(~race + HI_CHOL, des)
add("nhanes-svytable-na", "svytable", "nhanes", designs$nhanes,
    list(kind = "svytable", vars = list("race", "HI_CHOL")), list(estimate = as.vector(t(tb))))

# --- svyquantile: qrule and interval.type ----------------------------------------------------------
qrules <- c("math", "school", "shahvaish", paste0("hf", 1:9))
for (dn in c("strat", "clus1")) {
  des <- make(data_of[[dn]], designs[[dn]])
  for (qr in qrules) {
    q <- svyquantile(~api00, des, c(0.1, 0.5, 0.9), qrule = qr)
    add(paste(dn, "quantile", qr, sep = "-"), "svyquantile", data_of[[dn]], designs[[dn]],
        list(kind = "quantile", var = "api00", probs = list(0.1, 0.5, 0.9), qrule = qr,
             interval_type = "mean"),
        list(estimate = q$api00[, 1], ci_low = q$api00[, 2], ci_high = q$api00[, 3],
             se = q$api00[, 4]))
  }
  for (it in c("beta", "xlogit", "asin", "score")) {
    for (qr in c("math", "hf7")) {
      q <- svyquantile(~api00, des, c(0.25, 0.5, 0.75), qrule = qr, interval.type = it)
      add(paste(dn, "quantile", qr, it, sep = "-"), "svyquantile", data_of[[dn]], designs[[dn]],
          list(kind = "quantile", var = "api00", probs = list(0.25, 0.5, 0.75), qrule = qr,
               interval_type = it),
          list(estimate = q$api00[, 1], ci_low = q$api00[, 2], ci_high = q$api00[, 3],
               se = q$api00[, 4]))
    }
  }
}

# --- options(survey.adjust.domain.lonely = TRUE) as a design option ------------------------------
for (lp in c("adjust", "average")) {
  for (adl in c(FALSE, TRUE)) {
    spec <- c(designs$nhanes, list(lonely_psu = lp, adjust_domain_lonely = adl))
    old <- options(survey.lonely.psu = lp, survey.adjust.domain.lonely = adl)
    des <- make("nhanes", designs$nhanes)
    b <- suppressWarnings(svyby(~HI_CHOL, ~race, des, svymean, na.rm = TRUE))
    rf <- if (adl) "options(survey.adjust.domain.lonely=TRUE)" else NULL
    add(paste("nhanes-mean-by-race", lp, if (adl) "adl" else "noadl", sep = "-"),
        if (is.null(rf)) "svyby(svymean)" else rf,
        "nhanes", spec, list(kind = "mean", var = "HI_CHOL", by = "race"),
        list(estimate = coef(b), se = SE(b)))
    q <- suppressWarnings(svyby(~HI_CHOL, ~race, des, svyciprop, method = "logit", na.rm = TRUE,
                                vartype = "ci"))
    add(paste("nhanes-ciprop-by-race", lp, if (adl) "adl" else "noadl", sep = "-"),
        if (is.null(rf)) "svyby(svyciprop)" else rf, "nhanes", spec,
        list(kind = "ciprop", var = "HI_CHOL", method = "logit", by = "race"),
        list(estimate = q$HI_CHOL, ci_low = q$ci_l, ci_high = q$ci_u))
    options(old)
  }
}

# --- survey.adjust.domain.lonely on svyby(covmat=TRUE), factor svyby and svyglm on a domain -------
# nhanes race 3 and 4 each hold one PSU of stratum 75 (its 2 PSUs): a lonely PSU in the domain.
# R's svyby(covmat=TRUE) takes its `se` column from each domain's svymean (adjusted), but its
# vcov from svyrecvar on the whole design (not adjusted): both are checked.
for (lp in c("adjust", "average")) {
  spec <- c(designs$nhanes, list(lonely_psu = lp, adjust_domain_lonely = TRUE))
  old <- options(survey.lonely.psu = lp, survey.adjust.domain.lonely = TRUE)
  des <- make("nhanes", designs$nhanes)
  b <- suppressWarnings(svyby(~RIAGENDR, ~race, des, svymean, covmat = TRUE))
  add(paste("nhanes-svyby-covmat-adl", lp, sep = "-"), "options(survey.adjust.domain.lonely=TRUE)",
      "nhanes", spec, list(kind = "svyby_vcov", base = "mean", vars = list("RIAGENDR"), by = "race"),
      list(estimate = coef(b), se = SE(b), vcov = as.vector(vcov(b))))
  b <- suppressWarnings(svyby(~agecat, ~race, des, svymean))
  k <- 4  # agecat levels: estimates then SEs, one row per race
  add(paste("nhanes-svyby-factor-adl", lp, sep = "-"), "options(survey.adjust.domain.lonely=TRUE)",
      "nhanes", spec, list(kind = "mean", var = "agecat", by = "race"),
      list(estimate = as.vector(t(as.matrix(b[, 1 + 1:k]))),
           se = as.vector(t(as.matrix(b[, 1 + k + 1:k])))))
  g <- suppressWarnings(svyglm(HI_CHOL ~ RIAGENDR + agecat, subset(des, race == 4)))
  add(paste("nhanes-svyglm-domain-adl", lp, sep = "-"), "options(survey.adjust.domain.lonely=TRUE)",
      "nhanes", spec, list(kind = "glm", formula = "HI_CHOL ~ RIAGENDR + C(agecat)",
                           domain = "race == 4"),
      list(estimate = coef(g), se = SE(g), df = g$df.residual))
  des2 <- update(des, agef = factor(agecat, ordered = TRUE))
  o <- suppressWarnings(svyolr(agef ~ RIAGENDR + HI_CHOL, subset(des2, race == 4),
                               control = list(reltol = 1e-14, maxit = 1000)))
  add(paste("nhanes-svyolr-domain-adl", lp, sep = "-"), "options(survey.adjust.domain.lonely=TRUE)",
      "nhanes", spec, list(kind = "olr", formula = "agecat ~ RIAGENDR + HI_CHOL",
                           domain = "race == 4"),
      list(estimate = c(coef(o)), se = SE(o), df = o$df.residual))
  options(old)
}
# two stages: a domain (stype) with one school in a district is lonely at stage 2
old <- options(survey.lonely.psu = "adjust", survey.adjust.domain.lonely = TRUE)
des <- make("apiclus2", designs$clus2)
b <- suppressWarnings(svyby(~sch_wide, ~stype, des, svymean))
add("clus2-svyby-factor-adl-adjust", "options(survey.adjust.domain.lonely=TRUE)", "apiclus2",
    c(designs$clus2, list(lonely_psu = "adjust", adjust_domain_lonely = TRUE)),
    list(kind = "mean", var = "sch_wide", by = "stype"),
    list(estimate = as.vector(t(as.matrix(b[, 2:3]))), se = as.vector(t(as.matrix(b[, 4:5])))))
options(old)
# a calibrated design keeps every row of a domain (weight 0): the option changes nothing there
old <- options(survey.lonely.psu = "adjust", survey.adjust.domain.lonely = TRUE)
des <- make("nhanes", designs$nhanes)
pop_sex <- data.frame(RIAGENDR = c(1, 2), Freq = c(1.4e8, 1.5e8))
ps <- postStratify(des, ~RIAGENDR, pop_sex)
b <- suppressWarnings(svyby(~HI_CHOL, ~race, ps, svymean, na.rm = TRUE))
add("nhanes-poststratified-by-race-adl", "options(survey.adjust.domain.lonely=TRUE)", "nhanes",
    c(designs$nhanes, list(lonely_psu = "adjust", adjust_domain_lonely = TRUE)),
    list(kind = "mean", var = "HI_CHOL", by = "race",
         poststratify = list(var = "RIAGENDR", counts = list(`1` = 1.4e8, `2` = 1.5e8))),
    list(estimate = coef(b), se = SE(b)))
options(old)

# --- rake(control = ) and calibrate(trim = , aggregate.stage = ) -----------------------------------
pop_stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_sw <- data.frame(sch_wide = c("No", "Yes"), Freq = c(1072, 5122))
margins <- list(stype = list(E = 4421, H = 755, M = 1018), sch_wide = list(No = 1072, Yes = 5122))
for (ctl in list(list(), list(epsilon = 1e-4), list(epsilon = 0.5, maxit = 2))) {
  des <- make("apiclus1", designs$clus1)
  r <- suppressWarnings(rake(des, list(~stype, ~sch_wide), list(pop_stype, pop_sw), control = ctl))
  m <- svymean(~api00, r)
  expected <- list(weights = weights(r), estimate = coef(m), se = SE(m))
  # not converged: R's SE uses each margin's weights of the last pass (the library the final
  # weights; documented difference), so only the weights and the estimate are compared
  if (identical(ctl$maxit, 2)) expected$se <- NULL
  id <- if (length(ctl)) paste(names(ctl), unlist(ctl), sep = "", collapse = "-") else "default"
  add(paste("clus1-rake-control", id, sep = "-"), "rake(control=)", "apiclus1", designs$clus1,
      list(kind = "rake", margins = margins, control = if (length(ctl)) ctl else setNames(list(), character(0)),
           then = list(kind = "mean", var = "api00")),
      expected)
}
popcal <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
cal_cases <- list(
  # R ignores trim= for unbounded linear calibration (its regcalibrate branch): the library
  # applies it there (documented difference), so the linear case is bounded
  list(id = "trim", args = list(trim = c(0.8, 1.25), bounds = c(0.3, 3)),
       op = list(trim = list(0.8, 1.25), bounds = list(0.3, 3))),
  list(id = "aggregate", args = list(aggregate.stage = 1, calfun = "raking"),
       op = list(aggregate_stage = 1, method = "raking")),
  list(id = "raking-trim", args = list(calfun = "raking", trim = c(0.8, 1.25)),
       op = list(method = "raking", trim = list(0.8, 1.25)))
)
for (cc in cal_cases) {
  des <- make("apiclus1", designs$clus1)
  cal <- suppressMessages(do.call(calibrate, c(list(des, ~stype + api99, popcal), cc$args)))
  m <- svymean(~api00, cal)
  op <- c(list(kind = "calibrate", method = "linear", categorical = list(stype = margins$stype),
               numeric = list(api99 = 3914069), then = list(kind = "mean", var = "api00")), cc$op)
  op <- op[!duplicated(names(op), fromLast = TRUE)]
  add(paste("clus1-calibrate", cc$id, sep = "-"),
      if (cc$id == "aggregate") "calibrate(aggregate.stage=)" else "calibrate(trim=)",
      "apiclus1", designs$clus1, op, list(weights = weights(cal), estimate = coef(m), se = SE(m)))
}

# aggregate.stage = 2: a two-stage design (districts, then the school types within a district)
# whose second-stage units hold several rows; weights constant within each of them
designs$clus2_dt <- list(psu = c("dnum", "stype"), weights = "pw")
data_of[["clus2_dt"]] <- "apiclus2"
for (cf in c("linear", "raking")) {
  for (st in c(1, 2)) {
    des <- make("apiclus2", designs$clus2_dt)
    cal <- calibrate(des, ~stype + api99, popcal, aggregate.stage = st, calfun = cf)
    m <- svymean(~api00, cal)
    add(sprintf("clus2-calibrate-aggregate-stage%d-%s", st, cf), "calibrate(aggregate.stage=)",
        "apiclus2", designs$clus2_dt,
        list(kind = "calibrate", method = cf, categorical = list(stype = margins$stype),
             numeric = list(api99 = 3914069), aggregate_stage = st,
             then = list(kind = "mean", var = "api00")),
        list(weights = weights(cal), estimate = coef(m), se = SE(m)))
  }
}

# --- PPS without replacement: Brewer's approximation, joint probabilities (HT, YG) ---------------
for (spec in list(list(fpc = "p", pps = "brewer"),
                  list(fpc = "p", pps_joint = "election_jointprob", variance = "HT"),
                  list(fpc = "p", pps_joint = "election_jointprob", variance = "YG"))) {
  des <- make_pps(spec)
  tag <- if (is.null(spec[["pps"]])) paste0("ppsmat-", spec$variance) else "brewer"
  t <- svytotal(~Bush + Kerry, des)
  add(paste("election", tag, "total", sep = "-"), "svydesign(pps=)", "election_pps", spec,
      list(kind = "total", var = list("Bush", "Kerry")), list(estimate = coef(t), se = SE(t)))
  m <- svymean(~Bush, des)
  add(paste("election", tag, "mean", sep = "-"), "svydesign(pps=)", "election_pps", spec,
      list(kind = "mean", var = "Bush"), list(estimate = coef(m), se = SE(m)))
  r <- svyratio(~Bush, ~votes, des)
  add(paste("election", tag, "ratio", sep = "-"), "svydesign(pps=)", "election_pps", spec,
      list(kind = "ratio", numerator = "Bush", denominator = "votes"),
      list(estimate = coef(r), se = SE(r)))
}

# pps = "overton" (Overton's approximate joint probabilities): election (elements), apiclus1
# (clusters: a made-up probability per district, proportional to its enrolment) and apistrat
# (strata coded as numbers: R's overton2Dcheck fails on character strata)
sz <- ave(D$apiclus1$enroll, D$apiclus1$dnum, FUN = function(v) sum(v, na.rm = TRUE))
c1 <- D$apiclus1
c1$p <- round(pmin(0.9, 15 * sz / sum(sz[!duplicated(c1$dnum)]) * 0.3), 6)
write.csv(c1, file.path(datadir, "apiclus1_pps.csv"), row.names = FALSE)
s1 <- D$apistrat
s1$st <- as.numeric(factor(s1$stype))
s1$p <- round(ave(s1$api00, s1$stype, FUN = function(v) pmin(0.6, 50 * v / sum(v) * 0.5)), 6)
write.csv(s1, file.path(datadir, "apistrat_pps.csv"), row.names = FALSE)
D$apiclus1_pps <- read("apiclus1_pps")
D$apistrat_pps <- read("apistrat_pps")
ov_cases <- list(
  list(id = "election-overton", data = "election_pps", spec = list(fpc = "p", pps = "overton"),
       ids = ~1, strata = NULL, vars = list("Bush", "Kerry")),
  list(id = "clus1-overton", data = "apiclus1_pps", spec = list(psu = "dnum", fpc = "p", pps = "overton"),
       ids = ~dnum, strata = NULL, vars = list("api00", "api99")),
  list(id = "strat-overton", data = "apistrat_pps", spec = list(strata = "st", fpc = "p", pps = "overton"),
       ids = ~1, strata = ~st, vars = list("enroll", "api_stu"))
)
for (oc in ov_cases) {
  for (vv in c("HT", "YG")) {
    des <- svydesign(id = oc$ids, strata = oc$strata, fpc = ~p, data = D[[oc$data]],
                     pps = "overton", variance = vv)
    spec <- c(oc$spec, list(variance = vv))
    f <- as.formula(paste("~", paste(unlist(oc$vars), collapse = "+")))
    t <- svytotal(f, des, na.rm = TRUE)
    add(paste(oc$id, vv, "total", sep = "-"), "svydesign(pps='overton')", oc$data, spec,
        list(kind = "total", var = oc$vars), list(estimate = coef(t), se = SE(t)))
    m <- svymean(as.formula(paste("~", oc$vars[[1]])), des)
    add(paste(oc$id, vv, "mean", sep = "-"), "svydesign(pps='overton')", oc$data, spec,
        list(kind = "mean", var = oc$vars[[1]]), list(estimate = coef(m), se = SE(m)))
  }
}

# --- subbootstrap / mrbbootstrap: replicate weights made by R give R's SEs -------------------------
boot_specs <- list(
  list(id = "strat-subbootstrap", data = "apistrat", spec = designs$strat, type = "subbootstrap"),
  list(id = "clus2-mrbbootstrap", data = "apiclus2", spec = designs$clus2, type = "mrbbootstrap")
)
for (b in boot_specs) {
  set.seed(20261204)
  des <- make(b$data, b$spec)
  rep <- as.svrepdesign(des, type = b$type, replicates = 40, compress = FALSE)
  rw <- weights(rep, "analysis")
  colnames(rw) <- paste0("rw", seq_len(ncol(rw)))
  out <- cbind(D[[b$data]], pw_rep = weights(rep, "sampling"), rw)
  stem <- paste0(b$data, "_", b$type)
  write.csv(out, file.path(datadir, paste0(stem, ".csv")), row.names = FALSE)
  spec <- list(weights = "pw_rep", replicate_weights = colnames(rw), replicate_type = b$type,
               scale = rep$scale, rscales = rep$rscales)
  m <- svymean(~api00, rep)
  add(paste(b$id, "mean", sep = "-"), paste0("as.svrepdesign(type='", b$type, "')"), stem, spec,
      list(kind = "mean", var = "api00"), list(estimate = coef(m), se = SE(m)))
  t <- svytotal(~enroll, rep, na.rm = TRUE)
  add(paste(b$id, "total", sep = "-"), paste0("as.svrepdesign(type='", b$type, "')"), stem, spec,
      list(kind = "total", var = "enroll"), list(estimate = coef(t), se = SE(t)))
  r <- svyratio(~api00, ~api99, rep)
  add(paste(b$id, "ratio", sep = "-"), paste0("as.svrepdesign(type='", b$type, "')"), stem, spec,
      list(kind = "ratio", numerator = "api00", denominator = "api99"),
      list(estimate = coef(r), se = SE(r)))
}

# --- BRR: R's hadamard() and hadamard.matrix= ---------------------------------------------------
nh2 <- D$nhanes[D$nhanes$SDMVSTRA != 86, ]  # every stratum with 2 PSUs
write.csv(nh2, file.path(datadir, "nhanes_brr.csv"), row.names = FALSE)
D$nhanes_brr <- read("nhanes_brr")
H <- hadamard(14)
write.csv(H, file.path(datadir, "hadamard14.csv"), row.names = FALSE)
# 10 strata: R's hadamard(10) is a Paley matrix of order 12 (12 replicates)
des10 <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE,
                   data = D$nhanes_brr[D$nhanes_brr$SDMVSTRA <= 84, ])
rep10 <- as.svrepdesign(des10, type = "BRR")
r <- svyratio(~HI_CHOL, ~RIAGENDR, rep10, na.rm = TRUE)
add("nhanes-BRR-10strata-paley-ratio", "as.svrepdesign(type='BRR')", "nhanes_brr",
    c(designs$nhanes, list(replicate = list(type = "BRR"))),
    list(kind = "ratio", numerator = "HI_CHOL", denominator = "RIAGENDR", query = "SDMVSTRA <= 84"),
    list(estimate = coef(r), se = SE(r)))
for (hm in list(NULL, "hadamard14")) {
  for (rho in c(0, 0.3)) {
    des <- make("nhanes_brr", designs$nhanes)
    rep <- if (is.null(hm)) as.svrepdesign(des, type = if (rho) "Fay" else "BRR", fay.rho = rho)
           else as.svrepdesign(des, type = if (rho) "Fay" else "BRR", fay.rho = rho, hadamard.matrix = H)
    spec <- c(designs$nhanes, list(replicate = list(type = if (rho) "Fay" else "BRR", fay_rho = rho,
                                                    hadamard_matrix = hm)))
    tag <- paste(if (rho) "Fay" else "BRR", if (is.null(hm)) "default" else "hadamard14", sep = "-")
    r <- svyratio(~HI_CHOL, ~RIAGENDR, rep, na.rm = TRUE)
    add(paste("nhanes", tag, "ratio", sep = "-"),
        if (is.null(hm)) "as.svrepdesign(type='BRR')" else "as.svrepdesign(hadamard.matrix=)",
        "nhanes_brr", spec, list(kind = "ratio", numerator = "HI_CHOL", denominator = "RIAGENDR"),
        list(estimate = coef(r), se = SE(r)))
    ci <- svyciprop(~HI_CHOL, rep, method = "logit", na.rm = TRUE)
    add(paste("nhanes", tag, "ciprop-logit", sep = "-"),
        if (is.null(hm)) "as.svrepdesign(type='BRR')" else "as.svrepdesign(hadamard.matrix=)",
        "nhanes_brr", spec, list(kind = "ciprop", var = "HI_CHOL", method = "logit"),
        list(estimate = coef(ci), se = SE(ci), ci_low = attr(ci, "ci")[1], ci_high = attr(ci, "ci")[2]))
  }
}

# --- BRR on 25 and 33 strata: R's precooked order-28 and order-36 Hadamard matrices ---------------
set.seed(20261204)
sim <- data.frame(stratum = rep(1:33, each = 6), psu = rep(rep(1:2, each = 3), 33))
sim$w <- round(runif(nrow(sim), 5, 40), 1)
sim$x <- round(runif(nrow(sim), 1, 10), 2)
sim$y <- round(2 * sim$x + sim$stratum / 5 + rnorm(nrow(sim), 0, 3), 2)
write.csv(sim, file.path(datadir, "brr_sim.csv"), row.names = FALSE)
D$brr_sim <- read("brr_sim")
simspec <- list(psu = "psu", strata = "stratum", weights = "w", nest = TRUE)
for (ns in c(25, 33)) {
  des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE,
                   data = D$brr_sim[D$brr_sim$stratum <= ns, ])
  rep <- as.svrepdesign(des, type = "BRR")
  order <- ncol(weights(rep, "replication"))
  stopifnot(order == if (ns == 25) 28 else 36)
  spec <- c(simspec, list(replicate = list(type = "BRR")))
  m <- svymean(~y, rep)
  add(sprintf("sim-BRR-%dstrata-hadamard%d-mean", ns, order), "as.svrepdesign(type='BRR')",
      "brr_sim", spec, list(kind = "mean", var = "y", query = sprintf("stratum <= %d", ns)),
      list(estimate = coef(m), se = SE(m)))
  r <- svyratio(~y, ~x, rep)
  add(sprintf("sim-BRR-%dstrata-hadamard%d-ratio", ns, order), "as.svrepdesign(type='BRR')",
      "brr_sim", spec, list(kind = "ratio", numerator = "y", denominator = "x",
                            query = sprintf("stratum <= %d", ns)),
      list(estimate = coef(r), se = SE(r)))
}

# --- svyquantile on replicate designs: interval.type = "quantile" (repCI) and Woodruff ------------
for (it in c("quantile", "mean")) {
  spec <- c(designs$clus1, list(replicate = list(type = "JK1")))
  des <- make("apiclus1", spec)
  q <- suppressWarnings(svyquantile(~api00, des, c(0.25, 0.5, 0.75), interval.type = it))
  add(paste("clus1-JK1-quantile", it, sep = "-"), "svyquantile", "apiclus1", spec,
      list(kind = "quantile", var = "api00", probs = list(0.25, 0.5, 0.75), qrule = "math",
           interval_type = it),
      list(estimate = q$api00[, 1], ci_low = q$api00[, 2], ci_high = q$api00[, 3],
           se = q$api00[, 4]))
}

# --- svyby(covmat=TRUE) + svycontrast on a replicate design ---------------------------------------
spec <- c(designs$strat, list(replicate = list(type = "JKn")))
des <- make("apistrat", spec)
b <- svyby(~api00, ~stype, des, svymean, covmat = TRUE)
k <- svycontrast(b, c(E = 1, H = -1))
add("strat-JKn-contrast-svyby-E-H", "svycontrast(svyby(covmat=TRUE))", "apistrat", spec,
    list(kind = "contrast", base = "mean", vars = list("api00"), by = "stype", coef = list(1, -1, 0)),
    list(estimate = coef(k), se = SE(k)))

# --- contrasts of proportions between svyby domains (factor, covmat = TRUE) ------------------------
for (dn in c("strat", "clus1")) {
  des <- make(data_of[[dn]], designs[[dn]])
  b <- svyby(~sch_wide, ~stype, des, svymean, covmat = TRUE)
  k <- svycontrast(b, c(`E:sch_wideYes` = 1, `M:sch_wideYes` = -1))
  add(paste(dn, "contrast-svyby-proportion", sep = "-"), "svycontrast(svyby(covmat=TRUE))",
      data_of[[dn]], designs[[dn]],
      list(kind = "contrast_prop", var = "sch_wide", by = "stype",
           coef = list(`E:sch_wideYes` = 1, `M:sch_wideYes` = -1)),
      list(estimate = coef(k), se = SE(k)))
}

# --- the df rule with missing values: confint(svymean(na.rm = TRUE), df = degf(design)) -----------
des <- make("yrbs", designs$yrbs)
m <- svymean(~qn8yes, des, na.rm = TRUE)
ci <- confint(m, df = degf(des))
add("yrbs-mean-df-with-missing-rows", "svymean", "yrbs", designs$yrbs,
    list(kind = "mean_ci", var = "qn8yes"),
    list(estimate = coef(m), se = SE(m), ci_low = ci[1], ci_high = ci[2], df = degf(des)))
des <- make("apiclus2", designs$clus2)
for (it in c("mean", "beta")) {
  q <- svyquantile(~enroll, des, c(0.25, 0.5), na.rm = TRUE, interval.type = it)
  add(paste("clus2-quantile-enroll-na", it, sep = "-"), "svyquantile", "apiclus2", designs$clus2,
      list(kind = "quantile", var = "enroll", probs = list(0.25, 0.5), qrule = "math",
           interval_type = it),
      list(estimate = q$enroll[, 1], ci_low = q$enroll[, 2], ci_high = q$enroll[, 3],
           se = q$enroll[, 4]))
}

# --- svyolr (run to convergence: control = list(reltol = 1e-14)) ------------------------------------
olr_cases <- list(
  list(id = "clus1-svyolr", dn = "clus1", r = "mealcat ~ avg_ed + mobility + stype",
       py = "mealcat ~ avg_ed + mobility + C(stype)"),
  list(id = "strat-svyolr", dn = "strat", r = "mealcat ~ avg_ed + ell",
       py = "mealcat ~ avg_ed + ell")
)
for (oc in olr_cases) {
  des <- make(data_of[[oc$dn]], designs[[oc$dn]])
  des <- update(des, mealcat = cut(meals, c(0, 25, 50, 75, 100)))
  m <- svyolr(as.formula(oc$r), design = des, control = list(reltol = 1e-14, maxit = 1000))
  add(oc$id, "svyolr", data_of[[oc$dn]], designs[[oc$dn]],
      list(kind = "olr", formula = oc$py,
           cut = list(var = "meals", breaks = list(0, 25, 50, 75, 100), name = "mealcat")),
      list(estimate = c(coef(m)), se = SE(m), df = m$df.residual))
}

# --- svyolr on replicate designs (svyolr.svyrep.design: polr refitted with each replicate's
# weights, started at the full fit; svrVar of (beta, zeta)); run to convergence as above --------
olr_rep <- list(
  list(id = "clus1-JK1-svyolr", dn = "clus1", type = "JK1", r = "mealcat ~ avg_ed + mobility",
       py = "mealcat ~ avg_ed + mobility"),
  list(id = "strat-JKn-svyolr", dn = "strat", type = "JKn", r = "mealcat ~ avg_ed + ell + stype",
       py = "mealcat ~ avg_ed + ell + C(stype)")
)
for (oc in olr_rep) {
  spec <- c(designs[[oc$dn]], list(replicate = list(type = oc$type)))
  des <- make(data_of[[oc$dn]], spec)
  des <- update(des, mealcat = cut(meals, c(0, 25, 50, 75, 100)))
  m <- svyolr(as.formula(oc$r), design = des, control = list(reltol = 1e-14, maxit = 1000))
  add(oc$id, "svyolr(svrepdesign)", data_of[[oc$dn]], spec,
      list(kind = "olr", formula = oc$py,
           cut = list(var = "meals", breaks = list(0, 25, 50, 75, 100), name = "mealcat")),
      list(estimate = c(coef(m)), se = SE(m), df = m$df.residual))
}

writeLines(toJSON(list(generator = "tests/reference/r/parity2.R", suite = paste("R survey",
  packageVersion("survey")), cases = cases), auto_unbox = TRUE, digits = NA, pretty = TRUE),
  outfile)
cat("wrote", length(cases), "cases to", outfile, "\n")
