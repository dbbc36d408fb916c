"""Optional Wi-Fi from the boot file, as a NetworkManager keyfile (Raspberry
Pi OS bookworm and later manage the network with NetworkManager).

NetworkManager reads the file with GLib's key-file parser, so every value is
written the way GLib's ``g_key_file_set_string`` writes one: a backslash, a
line break, a tab and a leading space escaped, nothing else. GLib refuses any
other escape (``\\;`` in a plain string is an error: the password would be
dropped). The network name is a list of bytes to NetworkManager, which reads
``\\;`` in it as a literal ';' (and "1;2;3;" unescaped as the bytes 1, 2, 3):
its ';' are escaped that way first, as NetworkManager's own writer does.
"""

from __future__ import annotations

import uuid

from provision.bootfile import Wifi

CONNECTION_NAME = "village-edge-wifi"
FILE_NAME = f"{CONNECTION_NAME}.nmconnection"
NAMESPACE = uuid.UUID("6f1c3a52-9a3e-4d5b-8f0e-2b7c1d9e4a10")

_GLIB_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def keyfile_string(value: str) -> str:
    """*value* as a GLib key-file string value (``g_key_file_set_string``)."""
    escaped = "".join(_GLIB_ESCAPES.get(character, character) for character in value)
    if escaped.startswith(" "):
        escaped = "\\s" + escaped[1:]  # GLib drops the spaces that open a value
    return escaped


def keyfile_ssid(ssid: str) -> str:
    """The network name as NetworkManager writes a printable one: ';'
    escaped for NetworkManager, then the whole for GLib."""
    return keyfile_string(ssid.replace(";", "\\;"))


def nm_keyfile(wifi: Wifi) -> str:
    """The connection profile; its uuid is stable for the same network name."""
    lines = [
        "# Written by 'village-edge provision' from the [wifi] table of the boot file.",
        "[connection]",
        f"id={CONNECTION_NAME}",
        f"uuid={uuid.uuid5(NAMESPACE, wifi.ssid)}",
        "type=wifi",
        "autoconnect=true",
        "autoconnect-retries=0",
        "",
        "[wifi]",
        "mode=infrastructure",
        f"ssid={keyfile_ssid(wifi.ssid)}",
        f"hidden={'true' if wifi.hidden else 'false'}",
        "",
    ]
    if wifi.password:
        lines += ["[wifi-security]", "key-mgmt=wpa-psk", f"psk={keyfile_string(wifi.password)}",
                  ""]
    lines += ["[ipv4]", "method=auto", "", "[ipv6]", "method=auto", ""]
    return "\n".join(lines)
