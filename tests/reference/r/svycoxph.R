# Reference values for tests/survey-side Cox (arefie_studies.methods.coxph): survey::svycoxph.
# Run from the repository root:  Rscript tests/reference/r/svycoxph.R
# Writes the data of every case to tests/reference/data/svycoxph_<case>.csv and coefficients,
# SEs and the full vcov to tests/reference/svycoxph_r.json. Ties: coxph's default (Efron).
suppressMessages({library(survival); library(survey); library(jsonlite)})

out <- list()
save_case <- function(name, model, design_spec, formula_text, data_file) {
  v <- unname(vcov(model))
  out[[name]] <<- list(
    formula = formula_text, design = design_spec, data = data_file,
    terms = names(coef(model)), coef = unname(coef(model)),
    se = unname(sqrt(diag(v))), vcov = v, n = nrow(model$y %||% model$model) 
  )
}
`%||%` <- function(a, b) if (is.null(a)) b else a

# 1. ?svycoxph: pbc, randomized subset, selection probabilities from a logistic model,
#    strata = edema, each row its own PSU
data(pbc, package = "survival")
pbc$randomized <- with(pbc, !is.na(trt) & trt > 0)
biasmodel <- glm(randomized ~ age * edema, data = pbc, family = binomial)
pbc$randprob <- fitted(biasmodel)
pbc_r <- subset(pbc, randomized)
pbc_r$event <- as.integer(pbc_r$status > 0)
pbc_r$w <- 1 / pbc_r$randprob
pbc_r$logbili <- log(pbc_r$bili)
f1 <- "tests/reference/data/svycoxph_pbc.csv"
write.csv(pbc_r[, c("id", "time", "status", "event", "bili", "logbili", "protime", "albumin",
                    "edema", "randprob", "w")], f1, row.names = FALSE)
dpbc <- svydesign(id = ~1, prob = ~randprob, strata = ~edema, data = pbc_r)
m1 <- svycoxph(Surv(time, status > 0) ~ bili + protime + albumin, design = dpbc)
save_case("pbc", m1, "svydesign(id=~1, prob=~randprob, strata=~edema)",
          "Surv(time, status > 0) ~ bili + protime + albumin", f1)
m1b <- svycoxph(Surv(time, status > 0) ~ log(bili) + protime + albumin, design = dpbc)
save_case("pbc_logbili", m1b, "svydesign(id=~1, prob=~randprob, strata=~edema)",
          "Surv(time, status > 0) ~ log(bili) + protime + albumin", f1)

# 2. api: derived survival outcome (tied times: Efron), one-stage cluster sample with fpc
data(api)
derive <- function(d) {
  d$time <- round(d$api00 / 20)          # many ties
  d$event <- as.integer(d$sch.wide == "Yes")
  d$sch_wide <- d$sch.wide
  d
}
c1 <- derive(apiclus1)
f2 <- "tests/reference/data/svycoxph_apiclus1.csv"
write.csv(c1[, c("dnum", "snum", "pw", "fpc", "stype", "time", "event", "ell", "meals",
                 "mobility")], f2, row.names = FALSE)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = c1)
m2 <- svycoxph(Surv(time, event) ~ ell + meals + mobility, design = dclus1)
save_case("apiclus1", m2, "svydesign(id=~dnum, weights=~pw, fpc=~fpc)",
          "Surv(time, event) ~ ell + meals + mobility", f2)
# same design, raked on school type: svyrecvar with postStrata
pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
rclus1 <- rake(dclus1, list(~stype), list(pop_types))
m3 <- svycoxph(Surv(time, event) ~ ell + meals + mobility, design = rclus1)
save_case("apiclus1_raked", m3, "rake(dclus1, list(~stype), E=4421, H=755, M=1018)",
          "Surv(time, event) ~ ell + meals + mobility", f2)

# 3. api: two-stage cluster sample (districts, then schools) with fpc at both stages
c2 <- derive(apiclus2)
f3 <- "tests/reference/data/svycoxph_apiclus2.csv"
write.csv(c2[, c("dnum", "snum", "pw", "fpc1", "fpc2", "stype", "time", "event", "ell",
                 "meals", "mobility")], f3, row.names = FALSE)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = c2)
m4 <- svycoxph(Surv(time, event) ~ ell + meals + mobility, design = dclus2)
save_case("apiclus2", m4, "svydesign(id=~dnum+snum, fpc=~fpc1+fpc2)",
          "Surv(time, event) ~ ell + meals + mobility", f3)

out$versions <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                     survey = as.character(packageVersion("survey")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/svycoxph_r.json")
