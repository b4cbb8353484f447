# mclust's EM with its default conjugate prior (priorControl()) from a given z, for the ten
# covariance models that have one.
#
#   Rscript tests/mclust/reference_prior.R DATA.csv Z.csv ITERATIONS
#
# DATA.csv: n rows of x,y (no header); Z.csv: n rows of G responsibilities (no header).
# Prints, per model, mclust's parameters and log-likelihood after ITERATIONS EM iterations
# (me() starts with an M-step from z; its loglik is the log-likelihood, without the prior),
# and the prior defaultPrior(X, G, model) gives, in the plain "key values..." format that
# tests/mclust/make_reference.py turns into JSON. mclust stops early when the log-likelihood
# no longer changes at all (its err is then 0, not > tol = 0): "iterations" says how many
# EM iterations it ran. When it gives up (returns NA), "failed_at" is the M-step at which
# its routine did, "failure" its warning, and the numbers are those of the last run that
# succeeds (itmax = failed_at - 1).
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(mclust))
X <- as.matrix(read.csv(args[1], header = FALSE))
Z <- as.matrix(read.csv(args[2], header = FALSE))
iterations <- as.integer(args[3])
G <- ncol(Z)
num <- function(v) paste(sprintf("%.17g", as.vector(v)), collapse = " ")
cat("mclust", as.character(packageVersion("mclust")), "\n")
control <- function(itmax) emControl(tol = c(0, sqrt(.Machine$double.eps)),
                                      itmax = c(itmax, .Machine$integer.max))
for (m in c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "EEV", "VEV", "VVV")) {
  fit <- me(modelName = m, data = X, z = Z, prior = priorControl(), warn = FALSE,
            control = control(iterations))
  prior <- defaultPrior(X, G, m)
  cat("model", m, "\n")
  if (is.na(fit$loglik)) {
    # mclust gave up (a component's mass or a variance fell to its floor): find the last
    # iteration count that still succeeds, report where it failed and that run's numbers.
    its <- iterations
    while (its > 0 && is.na(fit$loglik)) {
      its <- its - 1
      fit <- me(modelName = m, data = X, z = Z, prior = priorControl(), warn = FALSE,
                control = control(its))
    }
    cat("failed_at", its + 1, "\n")        # the M-step at which mclust's routine gives up
    cat("failure", attr(me(modelName = m, data = X, z = Z, prior = priorControl(),
                           warn = FALSE, control = control(its + 1)), "WARNING"), "\n")
  }
  cat("iterations", num(abs(attr(fit, "info")[1])), "\n")  # EM iterations run (M-steps)
  cat("loglik", num(fit$loglik), "\n")
  cat("pro", num(fit$parameters$pro), "\n")
  cat("mean", num(fit$parameters$mean), "\n")             # column-major: x1 y1 x2 y2 ...
  cat("sigma", num(fit$parameters$variance$sigma), "\n")  # 2 x 2 per component
  cat("prior_shrinkage", num(prior$shrinkage), "\n")
  cat("prior_mean", num(prior$mean), "\n")
  cat("prior_dof", num(prior$dof), "\n")
  cat("prior_scale", num(prior$scale), "\n")  # one number, or 2 x 2 column-major
}
