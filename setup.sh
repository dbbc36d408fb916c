#!/usr/bin/env bash
# Set up village-edge on this machine.
#
#   ./setup.sh dev [--dry-run]     a development machine (Debian or Ubuntu): the OS
#                                  packages, .venv, the suite with its test extras,
#                                  Node.js and the contract verifier's npm package
#   ./setup.sh kiosk [--dry-run]   a village-hall kiosk (Raspberry Pi OS bookworm or trixie)
#   ./setup.sh seal [--dry-run]    a seal station (Raspberry Pi OS bookworm or trixie)
#
# kiosk and seal: OS packages, the system user village-edge, the suite in a
# virtual environment under /opt/village-edge, /etc/village-edge/config.toml
# from the template (never overwritten), /var/lib/village-edge, the printer's
# udev rule, the hardware watchdog, and the role's systemd units, enabled.
# --dry-run prints every action and changes nothing. Idempotent: a second run
# installs nothing new. Needs root (sudo) except for --dry-run.
#
# For tests only: VILLAGE_EDGE_OS_RELEASE=FILE reads FILE instead of
# /etc/os-release; VILLAGE_EDGE_SETUP_ROOT=DIR (with --dry-run only) looks for
# the installed files under DIR. See docs/provisioning.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENV="$HERE/.venv"
DRY_RUN=0

# OS packages of a development machine: zbar for QR decoding, libusb for USB
# printers, Noto CJK for Chinese receipts and screens, Xvfb and Mesa so Kivy
# windows open headless with real OpenGL, espeak-ng to read aloud, systemd for
# systemd-analyze checks of the units, shellcheck for the shell scripts,
# debootstrap to try setup.sh in a fresh Debian root (tests/provision/),
# postgresql for the county tests on PostgreSQL (the tests run initdb and
# pg_ctl themselves: a throwaway server in a temporary directory, started and
# stopped by the test session; the package's own service is not needed); for
# the boot test (tests/boot/): QEMU to boot that root with systemd as PID 1,
# dosfstools and mtools to write its FAT boot partition and e2fsprogs its
# ext4 root without mounting either, xz-utils to unpack the kernel's source
# (build-essential then builds the gpio-sim module for the guest's kernel).
DEV_PACKAGES=(
  python3 python3-venv python3-dev build-essential
  libzbar0 libusb-1.0-0 fonts-noto-cjk
  xvfb xauth libgl1 libgl1-mesa-dri libegl1 libgles2 libmtdev1
  espeak-ng systemd shellcheck debootstrap postgresql
  python3-gi gir1.2-nm-1.0
  qemu-system-x86 dosfstools mtools e2fsprogs xz-utils
  x11-apps chromium  # bench/kiosk_start.py: xwd captures frames; Chromium is the yardstick
  chromium-driver  # the county console's browser tests and screenshots drive Chromium
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

OS_RELEASE=${VILLAGE_EDGE_OS_RELEASE:-/etc/os-release}

check_os() {
  [ -r "$OS_RELEASE" ] || die "cannot tell which OS this is (no $OS_RELEASE)"
  # shellcheck disable=SC1090
  . "$OS_RELEASE"
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
  if ! command -v python3 >/dev/null 2>&1; then
    if [ "$DRY_RUN" = 1 ]; then
      say "python3 is not installed yet: the packages above would bring it"
      return
    fi
    die "python3 not found: install the python3 package (apt-get install python3) and run this again"
  fi
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
  run "$VENV/bin/python" -m pip install --quiet -e "${HERE}[test]"
  if [ "$DRY_RUN" = 0 ]; then
    rm -f "$VENV"/.village-edge-*
    touch "$stamp"
  fi
}

# The independent verifier of the county contract (tests/protocol/contract_verifier,
# run by tests/protocol/test_contract_verifier.py) is a Node.js program; its one
# package comes from the npm registry, pinned by its package-lock.json.
VERIFIER_DIR="$HERE/tests/protocol/contract_verifier"

install_node() {
  # Any Node.js with npm will do (18 or newer). Debian's nodejs and npm are
  # installed only when there is none: a Node.js from elsewhere (NodeSource's
  # package brings its own npm and conflicts with Debian's) is kept.
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    say "Node.js $(node --version) and npm already installed"
    return
  fi
  install_os_packages nodejs npm
}

install_contract_verifier() {
  local stamp
  stamp="$VERIFIER_DIR/node_modules/.village-edge-$(sha256sum "$VERIFIER_DIR/package-lock.json" | cut -c1-16)"
  if [ -e "$stamp" ]; then
    say "the contract verifier's packages are already installed"
    return
  fi
  say "installing the contract verifier's packages (npm ci in tests/protocol/contract_verifier)"
  run npm ci --prefix "$VERIFIER_DIR" --no-audit --no-fund --loglevel=error
  if [ "$DRY_RUN" = 0 ]; then
    touch "$stamp"
  fi
}

role_dev() {
  check_os
  install_os_packages "${DEV_PACKAGES[@]}"
  check_python
  make_venv
  install_suite
  install_node
  install_contract_verifier
  say "done. Try: .venv/bin/village-edge demo   or   .venv/bin/pytest"
}

# -- the Raspberry Pi roles: kiosk and seal ------------------------------------

SUPPORTED_CODENAMES="bookworm trixie"
ROOT=""                       # VILLAGE_EDGE_SETUP_ROOT, tests only
PREFIX=/opt/village-edge      # releases/<version>-<digest>/ and current -> one of them
STATE=/var/lib/village-edge
ETC=/etc/village-edge
UNIT_DIR=/etc/systemd/system
SERVICE_USER=village-edge

# OS packages of every device: Python, zbar for QR codes, libusb for the
# receipt printer, Noto CJK for Chinese receipts and screens, espeak-ng for
# spoken guidance.
DEVICE_PACKAGES=(
  python3 python3-venv python3-pip python3-dev build-essential
  libzbar0 libusb-1.0-0 fonts-noto-cjk espeak-ng
)
# The kiosk draws with SDL2 on KMS/DRM (no X server): GLES, EGL, GBM, DRM,
# Mesa's drivers (GBM and EGL load the GPU's from libgl1-mesa-dri: v3d on a
# Pi 4 or 5, virtio_gpu or kms_swrast in an emulator; without them SDL's
# kmsdrm driver finds no way to draw), touch input (mtdev) and sound. Kivy's
# wheel brings its own SDL2, built with kmsdrm; the OS's is for anything
# built against it.
KIOSK_PACKAGES=(libsdl2-2.0-0 libgles2 libegl1 libgbm1 libdrm2 libgl1-mesa-dri libmtdev1
  alsa-utils)
SEAL_PACKAGES=()
# Only in Raspberry Pi OS's archive: installed where apt knows them.
KIOSK_OPTIONAL_PACKAGES=()
SEAL_OPTIONAL_PACKAGES=(python3-picamera2 python3-lgpio)

# The groups that own the devices each role uses (those that exist here).
KIOSK_GROUPS=(video render input audio lp dialout)
SEAL_GROUPS=(gpio video lp dialout)
# Groups the seal unit names (SupplementaryGroups=) that Raspberry Pi OS has
# and plain Debian lacks: created where missing, or systemd refuses to start
# the unit (216/GROUP).
SEAL_CREATED_GROUPS=(gpio)

check_device_os() {
  [ -r "$OS_RELEASE" ] || die "cannot tell which OS this is (no $OS_RELEASE); nothing was changed"
  local ID="" ID_LIKE="" VERSION_CODENAME="" PRETTY_NAME=""
  # shellcheck disable=SC1090
  . "$OS_RELEASE"
  case " ${ID} ${ID_LIKE} " in
    *" debian "*|*" raspbian "*) ;;
    *) die "the kiosk and seal roles need Raspberry Pi OS (or Debian) bookworm or trixie; found ${PRETTY_NAME:-unknown}. Nothing was changed. Flash Raspberry Pi OS Lite (64-bit) and run this again" ;;
  esac
  case " $SUPPORTED_CODENAMES " in
    *" ${VERSION_CODENAME:-none} "*) ;;
    *) die "the kiosk and seal roles need Raspberry Pi OS bookworm or trixie; found ${PRETTY_NAME:-unknown} (codename '${VERSION_CODENAME:-none}'). Nothing was changed. Flash Raspberry Pi OS Lite (64-bit) bookworm or later" ;;
  esac
  local tool
  for tool in apt-get dpkg-query systemctl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found: this does not look like Raspberry Pi OS; nothing was changed"
  done
  say "OS: ${PRETTY_NAME:-$VERSION_CODENAME}"
}

check_root() {
  if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
    die "installing a device needs root: sudo $0 $*; nothing was changed"
  fi
}

available_packages() {
  # The packages among "$@" that apt can install here (one apt-cache call).
  local known package
  known=$(apt-cache policy "$@" 2>/dev/null | awk '
    /^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
    /^  Candidate:/ && $2 != "(none)" { print name }')
  for package in "$@"; do
    if printf '%s\n' "$known" | grep -qx "$package"; then
      printf '%s\n' "$package"
    else
      say "warning: $package is not in this OS's archive (only Raspberry Pi OS has it): skipped; what needs it (the camera, the GPIO pins) works only once it is installed" >&2
    fi
  done
}

ensure_groups_exist() {
  local group
  for group in "$@"; do
    if getent group "$group" >/dev/null 2>&1; then
      say "group $group already exists"
    else
      say "creating system group $group (Raspberry Pi OS has it; this OS does not)"
      run groupadd --system "$group"
    fi
  done
}

ensure_group_membership() {
  local wanted=() group
  for group in "$@"; do
    if getent group "$group" >/dev/null 2>&1; then
      wanted+=("$group")
    else
      say "group $group does not exist here: skipped"
    fi
  done
  if ! getent group "$SERVICE_USER" >/dev/null 2>&1; then
    say "creating system group $SERVICE_USER"
    run groupadd --system "$SERVICE_USER"
  fi
  if ! id "$SERVICE_USER" >/dev/null 2>&1; then
    say "creating system user $SERVICE_USER (no login, home $STATE)"
    run useradd --system --gid "$SERVICE_USER" --home-dir "$STATE" --no-create-home \
      --shell /usr/sbin/nologin --comment "village-edge services" "$SERVICE_USER"
  else
    say "system user $SERVICE_USER already exists"
  fi
  local missing=()
  for group in "${wanted[@]}"; do
    if ! id -nG "$SERVICE_USER" 2>/dev/null | tr ' ' '\n' | grep -qx "$group"; then
      missing+=("$group")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    local joined
    joined=$(IFS=,; echo "${missing[*]}")
    say "adding $SERVICE_USER to groups: ${missing[*]}"
    run usermod --append --groups "$joined" "$SERVICE_USER"
  else
    say "$SERVICE_USER is already in groups: ${wanted[*]}"
  fi
}

ensure_dir() {
  # ensure_dir PATH MODE OWNER
  local path="$ROOT$1"
  if [ -d "$path" ]; then
    say "directory $1 already exists"
    return
  fi
  say "creating directory $1 (mode $2, owner $3)"
  run install -d -m "$2" -o "${3%%:*}" -g "${3##*:}" "$path"
}

install_file() {
  # install_file SOURCE DEST MODE: ours, so replaced when it differs
  local dest="$ROOT$2"
  if [ -f "$dest" ] && cmp -s "$1" "$dest"; then
    say "$2 is up to date"
    return 1
  fi
  say "installing $2"
  run install -D -m "$3" "$1" "$dest"
}

install_file_once() {
  # install_file_once SOURCE DEST MODE: the technician's from then on, never overwritten
  if [ -e "$ROOT$2" ]; then
    say "$2 exists: kept as it is (never overwritten)"
    return
  fi
  say "installing $2 from $1"
  run install -D -m "$3" "$1" "$ROOT$2"
}

# What a release is made of: a change to any file here makes a new release.
SOURCE_PARTS=(pyproject.toml docs village_edge hardware camera sync county kiosk seal_controller
  provision powerlist)

source_digest() {
  # The same digest as provision.releases.source_digest (a test checks).
  (cd "$HERE" && find "${SOURCE_PARTS[@]}" -type f -not -path '*/__pycache__/*' -not -name '*.pyc' \
      -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum) \
    | sha256sum | cut -c1-12
}

suite_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$HERE/pyproject.toml" | head -n 1
}

install_release() {
  # A release is a virtual environment of its own (seeing the OS's picamera2
  # and lgpio), made once per source version and switched to atomically.
  local name
  name="$(suite_version)-$(source_digest)"
  local release="$PREFIX/releases/$name"
  if [ -e "$ROOT$release/.complete" ]; then
    say "release $name already installed in $release"
  else
    say "installing village-edge $name into $release"
    run rm -rf "$ROOT$release"
    run python3 -m venv --system-site-packages "$ROOT$release"
    run "$ROOT$release/bin/python" -m pip install --quiet --upgrade pip
    run "$ROOT$release/bin/python" -m pip install --quiet "$HERE"
    run install -D -m 0644 "$HERE/docs/config.example.toml" "$ROOT$release/share/config.example.toml"
    run install -D -m 0644 "$HERE/provision/boot-template.toml" "$ROOT$release/share/village-edge.toml"
    run install -D -m 0644 "$HERE/docs/provisioning.md" "$ROOT$release/share/doc/provisioning.md"
    run touch "$ROOT$release/.complete"
  fi
  if [ "$(readlink "$ROOT$PREFIX/current" 2>/dev/null)" = "releases/$name" ]; then
    say "$PREFIX/current already points to releases/$name"
  else
    say "switching $PREFIX/current to releases/$name"
    run ln -sfn "releases/$name" "$ROOT$PREFIX/current.new"
    run mv -T "$ROOT$PREFIX/current.new" "$ROOT$PREFIX/current"
  fi
}

install_config() {
  local role=$1 config="$ETC/config.toml"
  if [ -e "$ROOT$config" ]; then
    say "$config exists: kept as it is (never overwritten)"
    return
  fi
  say "installing $config from docs/config.example.toml with role = \"$role\""
  if [ "$DRY_RUN" = 1 ]; then
    printf 'would run: %s\n' "$PREFIX/current/bin/python -m provision.role_config --role $role $PREFIX/current/share/config.example.toml > $config"
    return
  fi
  "$PREFIX/current/bin/python" -m provision.role_config --role "$role" \
    "$PREFIX/current/share/config.example.toml" > "$config.new"
  chmod 0644 "$config.new"
  mv "$config.new" "$config"
}

mask_unit() {
  local link="$ROOT$UNIT_DIR/$1"
  if [ "$(readlink "$link" 2>/dev/null)" = /dev/null ]; then
    say "$1 already masked"
  else
    say "masking $1"
    run systemctl mask "$1"
  fi
}

enable_units() {
  local changed=$1
  shift
  if [ "$changed" = 1 ]; then
    say "reloading systemd"
    run systemctl daemon-reload || say "systemd is not running here: the units load at the next boot"
  fi
  local unit
  for unit in "$@"; do
    if [ -z "$ROOT" ] && systemctl is-enabled --quiet "$unit" 2>/dev/null; then
      say "$unit already enabled"
    else
      say "enabling $unit"
      run systemctl enable "$unit"
    fi
  done
}

role_device() {
  local role=$1
  if [ -n "${VILLAGE_EDGE_SETUP_ROOT:-}" ]; then
    [ "$DRY_RUN" = 1 ] || die "VILLAGE_EDGE_SETUP_ROOT is for tests with --dry-run only"
    ROOT=${VILLAGE_EDGE_SETUP_ROOT%/}
  fi
  check_device_os
  check_root "$role"
  [ "$DRY_RUN" = 1 ] && say "dry run: showing what would be done for the $role role; nothing is changed"

  if [ "$DRY_RUN" = 0 ]; then
    say "refreshing the package lists"
    as_root apt-get update -q
  fi
  local packages=("${DEVICE_PACKAGES[@]}") optional=() groups=() units=()
  if [ "$role" = kiosk ]; then
    packages+=("${KIOSK_PACKAGES[@]}")
    [ ${#KIOSK_OPTIONAL_PACKAGES[@]} -eq 0 ] || mapfile -t optional < <(available_packages "${KIOSK_OPTIONAL_PACKAGES[@]}")
    groups=("${KIOSK_GROUPS[@]}")
    units=(village-edge-kiosk.service village-edge-sync.service village-edge-firstboot.service
      village-edge-update-verify.service)
  else
    packages+=("${SEAL_PACKAGES[@]}")
    mapfile -t optional < <(available_packages "${SEAL_OPTIONAL_PACKAGES[@]}")
    groups=("${SEAL_GROUPS[@]}")
    units=(village-edge-seal.service village-edge-sync.service village-edge-firstboot.service
      village-edge-update-verify.service)
  fi
  say "OS packages for the $role role: ${packages[*]} ${optional[*]}"
  install_os_packages "${packages[@]}" "${optional[@]}"
  check_python
  [ "$role" = seal ] && ensure_groups_exist "${SEAL_CREATED_GROUPS[@]}"
  ensure_group_membership "${groups[@]}"
  ensure_dir "$ETC" 0755 root:root
  ensure_dir "$STATE" 0750 "$SERVICE_USER:$SERVICE_USER"
  ensure_dir "$PREFIX/releases" 0755 root:root
  install_release
  install_config "$role"

  local changed=0
  install_file "$HERE/systemd/udev/70-village-edge-printer.rules" \
    /etc/udev/rules.d/70-village-edge-printer.rules 0644 && {
      { run udevadm control --reload && run udevadm trigger --subsystem-match=usb --action=change; } \
        || say "udev is not running here: the printer rule applies from the next boot"
    }
  if [ "$role" = seal ]; then
    install_file "$HERE/systemd/udev/60-village-edge-gpio.rules" \
      /etc/udev/rules.d/60-village-edge-gpio.rules 0644 && {
        { run udevadm control --reload && run udevadm trigger --subsystem-match=gpio --action=change; } \
          || say "udev is not running here: the GPIO rule applies from the next boot"
      }
  fi
  install_file "$HERE/systemd/system.conf.d/village-edge-watchdog.conf" \
    /etc/systemd/system.conf.d/village-edge-watchdog.conf 0644 && changed=1
  local unit
  for unit in "${units[@]}"; do
    install_file "$HERE/systemd/$unit" "$UNIT_DIR/$unit" 0644 && changed=1
  done
  if [ "$role" = kiosk ]; then
    install_file_once "$HERE/systemd/kiosk/kiosk.env" "$ETC/kiosk.env" 0644
    install_file "$HERE/systemd/kiosk/logind.conf.d/village-edge-kiosk.conf" \
      /etc/systemd/logind.conf.d/village-edge-kiosk.conf 0644 && changed=1
    install_file "$HERE/systemd/kiosk/system.conf.d/village-edge-kiosk.conf" \
      /etc/systemd/system.conf.d/village-edge-kiosk.conf 0644 && changed=1
    install_file "$HERE/systemd/kiosk/sysctl.d/90-village-edge-kiosk.conf" \
      /etc/sysctl.d/90-village-edge-kiosk.conf 0644 || true
    install_file "$HERE/systemd/kiosk/xorg.conf.d/90-village-edge-nozap.conf" \
      /etc/X11/xorg.conf.d/90-village-edge-nozap.conf 0644 || true
    mask_unit getty@tty1.service
    mask_unit ctrl-alt-del.target
  fi
  enable_units "$changed" "${units[@]}"
  if [ "$DRY_RUN" = 1 ]; then
    say "dry run done: nothing was changed"
  else
    say "done. Write village-edge.toml on the boot partition (see $PREFIX/current/share/village-edge.toml) and reboot"
  fi
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
    kiosk|seal) role_device "$role" ;;
    -h|--help) usage ;;
    *) die "unknown role '$role': use dev, kiosk or seal" ;;
  esac
}

main "$@"
