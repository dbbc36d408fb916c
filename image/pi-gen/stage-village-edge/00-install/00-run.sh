#!/bin/bash -e
# On the build host, before the chroot step: copy this repository's source
# (the checkout this stage belongs to, or VILLAGE_EDGE_SRC) into the image at
# /usr/src/village-edge, where setup.sh runs from inside the chroot. Only the
# files setup.sh installs from: no build outputs, no virtual environment.
#
# pi-gen runs this script with ROOTFS_DIR set; VILLAGE_EDGE_SRC and
# VILLAGE_EDGE_ROLE come from the build's config file (pi-gen's config, made
# from image/pi-gen/config.example).

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="${VILLAGE_EDGE_SRC:-$(cd "${HERE}/../../../.." && pwd)}"
ROLE="${VILLAGE_EDGE_ROLE:-seal}"

case "${ROLE}" in
	kiosk|seal) ;;
	*) echo "village-edge stage: VILLAGE_EDGE_ROLE must be kiosk or seal, found '${ROLE}' (set it in the config file)" >&2; exit 1 ;;
esac
if [ ! -x "${SRC}/setup.sh" ] || [ ! -f "${SRC}/pyproject.toml" ]; then
	echo "village-edge stage: ${SRC} is not a village-edge checkout (no setup.sh); set VILLAGE_EDGE_SRC in the config file" >&2
	exit 1
fi

rm -rf "${ROOTFS_DIR}/usr/src/village-edge"
install -d "${ROOTFS_DIR}/usr/src/village-edge"
tar -C "${SRC}" --exclude=.git --exclude=.venv --exclude=__pycache__ \
	--exclude='*.egg-info' --exclude=.pytest_cache --exclude=.ruff_cache --exclude=image \
	-cf - . | tar -C "${ROOTFS_DIR}/usr/src/village-edge" -xf -
echo "${ROLE}" > "${ROOTFS_DIR}/usr/src/village-edge/.image-role"

# The boot file, ready to fill in on the boot partition (FAT, editable from
# Windows). Until it is filled in, first boot says what is missing.
install -D -m 644 "${SRC}/provision/boot-template.toml" \
	"${ROOTFS_DIR}/boot/firmware/village-edge.toml"
