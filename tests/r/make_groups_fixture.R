# Makes tests/fixtures/r/groups.json: two groups of respondents (an interviewer's
# residents and self-completed ones) with strata, weights and a per-respondent share,
# and R's survey results for each group's weighted mean: the figures stats::groups
# must reproduce (the interviewer check).
#
#   Rscript tests/r/make_groups_fixture.R       # from the repository root
#
# Needs R with survey and jsonlite (Debian: r-cran-survey r-cran-jsonlite). Fixed seed.

suppressMessages({
  library(survey)
  library(jsonlite)
})
options(survey.lonely.psu = "remove")
set.seed(20261201)

make <- function(n, strata, shift) {
  s <- sample(strata, n, replace = TRUE)
  # Shares of top answers over 10 items, as the check computes them.
  y <- rbinom(n, 10, pmin(0.95, 0.25 + shift + 0.05 * s)) / 10
  w <- c(800, 1200, 950, 1500)[s + 1] * runif(n, 0.8, 1.2)
  data.frame(stratum = s, weight = w, y = y)
}
a <- make(40, c(0, 1, 2), 0.3)
# A lonely stratum in group b (one respondent in stratum 3): R removes it.
b <- rbind(make(300, c(0, 1, 2), 0), data.frame(stratum = 3, weight = 1500, y = 0.4))

fit <- function(d) {
  des <- svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = d)
  m <- svymean(~y, des)
  list(estimate = unname(coef(m)), se = as.numeric(SE(m)), n = nrow(d))
}
ra <- fit(a)
rb <- fit(b)
out <- list(
  a = a, b = b,
  r = list(a = ra, b = rb,
           difference = ra$estimate - rb$estimate,
           se = sqrt(ra$se^2 + rb$se^2))
)
write_json(out, "tests/fixtures/r/groups.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote tests/fixtures/r/groups.json\n")
