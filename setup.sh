#!/usr/bin/env bash
# Set up village-edge on this machine.
#
#   ./setup.sh dev [--dry-run]   a development machine (Debian or Ubuntu): the OS
#                                packages, .venv, the suite with its test extras
#
# The Raspberry Pi roles (kiosk, seal) are added by the provisioning work; each
# role is a function below that lists its OS packages and its install steps.
# Idempotent: a second run installs nothing new. Needs root or sudo for the
# OS packages.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENV="$HERE/.venv"
DRY_RUN=0

# OS packages of a development machine: zbar for QR decoding, libusb for USB
# printers, Noto CJK for Chinese receipts and screens, Xvfb and Mesa so Kivy
# windows open headless with real OpenGL.
DEV_PACKAGES=(
  python3 python3-venv python3-dev build-essential
  libzbar0 libusb-1.0-0 fonts-noto-cjk
  xvfb xauth libgl1 libgl1-mesa-dri libegl1 libgles2 libmtdev1
)

say() { printf 'setup.sh: %s\n' "$*"; }
die() { printf 'setup.sh: error: %s\n' "$*" >&2; exit 1; }

run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf 'would run: %s\n' "$*"
  else
    "$@"
  fi
}

as_root() {
  if [ "$(id -u)" = 0 ]; then
    run "$@"
  elif command -v sudo >/dev/null 2>&1; then
    run sudo "$@"
  else
    die "installing OS packages needs root: run as root or install sudo ($*)"
  fi
}

check_os() {
  [ -r /etc/os-release ] || die "cannot tell which OS this is (no /etc/os-release)"
  # shellcheck disable=SC1091
  . /etc/os-release
  case " ${ID:-} ${ID_LIKE:-} " in
    *" debian "*|*" ubuntu "*) ;;
    *) die "this script supports Debian, Ubuntu and Raspberry Pi OS; found ${PRETTY_NAME:-unknown}. Install ${DEV_PACKAGES[*]} by hand, then: python3 -m venv .venv && .venv/bin/pip install -e '.[test]'" ;;
  esac
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found"
}

install_os_packages() {
  local missing=()
  local package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "OS packages already installed"
    return
  fi
  say "installing OS packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

check_python() {
  command -v python3 >/dev/null 2>&1 || die "python3 not found"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python 3.11 or newer is needed; found $(python3 --version 2>&1)"
}

make_venv() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    say "virtual environment $VENV already exists"
  else
    say "creating virtual environment $VENV"
    run python3 -m venv "$VENV"
  fi
}

install_suite() {
  # Reinstall only when the project's dependencies changed.
  local stamp
  stamp="$VENV/.village-edge-$(sha256sum "$HERE/pyproject.toml" | cut -c1-16)"
  if [ -e "$stamp" ] && [ -x "$VENV/bin/village-edge" ]; then
    say "village-edge already installed in $VENV"
    return
  fi
  say "installing village-edge and its test tools into $VENV"
  run "$VENV/bin/python" -m pip install --quiet --upgrade pip
  run "$VENV/bin/python" -m pip install --quiet -e "$HERE[test]"
  if [ "$DRY_RUN" = 0 ]; then
    rm -f "$VENV"/.village-edge-*
    touch "$stamp"
  fi
}

role_dev() {
  check_os
  install_os_packages "${DEV_PACKAGES[@]}"
  check_python
  make_venv
  install_suite
  say "done. Try: .venv/bin/village-edge demo   or   .venv/bin/pytest"
}

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit 2
}

main() {
  [ $# -ge 1 ] || usage
  local role=$1
  shift
  local arg
  for arg in "$@"; do
    case $arg in
      --dry-run) DRY_RUN=1 ;;
      *) die "unknown option $arg (see ./setup.sh with no arguments)" ;;
    esac
  done
  case $role in
    dev) role_dev ;;
    kiosk|seal) die "the $role role is installed by the provisioning work, which is not in this version yet; use 'dev'" ;;
    -h|--help) usage ;;
    *) die "unknown role '$role': use dev" ;;
  esac
}

main "$@"
