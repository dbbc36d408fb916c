"""What only tests use stays out of the product: no module of the suite's
packages imports a testing module (:mod:`kiosk.testing`,
:mod:`hardware.printer.testing`) unless it is part of one, and the Kivy app
does not import the script runner that drives it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO
from tests.test_layering import PACKAGES


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in *path*, inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_testing(module: str) -> bool:
    return "testing" in module.split(".")


def test_no_product_module_imports_a_testing_module() -> None:
    wrong = [
        f"{path.relative_to(REPO)}:{line} imports {module}"
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
        if not is_testing(module_name(path))
        for line, module in imported_modules(path)
        if is_testing(module)
    ]
    assert wrong == []


def test_the_kiosk_app_does_not_import_what_drives_it() -> None:
    imports = {module for _, module in imported_modules(REPO / "kiosk/app.py")}
    assert imports.isdisjoint({"kiosk.script_runner", "kiosk.testing.steps",
                               "kiosk.testing.driver"})


def test_the_rule_sees_an_import_of_a_testing_module(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("def later():\n    from hardware.printer.testing import InMemoryPrinter\n")
    assert [m for _, m in imported_modules(module) if is_testing(m)] == [
        "hardware.printer.testing"]
