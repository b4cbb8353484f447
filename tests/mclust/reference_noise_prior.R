# mclust's EM with a uniform noise component and its default conjugate prior, from a given
# z, for the ten models that have a prior.
#
#   Rscript tests/mclust/reference_noise_prior.R DATA.csv Z.csv ITERATIONS
#
# DATA.csv: n rows of x,y (no header); Z.csv: n rows of G + 1 responsibilities, the noise's
# last. As reference_prior.R, with me(..., prior = priorControl(), Vinv = 1/hypvol): per
# model its parameters and log-likelihood after ITERATIONS EM iterations; where mclust
# gives up, "failed_at" (the M-step at which it does), "failure" its warning, and the
# numbers of the last run that succeeds.
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(mclust))
X <- as.matrix(read.csv(args[1], header = FALSE))
Z <- as.matrix(read.csv(args[2], header = FALSE))
iterations <- as.integer(args[3])
num <- function(v) paste(sprintf("%.17g", as.vector(v)), collapse = " ")
cat("mclust", as.character(packageVersion("mclust")), "\n")
Vinv <- hypvol(X, reciprocal = TRUE)
cat("hypvol", num(hypvol(X)), "\n")
control <- function(itmax) emControl(tol = c(0, sqrt(.Machine$double.eps)),
                                      itmax = c(itmax, 100000))
run <- function(m, itmax) me(modelName = m, data = X, z = Z, Vinv = Vinv,
                             prior = priorControl(), warn = FALSE, control = control(itmax))
for (m in c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "EEV", "VEV", "VVV")) {
  fit <- run(m, iterations)
  cat("model", m, "\n")
  if (is.na(fit$loglik)) {
    its <- iterations
    while (its > 0 && is.na(fit$loglik)) {
      its <- its - 1
      fit <- run(m, its)
    }
    cat("failed_at", its + 1, "\n")
    cat("failure", attr(run(m, its + 1), "WARNING"), "\n")
    if (its == 0) next
  }
  cat("iterations", num(abs(attr(fit, "info")[1])), "\n")
  cat("loglik", num(fit$loglik), "\n")
  cat("pro", num(fit$parameters$pro), "\n")              # G Gaussians, then the noise
  cat("mean", num(fit$parameters$mean), "\n")
  cat("sigma", num(fit$parameters$variance$sigma), "\n")
}
