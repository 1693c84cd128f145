#!/usr/bin/env bash
# Make sure a font with Chinese glyphs exists for admission tickets (PNG and PDF); prints nothing when one does.
# Looks where bot/rendering/fonts.py looks: TICKET_FONT (environment or .env), well-known paths, fontconfig.
# None found: installs fonts-wqy-microhei with apt-get when running as root, otherwise says what to do and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

known=(
  /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
  /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
  /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
  /usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc
  /usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc
  /usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf
  /usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf
)

configured_font() {
  if [ -n "${TICKET_FONT:-}" ]; then
    printf '%s\n' "$TICKET_FONT"
  elif [ -f .env ]; then
    sed -n 's/^[[:space:]]*TICKET_FONT[[:space:]]*=[[:space:]]*["'\'']\{0,1\}\([^"'\'']*\)["'\'']\{0,1\}[[:space:]]*$/\1/p' .env | tail -n 1
  fi
}

have_font() {
  local explicit
  explicit="$(configured_font)"
  if [ -n "$explicit" ]; then
    [ -f "$explicit" ] && return 0
    echo "fonts.sh: TICKET_FONT=$explicit does not exist" >&2
    return 1
  fi
  for font in "${known[@]}"; do
    [ -f "$font" ] && return 0
  done
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list ':lang=zh-cn' file 2>/dev/null | head -n 1)" ]
}

have_font && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -z "$(configured_font)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq fonts-wqy-microhei >/dev/null
  fi
  have_font && exit 0
fi

cat >&2 <<'HELP'
fonts.sh: no font with Chinese glyphs found; admission tickets cannot be rendered until one is installed.
  Debian/Ubuntu:  sudo apt-get install fonts-wqy-microhei   (or fonts-noto-cjk)
  Fedora:         sudo dnf install wqy-microhei-fonts
  Or set TICKET_FONT (environment or .env) to a .ttf/.ttc/.otf file with Chinese glyphs.
HELP
exit 1
