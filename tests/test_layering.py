"""Which package may import which: the layering of docs/architecture.md, kept
by a test so the graph cannot drift back.

Leaves import nothing of the project; each layer imports only the layers
below it. Every import counts, at the top of a module or inside a function,
``TYPE_CHECKING`` blocks included.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

LEAVES = ("durable", "protocol", "hardware", "camera", "powerlist", "chinese_text")
DEVICE_PARTS = ("seal_controller", "kiosk")

ALLOWED: dict[str, frozenset[str]] = {
    **{leaf: frozenset() for leaf in LEAVES},
    # the receipt breaks its lines with the one Chinese line breaker, as the screens do
    "hardware": frozenset({"chinese_text"}),
    "sync": frozenset({"durable", "protocol"}),
    "seal_controller": frozenset({"durable", "protocol", "hardware", "camera", "sync"}),
    "kiosk": frozenset({"durable", "protocol", "hardware", "camera", "powerlist", "chinese_text",
                       "sync"}),
    # the console's clerk pages check a catalog with the very code `catalog validate`
    # runs, so nothing the kiosk would refuse is ever signed (county/console/clerk_catalog.py)
    "county": frozenset({"durable", "protocol", "powerlist"}),
    "device": frozenset({*LEAVES, "sync", *DEVICE_PARTS}),
    "provision": frozenset({*LEAVES, "sync", *DEVICE_PARTS, "device"}),
}
PACKAGES = (*ALLOWED, "village_edge")  # the command line may import everything


def project_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, top-level package) of every import of a project package in *path*."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES:
                yield node.lineno, top


def test_every_package_is_in_a_layer() -> None:
    found = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests", "bench"}
    assert found == set(PACKAGES)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    allowed = ALLOWED[package] | {package}
    wrong = [
        f"{path.relative_to(REPO)}:{line} imports {top}"
        for path in sorted((REPO / package).rglob("*.py"))
        for line, top in project_imports(path)
        if top not in allowed
    ]
    assert wrong == [], f"{package} may import only {sorted(allowed)}"


def test_the_rule_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("def later():\n    from village_edge.cli import main\n")
    assert list(project_imports(module)) == [(2, "village_edge")]
