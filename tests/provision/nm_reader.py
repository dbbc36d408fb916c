"""Read NetworkManager keyfiles with NetworkManager's own parser (libnm,
through Debian's python3-gi and gir1.2-nm-1.0) and with GLib's key-file
parser under it. Run by the OS's python3, not the suite's:

    /usr/bin/python3 tests/provision/nm_reader.py < profiles.json

stdin: a JSON list of keyfile texts. stdout: a JSON list, for each text,
``{"glib": {KEY: value or {"error": message}}, "nm": {"ssid": hex,
"psk": text, "id": text} or {"error": message}}``.
"""

import json
import sys

import gi

gi.require_version("NM", "1.0")
from gi.repository import NM, GLib  # noqa: E402 - after require_version

GLIB_KEYS = (("wifi", "ssid"), ("wifi-security", "psk"))


def read(text):
    keyfile = GLib.KeyFile()
    data = text.encode("utf-8")
    keyfile.load_from_data(text, len(data), GLib.KeyFileFlags.NONE)
    glib = {}
    for group, key in GLIB_KEYS:
        if not keyfile.has_group(group):
            continue
        try:
            glib[key] = keyfile.get_string(group, key)
        except GLib.Error as error:
            glib[key] = {"error": error.message}
    try:
        connection = NM.keyfile_read(keyfile, "/", NM.KeyfileHandlerFlags.NONE, None)
        connection.normalize()
        connection.verify()
    except GLib.Error as error:
        return {"glib": glib, "nm": {"error": error.message}}
    wireless = connection.get_setting_wireless()
    security = connection.get_setting_wireless_security()
    return {"glib": glib, "nm": {
        "id": connection.get_id(),
        "ssid": bytes(wireless.get_ssid().get_data()).hex(),
        "psk": security.get_psk() if security is not None else None,
        "hidden": wireless.get_hidden(),
    }}


if __name__ == "__main__":
    json.dump([read(text) for text in json.load(sys.stdin)], sys.stdout, ensure_ascii=False)
