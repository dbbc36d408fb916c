"""Import every module of the suite's packages and print, as JSON, every file
opened and every thread started while doing so (not counting the reading of
Python code itself).

What is asserted is that *our* modules do nothing at import time. Some of
them import, at their top, a library that itself reads files when first
imported: Kivy (its home directory, its configuration, the command line) and
python-escpos (its printer database). The Kivy apps (``kiosk.app``,
``seal_controller.panel_app``) are meant to be imported only after a
composition root has prepared Kivy (``kiosk.kivy_setup.prepare_kivy``:
environment, configuration, font), and the test printer imports
python-escpos for what it is. So the audit does what a composition root
does, before it starts counting: it prepares Kivy in a temporary state
directory (nothing lands in the home or working directory) and imports
those libraries -- every Kivy and python-escpos module that one of our
modules imports at its top, found by reading our sources. Only then are our
modules imported, every one of every package, while counting: a file opened
or a thread started from then on is our modules' doing, including any call
into those libraries at import time (loading a kv file, creating the
window, opening a printer).

``kiosk.kivy_setup`` (and what it imports) is imported first, while counting,
since preparing Kivy needs it; counting is paused only while it prepares Kivy
and the libraries are imported.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import pkgutil
import sys
import tempfile
import threading
from pathlib import Path

CODE_SUFFIXES = (".py", ".pyc", ".so", ".pth", ".typed")
PACKAGES = ["durable", "protocol", "hardware", "camera", "powerlist", "chinese_text",
            "sync", "seal_controller", "kiosk", "county", "device", "provision", "village_edge"]
#: Libraries that read files when imported, imported before counting.
PREPARED_LIBRARIES = ("kivy", "escpos")

opened: list[str] = []
counting = True


def audit(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    if event == "open" and counting:
        path = str(args[0])
        if not path.endswith(CODE_SUFFIXES) and "__pycache__" not in path:
            opened.append(f"{path} ({args[1]})")


def library_imports(packages: list[str]) -> list[str]:
    """The modules of PREPARED_LIBRARIES that our modules import at their top
    (not inside functions), read from the sources without importing them."""
    found: set[str] = set()
    for name in packages:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, name
        for folder in spec.submodule_search_locations:
            for path in sorted(Path(folder).rglob("*.py")):
                tree = ast.parse(path.read_text("utf-8"), filename=str(path))
                for node in tree.body:
                    if isinstance(node, ast.Import):
                        modules = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                        modules = [node.module]
                    else:
                        continue
                    found.update(m for m in modules
                                 if m.split(".")[0] in PREPARED_LIBRARIES)
    return sorted(found)


def prepare_libraries(state_dir: Path, modules: list[str]) -> None:
    """What a composition root does before importing the Kivy apps."""
    from kiosk.kivy_setup import prepare_kivy

    prepare_kivy(state_dir, os.environ, size=(800, 480), fullscreen=False)
    for module in modules:
        importlib.import_module(module)


def main() -> None:
    global counting
    libraries = library_imports(PACKAGES)
    with tempfile.TemporaryDirectory(prefix="import-audit-") as state:
        threads_before = threading.active_count()
        sys.addaudithook(audit)
        importlib.import_module("kiosk.kivy_setup")
        new_threads = threading.active_count() - threads_before
        counting = False
        prepare_libraries(Path(state), libraries)
        threads_before = threading.active_count()
        counting = True
        imported = []
        for name in PACKAGES:
            package = importlib.import_module(name)
            imported.append(name)
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
                if info.name.endswith("__main__"):
                    continue
                importlib.import_module(info.name)
                imported.append(info.name)
        new_threads += threading.active_count() - threads_before
        counting = False
    print(json.dumps({"imported": imported, "opened": opened, "prepared": libraries,
                      "new_threads": new_threads}))


if __name__ == "__main__":
    main()
