# Exports R survey's precooked order-28 and order-36 Hadamard matrices (survey:::hadamard.list,
# used by survey:::hadamard(n) for n = 24-27 and 32-35 and their doublings) to package data.
# survey is GPL-2 | GPL-3; a matrix of +1/-1 (coded 1/0 as R does) is data.
# Run from the repository root: Rscript tests/reference/r/hadamard.R
suppressMessages(library(survey))
hl <- survey:::hadamard.list
stopifnot(identical(survey:::hadamard.sizes, c(4, 16, 28, 36)),
          identical(survey:::hadamard(27), hl[[3]]), identical(survey:::hadamard(35), hl[[4]]))
rows <- function(h) unname(lapply(seq_len(nrow(h)), function(i) as.integer(h[i, ])))
out <- list(
  source = paste0("R package survey ", packageVersion("survey"), ": survey:::hadamard.list[[3]] ",
                  "and [[4]] (the precooked order-28 and order-36 matrices used by ",
                  "survey:::hadamard(n) for n = 24-27 and 32-35, from N. J. A. Sloane's library ",
                  "of Hadamard matrices); survey is GPL-2 | GPL-3, the +1/-1 pattern (1 = +1, ",
                  "0 = -1 as R codes it) is data, exported by tests/reference/r/hadamard.R"),
  order28 = rows(hl[[3]]), order36 = rows(hl[[4]]))
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE),
           "src/arefie_studies/survey/data/r_hadamard_28_36.json")
