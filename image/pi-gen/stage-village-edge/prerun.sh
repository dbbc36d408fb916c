#!/bin/bash -e
# pi-gen runs this first in the stage: start from the root file system the
# stage before left (stage2, Raspberry Pi OS Lite).
if [ ! -d "${ROOTFS_DIR}" ]; then
	copy_previous
fi
