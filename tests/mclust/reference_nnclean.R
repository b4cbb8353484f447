# prabclus's NNclean (Byers & Raftery's nearest-neighbour clutter removal) on one data
# set, for each k asked for.
#
#   Rscript tests/mclust/reference_nnclean.R DATA.csv K [K ...]
#
# DATA.csv: n rows of x,y (no header). For every K it prints, in the plain "key values..."
# format that tests/mclust/make_reference.py turns into JSON:
#   nnclean K
#   p P   lambda1 L1   lambda2 L2 (each on its own line)
#   z ...      the classification (0: clutter)
#   probs ...  the feature probabilities
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(prabclus))
X <- as.matrix(read.csv(args[1], header = FALSE))
cat("prabclus", as.character(packageVersion("prabclus")), "\n")
for (k in as.integer(args[-1])) {
  r <- NNclean(X, k)
  cat("nnclean", k, "\n")
  cat("p", format(r$p, digits = 17), "\n")
  cat("lambda1", format(r$lambda1, digits = 17), "\n")
  cat("lambda2", format(r$lambda2, digits = 17), "\n")
  cat("z", r$z, "\n")
  cat("probs", format(r$probs, digits = 17), "\n")
}
