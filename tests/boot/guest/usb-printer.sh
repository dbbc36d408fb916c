#!/bin/sh
# A USB receipt printer inside the guest: a USB gadget with the printer
# function (f_printer) on the dummy host controller, so the guest's USB stack
# enumerates a printer-class device as the default model of
# docs/config.example.toml (0416:5011) would be. What the host side sends it
# arrives on /dev/g_printer0; boot-test-printer-relay.service passes it on to
# the emulator's virtio port, a file on the machine running the test.
set -eu
modprobe dummy_hcd
modprobe libcomposite
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
gadget=/sys/kernel/config/usb_gadget/printer
mkdir "$gadget"
echo 0x0416 > "$gadget/idVendor"
echo 0x5011 > "$gadget/idProduct"
mkdir "$gadget/strings/0x409"
echo "boot test" > "$gadget/strings/0x409/manufacturer"
echo "POS58 receipt printer" > "$gadget/strings/0x409/product"
echo "BT0001" > "$gadget/strings/0x409/serialnumber"
mkdir "$gadget/configs/c.1"
mkdir "$gadget/functions/printer.usb0"
echo "MFG:boot test;MDL:POS58;CMD:ESC/POS;CLS:PRINTER;" > "$gadget/functions/printer.usb0/pnp_string"
ln -s "$gadget/functions/printer.usb0" "$gadget/configs/c.1/"
ls /sys/class/udc > "$gadget/UDC"
udevadm wait --timeout=300 /dev/g_printer0
