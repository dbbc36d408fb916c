"""Import every module of the suite's packages and print, as JSON, every file
opened and every thread started while doing so (not counting the reading of
Python code itself)."""

from __future__ import annotations

import json
import pkgutil
import sys
import threading

CODE_SUFFIXES = (".py", ".pyc", ".so", ".pth", ".typed")
PACKAGES = ["durable", "protocol", "hardware", "camera", "powerlist", "sync",
            "seal_controller", "kiosk", "county", "device", "provision", "village_edge"]

opened: list[str] = []


def audit(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    if event == "open":
        path = str(args[0])
        if not path.endswith(CODE_SUFFIXES) and "__pycache__" not in path:
            opened.append(f"{path} ({args[1]})")


def main() -> None:
    threads_before = threading.active_count()
    sys.addaudithook(audit)
    imported = []
    for name in PACKAGES:
        package = __import__(name)
        imported.append(name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if info.name.endswith("__main__"):
                continue
            __import__(info.name)
            imported.append(info.name)
    print(json.dumps({"imported": imported, "opened": opened,
                      "new_threads": threading.active_count() - threads_before}))


if __name__ == "__main__":
    main()
