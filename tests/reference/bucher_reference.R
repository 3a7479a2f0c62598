# Reference values for the adjusted indirect comparison (Bucher et al. 1997,
# J Clin Epidemiol 50:683-691), computed independently with metafor.
#
# Regenerate (from the repository root):
#   Rscript tests/reference/bucher_reference.R
# which rewrites tests/reference/bucher_fixtures.json (numbers to 10 significant
# digits; only the "date" field changes between runs).
#
# Method, for each measure (RR, OR: log scale; RD: plain differences):
#  (a) escalc(measure) per trial; ai/n1i = drug arm, ci/n2i = placebo arm
#  (b) rma(yi, vi, method = "FE") separately for set A (A vs placebo) and set B
#      (B vs placebo)
#  (c) Bucher: A vs B = est_A - est_B, var = se_A^2 + se_B^2, 95% Wald CI
#  (d) the same from one fixed-effect meta-regression over all six trials,
#      rma(yi, vi, mods = ~ drugB, method = "FE"), drugB = 1 for set B;
#      its drugB coefficient is est_B - est_A, so A vs B = -coefficient.
#      The script stops unless (c) and (d) agree to 1e-8.
# The data are fictional and exist only for this statistical check.

suppressPackageStartupMessages(library(metafor))
library(jsonlite)

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"
out_file <- file.path(out_dir, "bucher_fixtures.json")

sig <- function(x) signif(unname(as.numeric(x)), 10)

# ------------------------------------------------------------------ data
dat <- data.frame(
  trial = c("A1", "A2", "A3", "B1", "B2", "B3"),
  set   = c("A", "A", "A", "B", "B", "B"),
  ai    = c(60, 90, 45, 80, 130, 50),
  n1i   = c(200, 300, 120, 200, 310, 110),
  ci    = c(20, 35, 12, 22, 30, 10),
  n2i   = c(100, 150, 60, 100, 155, 55)
)
dat$drugB <- as.integer(dat$set == "B")

input <- lapply(split(dat, dat$set), function(d)
  list(trials = I(d$trial), ai = I(as.integer(d$ai)), n1i = I(as.integer(d$n1i)),
       ci = I(as.integer(d$ci)), n2i = I(as.integer(d$n2i))))
input$note <- paste("fictional; set A = drug A vs placebo, set B = drug B vs placebo;",
                    "ai/n1i = drug arm, ci/n2i = placebo arm")

# ------------------------------------------------------------------ fitting
z <- qnorm(0.975)
tol <- 1e-8
results <- list()

for (m in c("RR", "OR", "RD")) {
  es <- escalc(measure = m, ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat)

  # (b) separate fixed-effect pools
  fa <- rma(yi, vi, data = es, subset = set == "A", method = "FE")
  fb <- rma(yi, vi, data = es, subset = set == "B", method = "FE")

  # (c) Bucher adjusted indirect comparison, A vs B
  est <- as.numeric(coef(fa) - coef(fb))
  se  <- sqrt(fa$se^2 + fb$se^2)

  # (d) single meta-regression; coefficient of drugB is est_B - est_A
  fr <- rma(yi, vi, mods = ~ drugB, data = es, method = "FE")
  mr_est <- -as.numeric(coef(fr)["drugB"])
  mr_se  <- as.numeric(fr$se[2])

  d_est <- abs(est - mr_est)
  d_se  <- abs(se - mr_se)
  if (d_est > tol || d_se > tol)
    stop(sprintf("%s: Bucher vs meta-regression mismatch (est %.3g, se %.3g)", m, d_est, d_se))

  results[[m]] <- list(
    scale = if (m == "RD") "risk difference (no log)" else paste0("log ", m),
    per_trial = list(trials = I(dat$trial), yi = I(sig(es$yi)), vi = I(sig(es$vi))),
    a = list(estimate_log = sig(coef(fa)), se = sig(fa$se)),
    b = list(estimate_log = sig(coef(fb)), se = sig(fb$se)),
    indirect = list(estimate_log = sig(est), se = sig(se),
                    ci_low_log = sig(est - z * se), ci_high_log = sig(est + z * se),
                    z = sig(est / se), p = sig(2 * pnorm(-abs(est / se)))),
    metaregression = list(estimate_log = sig(mr_est), se = sig(mr_se),
                          ci_low_log = sig(-fr$ci.ub[2]), ci_high_log = sig(-fr$ci.lb[2])),
    check = list(abs_diff_estimate = signif(d_est, 3), abs_diff_se = signif(d_se, 3),
                 tolerance = tol)
  )
}

out <- list(
  generator = "tests/reference/bucher_reference.R",
  description = paste("Bucher (1997) adjusted indirect comparison A vs B via common",
                      "placebo comparator; fixed-effect (inverse-variance) pools.",
                      "For RD the *_log keys hold plain risk differences."),
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  date = format(Sys.Date()),
  conventions = list(escalc = "escalc() defaults (add=1/2, to='only0'; no zero cells here)",
                     pooling = "rma(method='FE')",
                     ci = "estimate +/- qnorm(0.975) * se"),
  input = input,
  measures = results
)

writeLines(toJSON(out, auto_unbox = TRUE, digits = I(10), pretty = TRUE), out_file)
cat("wrote", out_file, "\n")
for (m in names(results)) {
  r <- results[[m]]
  cat(sprintf("%s: indirect %.10g (se %.10g)  metareg %.10g (se %.10g)  |diff| %.2g / %.2g\n",
              m, r$indirect$estimate_log, r$indirect$se, r$metaregression$estimate_log,
              r$metaregression$se, r$check$abs_diff_estimate, r$check$abs_diff_se))
}
