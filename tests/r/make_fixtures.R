# Makes the R-checked fixtures in tests/fixtures/r/: synthetic response sets with the
# results of R's survey package, in the same JSON shape as tests/fixtures/reference/.
#
#   Rscript tests/r/make_fixtures.R            # from the repository root
#
# Needs R with the survey and jsonlite packages (Debian: r-base-core r-cran-survey
# r-cran-jsonlite). The data are drawn with fixed seeds, so a rerun reproduces the files.
# Conventions (the same as the reference files): estimates are computed on the design
# restricted to rows that answered (`subset(design, !is.na(y))`), per district by a
# further subset; df = degf of that subset; trimming at 0.4x and 2.5x the mean weight;
# raking with maxit = 500, epsilon = 1e-9. `na.rm = TRUE` throughout: a calibrated
# subset keeps the excluded rows (weight 0), whose NA answers would otherwise turn R's
# sums into NaN.

suppressMessages({
  library(survey)
  library(jsonlite)
})

out <- "tests/fixtures/r"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
census <- read.csv("tests/fixtures/public.census.csv", stringsAsFactors = FALSE)
districts <- paste0("D", 1:6)
ages <- c("18-29", "30-44", "45-59", "60+")
N_d <- tapply(census$population, census$district, sum)[districts]

# One synthetic data set. `n` respondents per district; `age_w` sampling weights of the
# age bands (skew); `female` share of women; rates by district; `miss` share of missing
# answers per question.
simulate <- function(seed, n, age_w, female, aware, quiz, miss) {
  set.seed(seed)
  rows <- lapply(seq_along(districts), function(k) {
    m <- n[k]
    age <- sample(ages, m, replace = TRUE, prob = age_w)
    sex <- ifelse(runif(m) < female, "F", "M")
    older <- age %in% c("45-59", "60+")
    data.frame(
      district = districts[k], age_band = age, sex = sex,
      wave = sample(1:2, m, replace = TRUE),
      aware_campaign = rbinom(m, 1, pmin(aware[k] + 0.02 * older, 1)),
      aware_values = rbinom(m, 1, 0.55 + 0.1 * older + 0.02 * k),
      participated = rbinom(m, 1, 0.25 + 0.15 * older),
      satisfaction = sample(1:5, m, replace = TRUE, prob = c(0.05, 0.1, 0.2, 0.35 + 0.02 * k, 0.3)),
      quiz_correct = rbinom(m, 1, quiz[k]),
      stringsAsFactors = FALSE
    )
  })
  d <- do.call(rbind, rows)
  d$id <- seq_len(nrow(d))
  for (v in c("aware_values", "participated", "satisfaction", "quiz_correct")) {
    d[[v]][runif(nrow(d)) < miss[[v]]] <- NA
  }
  d[, c("id", "district", "age_band", "sex", "wave", "aware_campaign", "aware_values",
        "participated", "satisfaction", "quiz_correct")]
}

margins <- function() {
  m1 <- aggregate(population ~ district + age_band, census, sum); names(m1)[3] <- "Freq"
  m2 <- aggregate(population ~ district + sex, census, sum); names(m2)[3] <- "Freq"
  list(m1, m2)
}

# `weights`: each respondent's design weight (a probability sample); without, the
# district base weight N_d / n_d.
designs <- function(d, ids = ~1, weights = NULL) {
  d$w0 <- as.numeric(N_d[d$district] / table(d$district)[d$district])
  if (is.null(weights)) weights <- ~w0
  base <- svydesign(ids = ids, strata = ~district, weights = weights, data = d)
  pop <- census; names(pop)[names(pop) == "population"] <- "Freq"
  out <- list(base = base)
  errors <- list()
  ps <- tryCatch(postStratify(base, ~district + age_band + sex, pop),
                 error = function(e) { errors$poststrat <<- conditionMessage(e); NULL })
  if (!is.null(ps)) out$poststrat <- ps
  raked <- tryCatch(rake(base, list(~district + age_band, ~district + sex), margins(),
                         control = list(maxit = 500, epsilon = 1e-9)),
                    error = function(e) { errors$raked <<- conditionMessage(e); NULL })
  if (!is.null(raked)) {
    out$raked <- raked
    w <- weights(raked)
    out$raked_trimmed <- trimWeights(raked, lower = 0.4 * mean(w), upper = 2.5 * mean(w))
  }
  list(designs = out, errors = errors)
}

num <- function(x) if (is.null(x) || length(x) == 0 || !is.finite(x)) NA else unname(x)

ci_or_na <- function(expr) tryCatch({
  ci <- as.numeric(attr(suppressWarnings(expr), "ci"))
  if (length(ci) == 2 && all(is.finite(ci))) ci else c(NA, NA)
}, error = function(e) c(NA, NA))

estimate <- function(des, var, kind, group) {
  f <- as.formula(paste0("~", var))
  ok <- !is.na(des$variables[[var]])
  sub <- des[ok, ]
  if (group != "ALL") sub <- subset(sub, district == group)
  m <- svymean(f, sub, deff = TRUE, na.rm = TRUE)
  r <- list(indicator = if (var == "satisfied") "satisfied" else var, kind = kind, group = group,
            n = sum(weights(sub) != 0), weighted_total = sum(weights(sub)),
            estimate = num(as.numeric(coef(m))), se = num(as.numeric(SE(m))),
            deff = num(as.numeric(deff(m))), df = degf(sub))
  if (kind == "mean") {
    r$ci <- list(normal = as.numeric(confint(m)), t = as.numeric(confint(m, df = degf(sub))))
  } else {
    r$ci <- list()
    for (meth in c("logit", "likelihood", "asin", "beta", "mean", "xlogit")) {
      r$ci[[meth]] <- ci_or_na(svyciprop(f, sub, method = meth, na.rm = TRUE))
    }
    r$ci$logit90 <- ci_or_na(svyciprop(f, sub, method = "logit", level = 0.90, na.rm = TRUE))
  }
  r
}

unweighted <- function(d, var, group) {
  y <- d[[var]][!is.na(d[[var]]) & (group == "ALL" | d$district == group)]
  x <- sum(y); n <- length(y)
  list(indicator = var, group = group, n = n, estimate = x / n,
       wilson = as.numeric(prop.test(x, n, correct = FALSE)$conf.int),
       clopper_pearson = as.numeric(binom.test(x, n)$conf.int))
}

make <- function(name, d, ids = ~1, weights = NULL) {
  write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
  d$satisfied <- as.numeric(d$satisfaction >= 4)
  made <- designs(d, ids, weights)
  props <- c("aware_campaign", "aware_values", "participated", "quiz_correct", "satisfied")
  groups <- c("ALL", districts)
  res <- list(dataset = name, r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")),
              errors = made$errors, designs = list())
  wts <- data.frame(id = d$id)
  for (dn in names(made$designs)) {
    des <- made$designs[[dn]]
    des$variables$satisfied <- d$satisfied
    wts[[dn]] <- weights(des)
    est <- list()
    for (v in props) for (g in groups) est[[length(est) + 1]] <- estimate(des, v, "proportion", g)
    for (g in groups) est[[length(est) + 1]] <- estimate(des, "satisfaction", "mean", g)
    res$designs[[dn]] <- list(
      weights_sum_by_district = as.list(tapply(weights(des), d$district, sum)),
      weights_sum = sum(weights(des)),
      estimates = est)
  }
  res$designs$unweighted_srs <- list(estimates = unlist(lapply(props[props != "satisfied"], function(v)
    lapply(groups, function(g) unweighted(d, v, g))), recursive = FALSE))
  raked <- made$designs$raked
  raked$variables$satisfied <- d$satisfied
  nn <- subset(raked, !is.na(satisfied))
  fit <- svyglm(satisfied ~ factor(wave), nn)
  means <- svyby(~satisfied, ~wave, nn, svymean, na.rm = TRUE)
  res$wave_contrast_raked <- list(wave1 = coef(means)[[1]], wave2 = coef(means)[[2]],
                                  difference = unname(coef(fit)[2]), se = unname(SE(fit)[2]),
                                  df = degf(nn),
                                  note = "svyglm(satisfied ~ factor(wave)) on the raked design, NA rows dropped")
  # The comparison minyi makes everywhere (stats --compare wave=1,2, the pack, the
  # dashboard): each wave an independent sample, raked on its own; the difference's
  # variance is the sum of the two, df the smaller of the two designs' degf.
  per_wave <- lapply(1:2, function(w) {
    dw <- d[d$wave == w, ]
    # (postStratify prints the cells a wave alone leaves empty; only the raked design is used)
    invisible(capture.output(rw <- designs(dw, ids, weights)$designs$raked))
    rw$variables$satisfied <- dw$satisfied
    nw <- subset(rw, !is.na(satisfied))
    m <- svymean(~satisfied, nw, na.rm = TRUE)
    list(estimate = unname(coef(m)), se = as.numeric(SE(m)), df = degf(nw))
  })
  diff <- per_wave[[2]]$estimate - per_wave[[1]]$estimate
  se <- sqrt(per_wave[[1]]$se^2 + per_wave[[2]]$se^2)
  df <- min(per_wave[[1]]$df, per_wave[[2]]$df)
  res$wave_contrast_independent <- list(
    wave1 = per_wave[[1]]$estimate, wave2 = per_wave[[2]]$estimate,
    se1 = per_wave[[1]]$se, se2 = per_wave[[2]]$se, difference = diff, se = se, df = df,
    p_value = 2 * pt(-abs(diff / se), df),
    note = "each wave raked on its own (independent samples); se = sqrt(se1^2 + se2^2), df = min(degf)")
  write.csv(wts, file.path(out, paste0("weights_", name, ".csv")), row.names = FALSE)
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
             file.path(out, paste0("expected_", name, ".json")))
  cat(name, ":", nrow(d), "rows,", length(made$designs), "designs",
      if (length(made$errors)) paste("; R refused:", paste(names(made$errors), collapse = ", ")) else "", "\n")
}

# Small districts: D5 and D6 have few respondents (flags, wide intervals; too few to
# post-stratify to 48 cells).
make("r_small_districts", simulate(
  2026, n = c(300, 250, 200, 120, 45, 24), age_w = c(1, 1, 1, 1), female = 0.5,
  aware = c(0.9, 0.88, 0.92, 0.85, 0.8, 0.9), quiz = rep(0.7, 6),
  miss = list(aware_values = 0.05, participated = 0.05, satisfaction = 0.08, quiz_correct = 0.02)))

# Rates near 100% (some districts at exactly 100%: no logit-scale interval there).
make("r_near_one", simulate(
  7, n = rep(150, 6), age_w = c(1, 1, 1, 1), female = 0.5,
  aware = c(0.995, 0.99, 0.985, 0.99, 0.98, 0.995), quiz = c(0.97, 0.98, 0.96, 0.99, 0.97, 0.98),
  miss = list(aware_values = 0.03, participated = 0.03, satisfaction = 0.03, quiz_correct = 0.03)))

# A skewed QR sample: one district answers far more, older residents and women
# over-represented, many missing satisfaction answers.
make("r_skewed", simulate(
  99, n = c(1500, 400, 300, 250, 200, 150), age_w = c(0.5, 0.8, 1.2, 2.5), female = 0.65,
  aware = c(0.9, 0.85, 0.8, 0.75, 0.7, 0.95), quiz = c(0.6, 0.65, 0.7, 0.55, 0.5, 0.75),
  miss = list(aware_values = 0.04, participated = 0.06, satisfaction = 0.15, quiz_correct = 0.05)))

# By community of residence (tests/fixtures/public_places.toml): three communities per
# district with different awareness, the raked design, and R's estimates per community
# through svyby(~y, ~community, design, svyciprop) — what `minyi stats --by community`
# must reproduce. The design is restricted to rows that answered y first, as above.
make_places <- function(name, seed) {
  set.seed(seed)
  d <- simulate(seed, n = c(600, 500, 400, 300, 300, 200), age_w = c(0.8, 1, 1.2, 1.5),
                female = 0.55, aware = c(0.9, 0.85, 0.8, 0.88, 0.75, 0.92),
                quiz = rep(0.65, 6),
                miss = list(aware_values = 0.05, participated = 0.05, satisfaction = 0.1,
                            quiz_correct = 0.03))
  suffix <- sample(c("a", "b", "c"), nrow(d), replace = TRUE, prob = c(0.5, 0.3, 0.2))
  d$community <- paste0(tolower(d$district), "-", suffix)
  # Community c of every district is weaker on awareness.
  weak <- suffix == "c"
  d$aware_campaign[weak] <- rbinom(sum(weak), 1, 0.6)
  write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
  d$satisfied <- as.numeric(d$satisfaction >= 4)
  # Raked to convergence (epsilon 1e-13 of the total weight), so the comparison is of
  # the same weights rather than of where two implementations stop iterating.
  d$w0 <- as.numeric(N_d[d$district] / table(d$district)[d$district])
  base <- svydesign(ids = ~1, strata = ~district, weights = ~w0, data = d)
  raked <- rake(base, list(~district + age_band, ~district + sex), margins(),
                control = list(maxit = 2000, epsilon = 1e-13))
  raked$variables$satisfied <- d$satisfied
  write.csv(data.frame(id = d$id, raked = weights(raked)),
            file.path(out, paste0("weights_", name, ".csv")), row.names = FALSE)
  est <- list()
  for (v in c("aware_campaign", "aware_values", "participated", "satisfied")) {
    f <- as.formula(paste0("~", v))
    nn <- subset(raked, !is.na(raked$variables[[v]]))
    by <- svyby(f, ~community, nn, svyciprop, method = "logit", vartype = c("se", "ci"),
                na.rm = TRUE)
    counts <- svyby(f, ~community, nn, unwtd.count)
    # The point estimate and its SE from svymean: svyciprop's estimate comes out of
    # the quasi-binomial GLM's iterations and agrees only to about 1e-9. svyby keeps
    # svyciprop's logit interval in ci_l/ci_u (confint() of the svyby object would be
    # a Wald interval instead).
    means <- svyby(f, ~community, nn, svymean, na.rm = TRUE)
    stopifnot(all(as.character(means$community) == as.character(by$community)))
    se <- unname(SE(means))
    for (i in seq_len(nrow(by))) {
      cm <- as.character(by$community[i])
      est[[length(est) + 1]] <- list(
        indicator = if (v == "satisfied") "satisfaction" else v,
        group = paste0(toupper(sub("-.*", "", cm)), "/", cm),
        n = counts$counts[counts$community == cm],
        estimate = unname(coef(means)[i]), se = se[i],
        ci_low = unname(by[i, "ci_l"]), ci_high = unname(by[i, "ci_u"]))
    }
  }
  res <- list(dataset = name, r_version = R.version.string,
              survey_version = as.character(packageVersion("survey")),
              design = "raked (maxit 2000, epsilon 1e-13)", by = "community", method = "logit", level = 0.95,
              call = "nn <- subset(raked, !is.na(y)); estimate, se: svyby(~y, ~community, nn, svymean); interval: svyby(~y, ~community, nn, svyciprop, method = \"logit\", vartype = \"ci\")",
              estimates = est)
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
             file.path(out, paste0("expected_", name, ".json")))
  cat(name, ":", nrow(d), "rows,", length(est), "community estimates\n")
}

# svyciprop's quasi-binomial fit warns about non-integer successes on weighted data;
# that is expected.
suppressWarnings(make_places("r_places", 314))

# Clustered: respondents in primary sampling units (posters, sampled 小区) within the
# district strata, with a shared PSU effect, so clustering matters; D6 has a single PSU
# (R's survey.lonely.psu = "remove": it adds no variance, minyi's choice too).
options(survey.lonely.psu = "remove")
clustered <- function(seed) {
  d <- simulate(seed, n = c(400, 350, 300, 250, 200, 80), age_w = c(1, 1, 1.2, 1.4),
                female = 0.55, aware = c(0.88, 0.85, 0.82, 0.8, 0.78, 0.9),
                quiz = rep(0.65, 6),
                miss = list(aware_values = 0.04, participated = 0.04, satisfaction = 0.08,
                            quiz_correct = 0.03))
  k <- c(D1 = 8, D2 = 7, D3 = 6, D4 = 5, D5 = 4, D6 = 1)
  d$psu <- paste0(d$district, "-P", sapply(d$district, function(x) sample.int(k[[x]], 1)))
  # The PSU effect: whole posters answer better or worse.
  eff <- setNames(rnorm(length(unique(d$psu)), 0, 0.12), sort(unique(d$psu)))
  p <- pmin(pmax(0.8 + eff[d$psu], 0.02), 0.98)
  d$aware_campaign <- rbinom(nrow(d), 1, p)
  d[, c("id", "district", "psu", "age_band", "sex", "wave", "aware_campaign", "aware_values",
        "participated", "satisfaction", "quiz_correct")]
}
make("r_clustered", clustered(4242), ids = ~psu)

# A household probability sample as the evaluators draw theirs (and minyi's
# [household_sample]): in each district communities by systematic PPS on their adults,
# 20 households at random in each, one adult per household (1 / adults), a quarter of
# the households not responding (refusals, non-contacts), some not eligible, some of
# unknown eligibility; two waves, each its own draw. The design weight is
# 1 / (pi_community * pi_household) * adults, adjusted for nonresponse within each drawn
# community: responding households stand for the eligible households drawn, those of
# unknown eligibility counted with AAPOR's e (the eligible share of the known cases,
# over the whole wave's sample). The cases (every drawn household with its outcome)
# are written too, so minyi's weights are checked against these, row by row.
household <- function(seed) {
  set.seed(seed)
  k <- c(D1 = 5, D2 = 4, D3 = 4, D4 = 3, D5 = 3, D6 = 2)
  rows <- list(); cases <- list(); id <- 0
  for (wave in 1:2) {
    sampled <- list()
    for (dist in districts) {
      # The district's 24 communities and their adults (summing to the census).
      size <- rlnorm(24, 0, 0.5); size <- round(size / sum(size) * N_d[[dist]])
      interval <- sum(size) / k[[dist]]
      stopifnot(all(size < interval))  # no community is certain here
      start <- runif(1, 0, interval)
      points <- start + (0:(k[[dist]] - 1)) * interval
      picked <- findInterval(points, c(0, cumsum(size)), left.open = TRUE)
      for (ci in picked) {
        psu <- sprintf("%s-C%02d", dist, ci)
        pi_c <- k[[dist]] * size[ci] / sum(size)
        households <- round(size[ci] / 2.4)
        pi_h <- 20 / households
        effect <- rnorm(1, 0, 0.5)
        for (h in 1:20) {
          u <- runif(1)
          outcome <- if (u < 0.05) "NE" else if (u < 0.10) "U" else if (u < 0.28) "E" else "R"
          case <- data.frame(wave = wave, district = dist, psu = psu, pi_c = pi_c,
                             pi_h = pi_h, outcome = outcome, adults = NA, id = NA)
          if (outcome == "R") {
            id <- id + 1
            adults <- sample(1:5, 1, prob = c(0.18, 0.38, 0.2, 0.16, 0.08))
            case$adults <- adults; case$id <- id
            age <- sample(ages, 1, prob = c(0.8, 1, 1.1, 1.3) + c(0, 0, 0, 0.3 * (adults == 1)))
            older <- age %in% c("45-59", "60+")
            lin <- 1.2 + effect + 0.3 * older + 0.15 * (adults >= 3) + 0.2 * (wave == 2)
            rows[[length(rows) + 1]] <- data.frame(
              id = id, district = dist, psu = psu, wave = wave,
              age_band = age, sex = if (runif(1) < 0.53) "F" else "M",
              aware_campaign = rbinom(1, 1, plogis(lin)),
              aware_values = if (runif(1) < 0.04) NA else rbinom(1, 1, plogis(lin - 0.6)),
              participated = if (runif(1) < 0.04) NA else rbinom(1, 1, plogis(-1 + 0.5 * older + effect / 2)),
              satisfaction = if (runif(1) < 0.07) NA else
                sample(1:5, 1, prob = c(0.05, 0.1, 0.2, 0.35, 0.3) * c(1, 1, 1, exp(effect / 2), exp(effect))),
              quiz_correct = if (runif(1) < 0.03) NA else rbinom(1, 1, plogis(0.5 + effect / 2)),
              stringsAsFactors = FALSE)
          }
          cases[[length(cases) + 1]] <- case
        }
      }
    }
  }
  d <- do.call(rbind, rows); cases <- do.call(rbind, cases)
  # Nonresponse adjustment within each drawn community, e per wave.
  cases$d <- 1 / (cases$pi_c * cases$pi_h)
  d$design_weight <- NA
  for (w in 1:2) {
    cw <- cases[cases$wave == w, ]
    eligible <- sum(cw$outcome %in% c("R", "E")); known <- eligible + sum(cw$outcome == "NE")
    e <- eligible / known
    for (p in unique(cw$psu)) {
      cp <- cw[cw$psu == p, ]
      adj <- (sum(cp$d[cp$outcome %in% c("R", "E")]) + e * sum(cp$d[cp$outcome == "U"])) /
        sum(cp$d[cp$outcome == "R"])
      r <- cp[cp$outcome == "R", ]
      d$design_weight[match(r$id, d$id)] <- r$d * adj * r$adults
    }
  }
  write.csv(cases[, c("wave", "district", "psu", "pi_c", "pi_h", "outcome", "adults", "id")],
            file.path(out, "r_household_cases.csv"), row.names = FALSE, na = "")
  d[, c("id", "district", "psu", "design_weight", "age_band", "sex", "wave", "aware_campaign",
        "aware_values", "participated", "satisfaction", "quiz_correct")]
}
suppressWarnings(make("r_household", household(2024), ids = ~psu, weights = ~design_weight))
