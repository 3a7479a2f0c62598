# Reference values for evidence-bot's analysis package, computed with metafor.
#
# Regenerate (from the repository root):
#   Rscript tests/reference/make_fixtures.R
# which rewrites tests/reference/metafor_fixtures.json deterministically.
#
# Conventions (mirrored by analysis/):
# * per-study effects: escalc(add=1/2, to="only0"); drop00=TRUE for RR/OR, FALSE for RD
# * MH: rma.mh() defaults; Peto: rma.peto() defaults; IV: rma(method="EE")
# * random effects: rma(method="DL"/"REML"/"PM"), HKSJ = test="knha" (no truncation)
# * iterative estimators are run to tight tolerances (REML threshold 1e-13,
#   PM uniroot tol 1e-12) so that the fixtures hold the converged optimum rather
#   than metafor's looser defaults (threshold 1e-5, tol ~1.2e-4).
# * prediction intervals: predict() defaults (normal; t(k-1) under knha).

suppressPackageStartupMessages(library(metafor))
library(jsonlite)

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"
out_file <- file.path(out_dir, "metafor_fixtures.json")

ctrl <- list(threshold = 1e-13, tol = 1e-12, maxiter = 10000)
num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x) || !is.finite(x)) NULL else unname(as.numeric(x))
nums <- function(x) lapply(as.numeric(x), function(v) if (is.na(v) || !is.finite(v)) NULL else v)

# ------------------------------------------------------------------ datasets
ds <- list()
add_ds <- function(name, ai, n1i, ci, n2i, labels = NULL, note = "") {
  if (is.null(labels)) labels <- paste0("S", seq_along(ai))
  # I() keeps length-1 vectors as JSON arrays
  ds[[name]] <<- list(ai = I(as.integer(ai)), n1i = I(as.integer(n1i)), ci = I(as.integer(ci)),
                      n2i = I(as.integer(n2i)), labels = I(as.character(labels)), note = note)
}

b <- dat.bcg
add_ds("bcg", b$tpos, b$tpos + b$tneg, b$cpos, b$cpos + b$cneg,
       paste(b$author, b$year), "metafor dat.bcg (Colditz 1994)")
add_ds("hine1989", dat.hine1989$ai, dat.hine1989$n1i, dat.hine1989$ci, dat.hine1989$n2i,
       dat.hine1989$source, "metadat dat.hine1989 (lidocaine, mortality)")
add_ds("nielweise2007", dat.nielweise2007$ai, dat.nielweise2007$n1i, dat.nielweise2007$ci,
       dat.nielweise2007$n2i, paste(dat.nielweise2007$author, dat.nielweise2007$year),
       "metadat dat.nielweise2007: single-zero studies and one double-zero study")
add_ds("egger2001", dat.egger2001$ai, dat.egger2001$n1i, dat.egger2001$ci, dat.egger2001$n2i,
       dat.egger2001$study, "metadat dat.egger2001 (magnesium; small trials plus ISIS-4)")
add_ds("lau1992", dat.lau1992$ai, dat.lau1992$n1i, dat.lau1992$ci, dat.lau1992$n2i,
       dat.lau1992$trial, "metadat dat.lau1992 (streptokinase, 33 trials)")
add_ds("single_zero", c(0, 3, 5, 2, 0), c(40, 50, 60, 45, 30), c(4, 6, 0, 7, 5),
       c(42, 48, 61, 44, 31), note = "synthetic: single-zero cells in three studies")
add_ds("double_zero", c(0, 4, 0, 6, 3, 0), c(50, 60, 45, 70, 40, 25), c(0, 9, 0, 10, 5, 3),
       c(48, 62, 47, 69, 41, 26), note = "synthetic: two double-zero studies")
add_ds("k2", c(12, 30), c(100, 210), c(20, 41), c(98, 205), note = "synthetic: two studies")
add_ds("treat_zero", c(0, 0, 0, 0), c(30, 45, 60, 25), c(3, 5, 2, 4), c(31, 44, 58, 27),
       note = "synthetic: no events in any treatment arm")
add_ds("single_study", 15, 120, 25, 118, note = "synthetic: k = 1")
add_ds("all_events", c(10, 8, 12, 15, 20), c(10, 30, 40, 50, 60), c(9, 11, 15, 14, 25),
       c(9, 32, 41, 52, 61), note = "synthetic: first study has all events in both arms")
add_ds("no_events", c(0, 0, 0), c(20, 30, 25), c(0, 0, 0), c(22, 28, 26),
       note = "synthetic: no events anywhere (RR/OR undefined, RD defined)")
set.seed(20261125)
k_big <- 40
n1 <- sample(30:400, k_big, replace = TRUE)
n2 <- sample(30:400, k_big, replace = TRUE)
p2 <- runif(k_big, 0.05, 0.5)
lor <- rnorm(k_big, -0.4, 0.8)
p1 <- plogis(qlogis(p2) + lor)
add_ds("large_heterogeneous", rbinom(k_big, n1, p1), n1, rbinom(k_big, n2, p2), n2,
       note = "synthetic (set.seed 20261125): 40 studies, tau(logOR) = 0.8")

# ------------------------------------------------------------------ fitting
measures <- c("RR", "OR", "RD")
re_methods <- list(DL = c("DL", "z"), REML = c("REML", "z"), PM = c("PM", "z"),
                   DL_HKSJ = c("DL", "knha"), REML_HKSJ = c("REML", "knha"),
                   PM_HKSJ = c("PM", "knha"))

# weights in input order, NA (-> null) for studies left out of the model
full_weights <- function(fit) {
  op <- options(na.action = "na.pass")
  on.exit(options(op))
  suppressWarnings(weights(fit))
}

back <- function(measure, x) if (measure == "RD") x else exp(x)

summarise <- function(fit, measure, random) {
  est <- num(fit$beta)
  out <- list(estimate = if (is.null(est)) NULL else back(measure, est),
              theta = est, se = num(fit$se), pval = num(fit$pval),
              ci_low = if (is.null(num(fit$ci.lb))) NULL else back(measure, fit$ci.lb),
              ci_high = if (is.null(num(fit$ci.ub))) NULL else back(measure, fit$ci.ub),
              k = fit$k, Q = num(fit$QE), Q_pval = num(fit$QEp), I2 = num(fit$I2),
              tau2 = num(fit$tau2), pi_low = NULL, pi_high = NULL,
              weights = nums(full_weights(fit)))
  if (random && !is.null(est)) {
    p <- predict(fit)
    out$pi_low <- back(measure, p$pi.lb)
    out$pi_high <- back(measure, p$pi.ub)
  }
  out$error <- NULL
  out
}

failed <- function(msg) list(estimate = NULL, error = conditionMessage(msg))

fit_one <- function(d, measure, key) {
  drop00 <- measure != "RD"
  r <- tryCatch({
    suppressWarnings({
      if (key == "MH") {
        summarise(rma.mh(ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, measure = measure),
                  measure, FALSE)
      } else if (key == "PETO") {
        summarise(rma.peto(ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i), "OR", FALSE)
      } else {
        es <- escalc(measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, drop00 = drop00)
        if (key == "IV") {
          summarise(rma(yi, vi, data = es, method = "EE"), measure, FALSE)
        } else {
          m <- re_methods[[key]]
          summarise(rma(yi, vi, data = es, method = m[1], test = m[2], control = ctrl),
                    measure, TRUE)
        }
      }
    })
  }, error = failed)
  if (is.null(r$estimate) && is.null(r$error)) r$error <- "metafor returned NA for the estimate"
  if (!is.null(r$estimate) && is.null(r$se)) r$error <- "metafor returned no standard error"
  if (!is.null(r$estimate) && is.null(r$pval)) r$error <- "metafor returned no p-value"
  r
}

study_effects <- function(d) {
  out <- list()
  for (measure in c(measures, "PETO")) {
    es <- escalc(measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i,
                 drop00 = measure != "RD")
    out[[measure]] <- list(yi = nums(es$yi), vi = nums(es$vi))
  }
  out
}

results <- list()
for (name in names(ds)) {
  d <- ds[[name]]
  res <- list()
  for (measure in measures) {
    keys <- c("MH", "IV", names(re_methods))
    if (measure == "OR") keys <- c(keys, "PETO")
    res[[measure]] <- setNames(lapply(keys, function(key) fit_one(d, measure, key)), keys)
  }
  results[[name]] <- list(input = d, effects = study_effects(d), results = res)
}

# ------------------------------------------------------------------ subgroups
# Test for subgroup differences as RevMan does it: Q between the pooled
# subgroup estimates, each weighted by 1/se^2 (i.e. an EE model on them).
subgroup_fixture <- function(d, groups, measure, key) {
  per <- list()
  for (g in unique(groups)) {
    sel <- groups == g
    dd <- list(ai = d$ai[sel], n1i = d$n1i[sel], ci = d$ci[sel], n2i = d$n2i[sel])
    per[[g]] <- fit_one(dd, measure, key)
  }
  th <- sapply(per, function(r) r$theta)
  se <- sapply(per, function(r) r$se)
  between <- rma(yi = th, sei = se, method = "EE")
  list(measure = measure, method = key, groups = per, Q_between = num(between$QE),
       df = length(th) - 1, p = num(between$QEp))
}
subgroups <- list()
for (measure in measures) for (key in c("MH", "IV", "DL", "REML", "DL_HKSJ")) {
  subgroups[[paste(measure, key, sep = "_")]] <- subgroup_fixture(ds$bcg, as.character(b$alloc), measure, key)
}
subgroups[["OR_PETO"]] <- subgroup_fixture(ds$bcg, as.character(b$alloc), "OR", "PETO")

# ------------------------------------------------------------------ leave-one-out
l1o <- function(fit, measure) {
  x <- leave1out(fit)
  list(estimate = nums(back(measure, x$estimate)), se = nums(x$se), pval = nums(x$pval),
       ci_low = nums(back(measure, x$ci.lb)), ci_high = nums(back(measure, x$ci.ub)),
       Q = nums(x$Q), Q_pval = nums(x$Qp), tau2 = nums(x$tau2), I2 = nums(x$I2))
}
d <- ds$bcg
es_rr <- escalc("RR", ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, drop00 = TRUE)
es_or <- escalc("OR", ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, drop00 = TRUE)
loo <- list(
  RR_MH = l1o(rma.mh(ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, measure = "RR"), "RR"),
  OR_PETO = l1o(rma.peto(ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i), "OR"),
  RR_IV = l1o(rma(yi, vi, data = es_rr, method = "EE"), "RR"),
  RR_DL = l1o(rma(yi, vi, data = es_rr, method = "DL"), "RR"),
  OR_REML = l1o(rma(yi, vi, data = es_or, method = "REML", control = ctrl), "OR"),
  RR_DL_HKSJ = l1o(rma(yi, vi, data = es_rr, method = "DL", test = "knha"), "RR")
)

out <- list(
  generator = "tests/reference/make_fixtures.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  control = ctrl,
  datasets = results,
  subgroups = list(dataset = "bcg", groups = as.character(b$alloc), analyses = subgroups),
  leave_one_out = list(dataset = "bcg", analyses = loo)
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           out_file)
cat("wrote", out_file, "\n")
