"""Optional Wi-Fi from the boot file, as a NetworkManager keyfile (Raspberry
Pi OS bookworm and later manage the network with NetworkManager)."""

from __future__ import annotations

import uuid

from provision.bootfile import Wifi

CONNECTION_NAME = "village-edge-wifi"
FILE_NAME = f"{CONNECTION_NAME}.nmconnection"
NAMESPACE = uuid.UUID("6f1c3a52-9a3e-4d5b-8f0e-2b7c1d9e4a10")


def _escape(value: str) -> str:
    """A keyfile value: backslashes, line breaks and ';' escaped, spaces kept."""
    return (value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace(";", "\\;"))


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
        f"ssid={_escape(wifi.ssid)}",
        f"hidden={'true' if wifi.hidden else 'false'}",
        "",
    ]
    if wifi.password:
        lines += ["[wifi-security]", "key-mgmt=wpa-psk", f"psk={_escape(wifi.password)}", ""]
    lines += ["[ipv4]", "method=auto", "", "[ipv6]", "method=auto", ""]
    return "\n".join(lines)
