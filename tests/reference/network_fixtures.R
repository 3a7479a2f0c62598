# Reference values for analysis/network.py (network meta-analysis of arm-level binary data),
# computed with metafor's rma.mv.
#
# Regenerate (from the repository root):
#   Rscript tests/reference/network_fixtures.R
# which rewrites tests/reference/network_fixtures.json deterministically.
#
# The model (issue 18), coded here independently of the Python engine:
# * per study, arms in data order; the first arm is the study's baseline and each other arm j gives one
#   contrast y_j = theta_j - theta_base, with theta = log odds (OR), log risk (RR) or risk (RD) of the arm;
# * V (block diagonal by study): var(y_j) = v_j + v_base, cov(y_j, y_l) = v_base (the shared arm), with
#   v = 1/e + 1/(n-e) (OR), 1/e - 1/n (RR), p(1-p)/n (RD);
# * zero cells: a study in which any arm has 0 events or all events gets 0.5 added to events and 1 to n in
#   every arm; a study with no events in any arm, or only events in every arm, is left out (all measures);
# * fit: rma.mv(yi, V, mods = ~ 0 + X, random = ~ comp | study, rho = 1/2, method = "REML"), X the
#   treatment columns (+1 for the arm's treatment, -1 for the baseline's) without the reference's column;
#   the fixed-effect model is the same call without the random term;
# * every pair a vs b: b_a - b_b (0 for the reference) with variance from vcov(fit); 95% Wald intervals;
# * P-scores (Rücker & Schwarzer 2015, BMC Med Res Methodol 15:58, eq. 2-3), larger effect = better:
#   P_i = mean over j != i of pnorm((mu_i - mu_j) / se(mu_i - mu_j));
# * netsplit by back-calculation (König, Krahn & Binder 2013, Stat Med 32:5414; netmeta::netsplit):
#   R's netmeta is not packaged for Debian (no r-cran-netmeta), so it is computed here from metafor's output
#   by the published formulas, with netmeta's choice of direct estimate (nma.ruecker() pools seTE.orig, the
#   pairwise standard errors before the multi-arm adjustment, with tau.preset = the network tau; read in
#   github.com/guido-s/netmeta R/nma.ruecker.R): the direct estimate of a pair is the inverse-variance mean,
#   over the studies holding both arms, of theta_a - theta_b with variance var(y_a - y_b) from V plus tau2
#   (random). Direct share P = var_net / var_dir; indirect = (net - P dir) / (1 - P),
#   var_ind = var_net / (1 - P); p of dir - ind by z. No indirect estimate when 1 - P < sqrt(machine
#   epsilon) (all evidence direct), as netmeta.
# * tau2: metafor's optimisers stop within about 1e-6 (relative) of the REML optimum and disagree with each
#   other at that level (nlminb 0.4307621, optim/BFGS 0.4307625, bobyqa 0.4307625 on hasselblad1998, OR),
#   and a tighter nlminb rel.tol fails to converge; optimize() on logLik() cannot do better than about 1e-6
#   either where tau2 is small (dong2013: 8e-7). So tau2 is the root of the REML score, computed here from
#   the contrast-level matrices, -1/2 [tr(P B) - y'P B P y] with Sigma = V + tau2 B (B: 1 on the diagonal,
#   1/2 between contrasts of one study, i.e. struct CS with rho = 1/2) and
#   P = Sigma^-1 - Sigma^-1 X (X' Sigma^-1 X)^-1 X' Sigma^-1, found by uniroot() to 1e-14 x tau2 near
#   metafor's own estimate; the script stops unless metafor's logLik there is at least that of its own
#   fit. Estimates and intervals are those of rma.mv with tau2 fixed at the root. tau2 = 0 (the boundary)
#   when the score at 0 is not positive. metafor's own estimate is kept in the fixtures as tau2_nlminb.
#
# Datasets: metafor's dat.hasselblad1998, dat.woods2010 (a four-arm trial) and dat.dong2013, and synthetic
# networks made here with fixed seeds (three- and four-arm trials, zero cells, a homogeneous network, a star,
# 200-study 12-treatment networks). Those marked held_out were written before the engine was finished and
# compared with it only at the end.

suppressPackageStartupMessages(library(metafor))
library(jsonlite)

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"
out_file <- file.path(out_dir, "network_fixtures.json")


# ------------------------------------------------------------------ datasets
ds <- list()
add_ds <- function(name, study, treatment, events, n, reference, note, held_out = FALSE) {
  ds[[name]] <<- list(input = list(study = I(as.character(study)), treatment = I(as.character(treatment)),
                                   events = I(as.integer(events)), n = I(as.integer(n))),
                      reference = reference, note = note, held_out = held_out)
}

h <- dat.hasselblad1998
stopifnot(length(unique(paste(h$authors, h$year))) == length(unique(h$study)))
add_ds("hasselblad1998", paste(h$authors, h$year), h$trt, h$xi, h$ni, "no_contact",
       "metadat dat.hasselblad1998 (smoking cessation; 24 studies, 4 treatments, two three-arm trials, zero cells)")
w <- dat.woods2010
add_ds("woods2010", w$author, w$treatment, w$r, w$N, "Placebo",
       "metadat dat.woods2010 (COPD mortality; a four-arm trial)")

# three- and four-arm trials: 16 studies, 6 treatments
set.seed(20261201)
make_multi <- function(n_studies, trts, sizes, tau, base_lo, base_hi, n_lo, n_hi, effects) {
  study <- character(); treatment <- character(); events <- integer(); n <- integer()
  for (s in seq_len(n_studies)) {
    m <- sizes[s]
    arms <- sample(trts, m)
    p0 <- runif(1, base_lo, base_hi)
    u <- rnorm(m, 0, tau / sqrt(2))  # arm-level random effects: contrasts get tau^2 and correlation 1/2
    ns <- sample(n_lo:n_hi, m, replace = TRUE)
    lp <- qlogis(p0) + effects[arms] + u
    study <- c(study, rep(sprintf("S%03d", s), m)); treatment <- c(treatment, arms)
    events <- c(events, rbinom(m, ns, plogis(lp))); n <- c(n, ns)
  }
  list(study = study, treatment = treatment, events = events, n = n)
}
trts6 <- c("placebo", "drugA", "drugB", "drugC", "drugD", "drugE")
eff6 <- setNames(c(0, -0.3, -0.5, -0.2, -0.8, 0.1), trts6)
m <- make_multi(16, trts6, c(3, 3, 4, 2, 3, 4, 2, 3, 2, 3, 4, 2, 2, 3, 2, 3), 0.25, 0.1, 0.5, 40, 300, eff6)
add_ds("multiarm", m$study, m$treatment, m$events, m$n, "placebo",
       "synthetic (set.seed 20261201): 16 studies, 6 treatments, seven three-arm and three four-arm trials")

# zero cells, written by hand: single zeros, all events, a zero in a three-arm trial, and two studies left out
add_ds("zero_cells",
       c("Z1", "Z1", "Z2", "Z2", "Z3", "Z3", "Z4", "Z4", "Z4", "Z5", "Z5", "Z6", "Z6", "Z7", "Z7", "Z8", "Z8",
         "Z9", "Z9", "Z9"),
       c("ctrl", "A", "ctrl", "B", "A", "B", "ctrl", "A", "B", "ctrl", "A", "ctrl", "B", "A", "B", "ctrl", "A",
         "ctrl", "A", "B"),
       c(0, 5, 12, 0, 30, 30, 3, 0, 6, 0, 0, 20, 20, 7, 2, 4, 9, 10, 14, 10),
       c(40, 42, 60, 58, 30, 30, 50, 52, 49, 35, 36, 20, 20, 45, 44, 80, 82, 10, 30, 10),
       "ctrl",
       "synthetic: zero events in an arm (Z1, Z2, Z4), all events in an arm (Z9), all events in both arms (Z3, Z6) and no events at all (Z5) -> Z3, Z5 and Z6 left out")

# homogeneous: every study repeats the same two or three proportions -> Q = 0, tau2 = 0
add_ds("homogeneous",
       c("H1", "H1", "H2", "H2", "H3", "H3", "H4", "H4", "H4", "H5", "H5"),
       c("P", "X", "P", "X", "P", "Y", "P", "X", "Y", "X", "Y"),
       c(20, 10, 40, 20, 20, 15, 30, 15, 22, 10, 15),
       c(100, 100, 200, 200, 100, 100, 150, 150, 146, 100, 100),
       "P", "synthetic: consistent, homogeneous counts (tau2 = 0 at the boundary)")

# a triangle with spokes: spoke pairs have direct evidence only
add_ds("star_and_loop",
       c("T1", "T1", "T2", "T2", "T3", "T3", "T4", "T4", "T5", "T5", "T6", "T6", "T7", "T7", "T8", "T8"),
       c("pbo", "a", "pbo", "a", "pbo", "b", "a", "b", "pbo", "c", "pbo", "c", "pbo", "d", "d", "e"),
       c(30, 18, 25, 20, 40, 22, 15, 19, 33, 21, 28, 12, 35, 30, 14, 9),
       c(120, 118, 100, 103, 150, 149, 90, 92, 130, 128, 110, 111, 140, 139, 70, 71),
       "pbo", "synthetic: a loop (pbo, a, b) and spokes (c, d, e): spoke pairs have no indirect evidence")

# 200 studies, 12 treatments
make_large <- function(seed, p_multi3, p_multi4, base_lo, base_hi, n_lo, n_hi, tau) {
  set.seed(seed)
  trts <- c("placebo", sprintf("T%02d", 1:11))
  eff <- setNames(c(0, rnorm(11, -0.4, 0.35)), trts)
  study <- character(); treatment <- character(); events <- integer(); n <- integer()
  for (s in 1:200) {
    r <- runif(1)
    m <- if (r < p_multi4) 4 else if (r < p_multi4 + p_multi3) 3 else 2
    actives <- sample(trts[-1], m)
    arms <- if (runif(1) < 0.6) c("placebo", actives[-1]) else actives
    p0 <- runif(1, base_lo, base_hi)
    u <- rnorm(m, 0, tau / sqrt(2))
    ns <- sample(n_lo:n_hi, m, replace = TRUE)
    lp <- qlogis(p0) + eff[arms] + u
    study <- c(study, rep(sprintf("study%03d", s), m)); treatment <- c(treatment, arms)
    events <- c(events, rbinom(m, ns, plogis(lp))); n <- c(n, ns)
  }
  list(study = study, treatment = treatment, events = events, n = n)
}
L <- make_large(20261202, 0.12, 0.03, 0.1, 0.5, 30, 400, 0.3)
add_ds("large200", L$study, L$treatment, L$events, L$n, "placebo",
       "synthetic (seed 20261202): 200 studies, 12 treatments, 12% three-arm and 3% four-arm, tau(logOR) = 0.3")

# ---- held out: written before the engine was finished, compared with it only at the end
dg <- dat.dong2013
add_ds("dong2013", paste0("id", dg$id), dg$treatment, dg$death, dg$randomized, "Placebo",
       "metadat dat.dong2013 (COPD deaths; 41 studies, 6 treatments, three- and four-arm trials, a study with no deaths, four-arm trials with no deaths)",
       held_out = TRUE)
L2 <- make_large(20261203, 0.10, 0.06, 0.01, 0.15, 20, 250, 0.2)
add_ds("large200_rare", L2$study, L2$treatment, L2$events, L2$n, "placebo",
       "synthetic (seed 20261203): 200 studies, 12 treatments, rare events (zero cells, studies left out), 6% four-arm",
       held_out = TRUE)

# ------------------------------------------------------------------ model
arm_stats <- function(e, n, measure) {
  if (measure == "OR") list(theta = log(e / (n - e)), v = 1 / e + 1 / (n - e))
  else if (measure == "RR") list(theta = log(e / n), v = 1 / e - 1 / n)
  else list(theta = e / n, v = (e / n) * (1 - e / n) / n)
}

prepare <- function(inp, measure) {
  studies <- unique(inp$study)
  excluded <- character()
  rows <- list(); Vb <- list(); arms_by_study <- list()
  for (s in studies) {
    i <- which(inp$study == s)
    e <- as.numeric(inp$events[i]); n <- as.numeric(inp$n[i])
    if (all(e == 0) || all(e == n)) { excluded <- c(excluded, s); next }
    if (any(e == 0) || any(e == n)) { e <- e + 0.5; n <- n + 1 }
    a <- arm_stats(e, n, measure)
    tr <- inp$treatment[i]
    m <- length(i)
    yi <- a$theta[-1] - a$theta[1]
    V <- matrix(a$v[1], m - 1, m - 1) + diag(a$v[-1], m - 1)
    rows[[s]] <- data.frame(study = s, trt = tr[-1], base = tr[1], yi = yi)
    Vb[[s]] <- V
    arms_by_study[[s]] <- list(trt = tr, theta = a$theta, v = a$v)
  }
  d <- do.call(rbind, rows)
  V <- as.matrix(bdiag(Vb))
  list(d = d, V = V, excluded = excluded, used = names(rows), arms = arms_by_study)
}

back <- function(measure, x) if (measure == "RD") x else exp(x)

est_entry <- function(measure, treatment, versus, b, se) {
  z <- qnorm(0.975)
  list(treatment = treatment, versus = versus, estimate = back(measure, b),
       ci_low = back(measure, b - z * se), ci_high = back(measure, b + z * se),
       log_estimate = b, se = se)
}

fit_one <- function(inp, measure, model, reference) {
  p <- prepare(inp, measure)
  d <- p$d
  trts <- sort(unique(c(d$trt, d$base)), method = "radix")
  others <- setdiff(trts, reference)
  X <- matrix(0, nrow(d), length(others), dimnames = list(NULL, others))
  for (r in seq_len(nrow(d))) {
    if (d$trt[r] != reference) X[r, d$trt[r]] <- 1
    if (d$base[r] != reference) X[r, d$base[r]] <- -1
  }
  d$comp <- factor(d$trt)
  if (model == "random") {
    fit_at <- function(t) rma.mv(d$yi, p$V, mods = ~ 0 + X, random = ~ comp | study, rho = 1 / 2,
                                 method = "REML", data = d, tau2 = t)
    fit0 <- rma.mv(d$yi, p$V, mods = ~ 0 + X, random = ~ comp | study, rho = 1 / 2, method = "REML", data = d)
    t0 <- fit0$tau2
    B <- outer(d$study, d$study, "==") * 0.5 + diag(nrow(d)) * 0.5
    score <- function(t) {
      Si <- solve(p$V + t * B)
      P <- Si - Si %*% X %*% solve(t(X) %*% Si %*% X, t(X) %*% Si)
      -0.5 * (sum(diag(P %*% B)) - as.numeric(t(d$yi) %*% P %*% B %*% P %*% d$yi))
    }
    if (score(0) <= 0) {
      tau2 <- 0
    } else {
      lo <- t0 / 2
      hi <- 2 * t0
      while (score(lo) <= 0) lo <- lo / 2
      while (score(hi) >= 0) hi <- hi * 2
      tau2 <- uniroot(score, c(lo, hi), tol = 1e-14 * t0, maxiter = 1000)$root
      if (as.numeric(logLik(fit_at(tau2))) < as.numeric(logLik(fit0)) - 1e-12) stop("tau2 root below metafor's fit")
    }
    fit <- fit_at(tau2)
  } else {
    fit <- rma.mv(d$yi, p$V, mods = ~ 0 + X, data = d)
    tau2 <- 0
  }
  b <- setNames(c(0, as.numeric(fit$beta)), c(reference, others))
  vc <- matrix(0, length(trts), length(trts), dimnames = list(c(reference, others), c(reference, others)))
  vc[others, others] <- fit$vb
  pair_var <- function(a, c) vc[a, a] + vc[c, c] - 2 * vc[a, c]
  estimates <- lapply(others, function(t) est_entry(measure, t, reference, b[[t]], sqrt(vc[t, t])))
  pairs <- list()
  for (i in seq_along(trts)) for (j in seq_along(trts)) if (i < j) {
    a <- trts[i]; c <- trts[j]
    pairs[[length(pairs) + 1]] <- est_entry(measure, a, c, b[[a]] - b[[c]], sqrt(pair_var(a, c)))
  }
  pscore <- sapply(trts, function(a) mean(sapply(setdiff(trts, a), function(c)
    pnorm((b[[a]] - b[[c]]) / sqrt(pair_var(a, c))))))
  # netsplit by back-calculation
  wsum <- matrix(0, length(trts), length(trts), dimnames = list(trts, trts))
  wy <- wsum
  kdir <- wsum
  offset <- 0
  for (s in p$used) {
    arm <- p$arms[[s]]
    m <- length(arm$trt)
    Vs <- p$V[offset + seq_len(m - 1), offset + seq_len(m - 1), drop = FALSE]
    offset <- offset + m - 1
    # var(y_j - y_l) with y_1 = 0 (the baseline's own contrast)
    C <- matrix(0, m, m)
    C[-1, -1] <- Vs
    for (j in 1:m) for (l in 1:m) if (j != l) {
      a <- arm$trt[j]; c <- arm$trt[l]
      w <- 1 / (C[j, j] + C[l, l] - 2 * C[j, l] + tau2)
      wsum[a, c] <- wsum[a, c] + w
      wy[a, c] <- wy[a, c] + w * (arm$theta[j] - arm$theta[l])
      kdir[a, c] <- kdir[a, c] + 1
    }
  }
  splits <- list()
  for (i in seq_along(trts)) for (j in seq_along(trts)) if (i < j) {
    a <- trts[i]; c <- trts[j]
    if (kdir[a, c] == 0) next
    dir <- wy[a, c] / wsum[a, c]
    var_dir <- 1 / wsum[a, c]
    net <- b[[a]] - b[[c]]
    var_net <- pair_var(a, c)
    P <- var_net / var_dir
    entry <- list(treatment = a, versus = c, k_direct = kdir[a, c],
                  network = est_entry(measure, a, c, net, sqrt(var_net)),
                  direct = est_entry(measure, a, c, dir, sqrt(var_dir)),
                  indirect = NULL, p_difference = NULL, direct_share = P)
    if (1 - P >= .Machine$double.eps^0.5) {
      var_ind <- var_net / (1 - P)
      ind <- (net - P * dir) / (1 - P)
      entry$indirect <- est_entry(measure, a, c, ind, sqrt(var_ind))
      entry$p_difference <- 2 * pnorm(-abs(dir - ind) / sqrt(var_dir + var_ind))
    }
    splits[[length(splits) + 1]] <- entry
  }
  list(measure = measure, model = model, reference = reference,
       tau2_nlminb = if (model == "random") fit0$tau2 else 0, treatments = I(trts),
       studies = I(p$used), excluded = I(p$excluded), k = length(p$used), tau2 = tau2,
       Q = fit$QE, df = nrow(d) - length(others), Q_pval = fit$QEp,
       estimates = estimates, pairs = pairs, p_scores = as.list(pscore), splits = splits)
}

out_ds <- list()
if (nzchar(Sys.getenv("NMA_DEBUG"))) options(error = function() traceback(3))
for (name in names(ds)) {
  x <- ds[[name]]
  res <- list()
  for (measure in c("OR", "RR", "RD")) for (model in c("fixed", "random")) {
    if (nzchar(Sys.getenv("NMA_DEBUG"))) cat(name, measure, model, "\n")
    res[[paste(measure, model, sep = "_")]] <- fit_one(x$input, measure, model, x$reference)
  }
  x$results <- res
  out_ds[[name]] <- x
}

out <- list(
  generator = "tests/reference/network_fixtures.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  tau2_method = "uniroot() on the REML score from the contrast-level matrices, tol 1e-14 x tau2; rma.mv(tau2 = root)",
  datasets = out_ds
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"), out_file)
cat("wrote", out_file, "\n")
