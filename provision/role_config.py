"""The configuration template for one role, as ``setup.sh`` installs it to
``/etc/village-edge/config.toml`` before the device is commissioned::

    python -m provision.role_config --role kiosk TEMPLATE > config.toml

The template's role is set; a kiosk's copy loses the seal station's tables.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from provision.device_config import SEAL_ONLY_TABLES, drop_tables, set_value


def role_config(template: str, role: str) -> str:
    text = set_value(template, "device", "role", role)
    if role == "kiosk":
        text = drop_tables(text, SEAL_ONLY_TABLES)
        text = set_value(text, "camera", "enabled", False)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provision.role_config", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--role", required=True, choices=("kiosk", "seal"))
    parser.add_argument("template", type=Path)
    args = parser.parse_args(argv)
    sys.stdout.write(role_config(args.template.read_text(encoding="utf-8"), args.role))
    return 0


if __name__ == "__main__":
    sys.exit(main())
