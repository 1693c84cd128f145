#!/usr/bin/env bash
# Create .venv (if needed), install skillbot with the given extras and make sure a Chinese font exists;
# prints nothing on success.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=".venv/.installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
  touch "$stamp"
fi
# A font with Chinese glyphs for admission tickets (installs one on Debian/Ubuntu when run as root).
scripts/fonts.sh || echo "bootstrap: continuing without a Chinese font; admission tickets cannot be rendered" >&2
