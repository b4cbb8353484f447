# mclust's model-based hierarchical agglomeration on one data set, for each hc model and
# each data transformation ('use') asked for.
#
#   Rscript tests/mclust/reference_hc.R DATA.csv [USE ...]
#
# DATA.csv: n rows of x,y (no header). USE defaults to SVD (mclust's hcUse) and VARS.
# For every model in VVV, EII (VVV is mclust's hcModelName) and every USE it prints, in the
# plain "key values..." format that tests/mclust/make_reference.py turns into JSON:
#   hc MODEL USE
#   pairs1 ...   first row of hc(X, modelName = MODEL, use = USE), the 2 x (n-1) merge pairs
#   pairs2 ...   its second row
#   hclass G ... hclass(pairs, G) for G = 1..6 (as many as there are points)
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(mclust))
X <- as.matrix(read.csv(args[1], header = FALSE))
uses <- if (length(args) > 1) args[-1] else c("SVD", "VARS")
cat("mclust", as.character(packageVersion("mclust")), "\n")
cat("n", nrow(X), "\n")
for (m in c("VVV", "EII")) {
  for (u in uses) {
    h <- hc(X, modelName = m, use = u)
    cat("hc", m, u, "\n")
    cat("pairs1", h[1, ], "\n")
    cat("pairs2", h[2, ], "\n")
    for (G in seq_len(min(6, nrow(X)))) {
      cat("hclass", G, hclass(h, G), "\n")
    }
  }
}
