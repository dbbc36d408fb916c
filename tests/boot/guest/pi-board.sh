#!/bin/sh
# What a Raspberry Pi 4 B's kernel adds to /proc/cpuinfo (gpiozero reads the
# board's revision there when there is no device tree), bound over the
# guest's own /proc/cpuinfo.
set -eu
mkdir -p /run/boot-test
{
  cat /proc/cpuinfo
  printf 'Hardware\t: BCM2835\nRevision\t: c03111\nSerial\t\t: 10000000b00c1e57\n'
  printf 'Model\t\t: Raspberry Pi 4 Model B Rev 1.1\n'
} > /run/boot-test/pi-cpuinfo
mount --bind /run/boot-test/pi-cpuinfo /proc/cpuinfo
