#!/usr/bin/env bash
# Install the system libraries PySide6 (Qt 6) needs, if any are missing.
# Debian/Ubuntu only (apt-get); elsewhere it just lists what is missing.
set -euo pipefail

# soname -> Debian package
declare -A NEED=(
  [libGL.so.1]=libgl1
  [libEGL.so.1]=libegl1
  [libxkbcommon.so.0]=libxkbcommon0
  [libfontconfig.so.1]=libfontconfig1
  [libfreetype.so.6]=libfreetype6
  [libdbus-1.so.3]=libdbus-1-3
  [libglib-2.0.so.0]=libglib2.0-0
  # for a real window on X11 (not needed offscreen, small, and what users hit first)
  [libxkbcommon-x11.so.0]=libxkbcommon-x11-0
  [libxcb-cursor.so.0]=libxcb-cursor0
  [libxcb-icccm.so.4]=libxcb-icccm4
  [libxcb-keysyms.so.1]=libxcb-keysyms1
  [libxcb-shape.so.0]=libxcb-shape0
)

missing=()
# Read the linker cache once: `ldconfig -p | grep -q` would fail under pipefail when
# grep exits early (SIGPIPE), reporting present libraries as missing.
cache="$(ldconfig -p 2>/dev/null || true)"
for so in "${!NEED[@]}"; do
  if [[ "$cache" != *"$so "* ]]; then
    missing+=("${NEED[$so]}")
  fi
done
# The tests validate the desktop entry and build the .gmmx MIME type's database.
command -v desktop-file-validate >/dev/null 2>&1 || missing+=(desktop-file-utils)
command -v update-mime-database >/dev/null 2>&1 || missing+=(shared-mime-info)
# Debian's python3 needs python3-venv for `python3 -m venv`.
if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: no apt-get here; install the equivalents of: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "system-deps: not root and no sudo; please install: ${missing[*]}" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
