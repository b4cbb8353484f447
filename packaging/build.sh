#!/usr/bin/env bash
# Build the one-folder bundle of GMM Explorer with PyInstaller.
#
#   bash packaging/build.sh [DIST [WORK]]
#
# DIST   where the bundle goes (default: dist/ at the top of the repository);
#        the bundle is DIST/gmm-explorer/, its program DIST/gmm-explorer/gmm-explorer.
# WORK   PyInstaller's working folder (default: build/pyinstaller/).
# PYTHON the interpreter with the project's dependencies and PyInstaller
#        (default: .venv/bin/python if present, else python3). `make bundle` sets it up.
#
# Exits non-zero if anything fails; prints the bundle's path on success.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="${1:-$ROOT/dist}"
WORK="${2:-$ROOT/build/pyinstaller}"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
    echo "build.sh: PyInstaller is not installed for $PYTHON;" \
         "run: $PYTHON -m pip install -e '$ROOT[test]'" >&2
    exit 2
fi

mkdir -p "$DIST" "$WORK"
DIST="$(cd "$DIST" && pwd)"
WORK="$(cd "$WORK" && pwd)"
start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" "$ROOT/packaging/gmm-explorer.spec"

BUNDLE="$DIST/gmm-explorer"
if [[ ! -x "$BUNDLE/gmm-explorer" ]]; then
    echo "build.sh: the build finished but $BUNDLE/gmm-explorer is missing" >&2
    exit 1
fi
size=$(du -sh "$BUNDLE" | cut -f1)
echo "build.sh: built $BUNDLE ($size, $(( $(date +%s) - start )) s); run $BUNDLE/gmm-explorer"
