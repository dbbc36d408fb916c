"""Test fixture: record, in order, every request and release of a line of
the simulated GPIO chip (the kernel's line-info watch), with the level the
wiring side sees on the line at that moment, as JSON lines in
/run/boot-test/gpio-events.jsonl. Started before the seal station, it shows
which lines the station claims first and at which level."""

import ctypes
import fcntl
import json
import os
import socket
import struct

CHIP = "/dev/gpiochip0"
LINES = 28
EVENTS = "/run/boot-test/gpio-events.jsonl"
SIM = "/run/boot-test/gpio"
INFO_SIZE = 256  # struct gpio_v2_line_info
CHANGED_SIZE = INFO_SIZE + 32  # struct gpio_v2_line_info_changed
WATCH = (3 << 30) | (INFO_SIZE << 16) | (0xB4 << 8) | 0x06  # GPIO_V2_GET_LINEINFO_WATCH_IOCTL
KINDS = {1: "requested", 2: "released", 3: "config"}
FLAGS = {0: "used", 1: "active_low", 2: "input", 3: "output", 8: "pull_up", 9: "pull_down"}


def notify_ready() -> None:
    address = os.environ.get("NOTIFY_SOCKET", "")
    if address:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect("\0" + address[1:] if address.startswith("@") else address)
            sock.send(b"READY=1")


def level(offset: int) -> str:
    with open(f"{SIM}/sim_gpio{offset}/value") as value:
        return value.read().strip()


def main() -> None:
    chip = os.open(CHIP, os.O_RDONLY)
    for offset in range(LINES):
        info = ctypes.create_string_buffer(INFO_SIZE)
        struct.pack_into("I", info, 64, offset)
        fcntl.ioctl(chip, WATCH, info)
    notify_ready()
    with open(EVENTS, "a", buffering=1) as out:
        while True:
            data = os.read(chip, CHANGED_SIZE)
            consumer = data[32:64].split(b"\0")[0].decode()
            offset, _, flags = struct.unpack_from("IIQ", data, 64)
            timestamp, kind = struct.unpack_from("QI", data, INFO_SIZE)
            out.write(json.dumps({
                "line": offset, "event": KINDS.get(kind, str(kind)), "consumer": consumer,
                "flags": [name for bit, name in FLAGS.items() if flags & (1 << bit)],
                "level": level(offset), "ns": timestamp}) + "\n")


main()
