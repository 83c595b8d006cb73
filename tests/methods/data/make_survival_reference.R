# Reference values for tests/methods/test_survival.py (R 4.x, survival, survey, jsonlite).
# Run from the repository root: Rscript tests/methods/data/make_survival_reference.R
suppressMessages({library(survival); library(survey); library(jsonlite)})
lung2 <- subset(survival::lung, !is.na(inst), select = c(inst, time, status, age, sex, ph.ecog))
lung2 <- lung2[complete.cases(lung2), ]
lung2$event <- as.integer(lung2$status == 2)
lung2$w <- 1 + (seq_len(nrow(lung2)) %% 3) * 0.5
write.csv(lung2[, c("inst", "time", "event", "age", "sex", "ph.ecog", "w")],
          "tests/methods/data/lung.csv", row.names = FALSE)
out <- list()
# weighted KM point estimate (survfit with weights) by sex
f <- survfit(Surv(time, event) ~ sex, data = lung2, weights = w)
s <- summary(f, censored = FALSE)
out$km_weighted <- list(strata = as.character(s$strata), time = s$time, surv = s$surv,
                        n_risk = s$n.risk, n_event = s$n.event)
qq <- quantile(f, probs = 0.5, conf.int = TRUE)
out$km_weighted_median <- list(median = unname(qq$quantile[, 1]),
                               lower = unname(qq$lower[, 1]), upper = unname(qq$upper[, 1]))
# unweighted KM, log CI (survfit default conf.type="log"), Greenwood
f0 <- survfit(Surv(time, event) ~ 1, data = lung2)
out$km_unweighted <- list(time = f0$time, surv = f0$surv, std_err = f0$std.err,
                          lower = f0$lower, upper = f0$upper)
q0 <- quantile(f0, probs = 0.5, conf.int = TRUE)
out$km_unweighted_median <- list(median = unname(q0$quantile), lower = unname(q0$lower),
                                 upper = unname(q0$upper))
# design-based: svykm(se = TRUE) (Nelson-Aalen with linearised variance of log S)
des <- svydesign(ids = ~inst, strata = ~sex, weights = ~w, nest = TRUE, data = lung2)
k <- svykm(Surv(time, event) ~ 1, design = des, se = TRUE)
out$svykm <- list(time = k$time, surv = k$surv, varlog = k$varlog)
# domains: svykm by sex (subset designs keep every PSU)
kg <- svykm(Surv(time, event) ~ sex, design = des, se = TRUE)
out$svykm_by_sex <- lapply(kg, function(z) list(time = z$time, varlog = z$varlog))
kb <- svykm(Surv(time, event) ~ 1, design = des, se = FALSE)
out$svykm_pl <- list(time = kb$time, surv = kb$surv)
ci <- confint(k, parm = c(100, 300, 500))
out$svykm_ci <- list(parm = c(100, 300, 500), lower = unname(ci[, 1]), upper = unname(ci[, 2]))
# Cox: weights + cluster-robust (Efron ties)
cx <- coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung2, weights = w, cluster = inst)
out$cox_weighted <- list(coef = unname(coef(cx)), robust_se = unname(sqrt(diag(cx$var))),
                         naive_se = unname(sqrt(diag(cx$naive.var))))
cx1 <- coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung2)
out$cox_unweighted <- list(coef = unname(coef(cx1)), se = unname(sqrt(diag(cx1$var))))
# without tied times (time + row/1000): lifelines' robust variance must equal R's exactly there
lung2$time_u <- lung2$time + seq_len(nrow(lung2)) / 1000
cu <- coxph(Surv(time_u, event) ~ age + sex + ph.ecog, data = lung2, weights = w, cluster = inst)
out$cox_weighted_untied <- list(coef = unname(coef(cu)), robust_se = unname(sqrt(diag(cu$var))))
out$versions <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                     survey = as.character(packageVersion("survey")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/methods/data/survival_r_reference.json")
