#!/bin/bash -e
# Inside the image (chroot): install the role exactly as on a running Pi,
# through setup.sh. It installs the OS packages from Raspberry Pi OS's
# archive and the suite from PyPI into /opt/village-edge, and enables the
# role's units, which start at the first boot (systemd does not run here).
#
# The role was written by 00-run.sh from VILLAGE_EDGE_ROLE in the config.
# pi-gen feeds this script to bash on standard input, so nothing below may
# read it: every command gets /dev/null.

SRC="${VILLAGE_EDGE_IMAGE_SRC:-/usr/src/village-edge}"
ROLE="$(cat "${SRC}/.image-role")"

"${SRC}/setup.sh" "${ROLE}" --dry-run < /dev/null
"${SRC}/setup.sh" "${ROLE}" < /dev/null

# No download caches in the image.
rm -rf /root/.cache/pip
apt-get clean < /dev/null
