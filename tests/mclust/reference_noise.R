# mclust's EM with a uniform noise component from a given z, for its 14 models.
#
#   Rscript tests/mclust/reference_noise.R DATA.csv Z.csv ITERATIONS
#
# DATA.csv: n rows of x,y (no header); Z.csv: n rows of G+1 responsibilities, the noise's
# last (no header). Prints mclust's hypvol (its default Vinv = 1/hypvol) and, per model, its
# parameters and log-likelihood after ITERATIONS EM iterations with Vinv (me() starts with
# an M-step from z), the BIC with the noise's parameter, in the "key values..." format of
# reference.R.
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(mclust))
X <- as.matrix(read.csv(args[1], header = FALSE))
Z <- as.matrix(read.csv(args[2], header = FALSE))
iterations <- as.integer(args[3])
n <- nrow(X); d <- ncol(X); G <- ncol(Z) - 1
num <- function(v) paste(sprintf("%.17g", as.vector(v)), collapse = " ")
cat("mclust", as.character(packageVersion("mclust")), "\n")
Vinv <- hypvol(X, reciprocal = TRUE)
cat("hypvol", num(hypvol(X)), "\n")
for (m in mclust.options("emModelNames")) {
  fit <- me(modelName = m, data = X, z = Z, Vinv = Vinv, warn = FALSE,
            control = emControl(tol = c(0, sqrt(.Machine$double.eps)),
                                itmax = c(iterations, .Machine$integer.max)))
  cat("model", m, "\n")
  cat("loglik", num(fit$loglik), "\n")
  cat("pro", num(fit$parameters$pro), "\n")              # G Gaussians, then the noise
  cat("mean", num(fit$parameters$mean), "\n")
  cat("sigma", num(fit$parameters$variance$sigma), "\n")
  cat("npar", nMclustParams(m, d, G, noise = TRUE), "\n")
  cat("bic", num(bic(m, fit$loglik, n, d, G, noise = TRUE)), "\n")
}
