# mclust's EM from a given z, for every one of its 14 covariance models.
#
#   Rscript tests/mclust/reference.R DATA.csv Z.csv ITERATIONS
#
# DATA.csv: n rows of x,y (no header); Z.csv: n rows of G responsibilities (no header).
# Prints, per model, mclust's parameters and log-likelihood after ITERATIONS EM
# iterations (me() starts with an M-step from z), its BIC, ICL and parameter count, in a plain
# "key values..." format that tests/mclust/make_reference.py turns into JSON.
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(mclust))
X <- as.matrix(read.csv(args[1], header = FALSE))
Z <- as.matrix(read.csv(args[2], header = FALSE))
iterations <- as.integer(args[3])
n <- nrow(X); d <- ncol(X); G <- ncol(Z)
num <- function(v) paste(sprintf("%.17g", as.vector(v)), collapse = " ")
cat("mclust", as.character(packageVersion("mclust")), "\n")
for (m in mclust.options("emModelNames")) {
  fit <- me(modelName = m, data = X, z = Z, warn = FALSE,
            control = emControl(tol = c(0, sqrt(.Machine$double.eps)),
                                itmax = c(iterations, .Machine$integer.max)))
  cat("model", m, "\n")
  cat("loglik", num(fit$loglik), "\n")
  cat("pro", num(fit$parameters$pro), "\n")
  cat("mean", num(fit$parameters$mean), "\n")          # column-major: x1 y1 x2 y2 ...
  cat("sigma", num(fit$parameters$variance$sigma), "\n")  # 2 x 2 per component
  cat("npar", nMclustParams(m, d, G), "\n")
  b <- bic(m, fit$loglik, n, d, G)
  cat("bic", num(b), "\n")
  # ICL as mclust's icl.Mclust computes it: BIC + 2 sum_i log z_i,map(i).
  z <- fit$z
  C <- matrix(0, n, ncol(z))
  for (i in 1:n) C[i, which.max(z[i, ])] <- 1
  cat("icl", num(b + 2 * sum(C * ifelse(z > 0, log(z), 0))), "\n")
}
