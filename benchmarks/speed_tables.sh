#!/usr/bin/env bash
# The README's speed tables for #15, regenerated in one run. Run on an idle machine:
#   bash benchmarks/speed_tables.sh [PYTHON]
# The peers' table needs their own venv (`make .venv-peers/.installed`, or `make
# bench-peers` once); select's Mclust column needs Rscript with mclust (Debian:
# r-base-core r-cran-mclust). Each is skipped, saying so, when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
# Measure what an installed app runs: compiled bytecode, written once. (This project's
# machines set PYTHONDONTWRITEBYTECODE=1, which would recompile every module of every
# whole-process figure below at each start.)
unset PYTHONDONTWRITEBYTECODE
$PY -m compileall -q gmm_explorer benchmarks >/dev/null
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
     "$(nproc) CPUs; $(free -g | awk '/Mem:/{print $2}') GiB; vector flags:" \
     "$(grep -m1 -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## peers (one EM iteration, ms)"
if [ -x .venv-peers/bin/python ]; then
    .venv-peers/bin/python benchmarks/bench_peers.py 2>/dev/null
else
    echo "skipped: no .venv-peers (make .venv-peers/.installed)"
fi
echo "## bound";       $PY benchmarks/bench_bound.py
echo "## contention";  $PY benchmarks/bench_contention.py
echo "## start-up";    $PY benchmarks/bench_startup.py
echo "## whole fit";   echo "| N | K | gmm-explorer fit | scikit-learn | ratio |"; echo "|---:|---:|---:|---:|---:|"
$PY benchmarks/bench_whole_fit.py --n 1e6 --k 10
echo "## select";      $PY benchmarks/bench_select.py --repeats 3 --models sklearn
$PY benchmarks/bench_select.py --repeats 3 --models all
echo "## dask";        $PY benchmarks/bench_dask.py --n 1e8 --iters 3
echo "## loading a 10^7-row CSV"; $PY benchmarks/bench_loaders.py --sizes 1e7 --repeats 3
echo "## 10^6 and 10^7 points in the window"
QT_QPA_PLATFORM=offscreen $PY benchmarks/ui_responsiveness.py --n 1000000 --k 10 --steps 25 2>/dev/null
QT_QPA_PLATFORM=offscreen $PY benchmarks/ui_responsiveness.py --n 10000000 --k 10 --steps 8 2>/dev/null
