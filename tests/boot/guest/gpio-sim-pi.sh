#!/bin/sh
# The guest's GPIO header: a gpio-sim chip of 28 lines named GPIO0..GPIO27,
# as a Raspberry Pi's gpiochip0, made through configfs. Then the wiring of a
# seal station at rest (tests/boot/guest_files.py writes it): every seal in
# its sleeve (contact closed, the line pulled to ground), every plunger up
# (open, pulled up), the lid shut; the locks' lines pulled up, so that a 0
# read from sim_gpioN/value means the controller actively drives it low.
set -eu
modprobe gpio-sim
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
chip=/sys/kernel/config/gpio-sim/pi
mkdir "$chip" "$chip/bank0"
echo 28 > "$chip/bank0/num_lines"
echo pinctrl-sim > "$chip/bank0/label"
line=0
while [ "$line" -lt 28 ]; do
  mkdir "$chip/bank0/line$line"
  echo "GPIO$line" > "$chip/bank0/line$line/name"
  line=$((line + 1))
done
echo 1 > "$chip/live"
sim="/sys/devices/platform/$(cat "$chip/dev_name")/$(cat "$chip/bank0/chip_name")"
while read -r number pull; do
  echo "$pull" > "$sim/sim_gpio$number/pull"
done < /usr/local/lib/boot-test/wiring
mkdir -p /run/boot-test
ln -sfn "$sim" /run/boot-test/gpio
# Until udev has given the chip's device node its group (60-village-edge-gpio.rules).
udevadm wait --timeout=300 "/dev/$(cat "$chip/bank0/chip_name")"
