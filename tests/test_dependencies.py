"""Every distribution pyproject.toml declares, as a dependency or in an extra,
is used by the repository. When one is not, it should not be installed.

How a distribution counts as used:

- **a library**: some Python file of the repository imports it (at the top
  or inside a function), under its import name (``python-escpos`` is
  ``escpos``, ``pillow`` is ``PIL``, ``pyyaml`` is ``yaml``: see
  ``IMPORT_NAMES``). A library that another library imports by name counts
  when the repository names that library's module (``lgpio``, which
  gpiozero's ``gpiozero.pins.lgpio`` pin factory loads: see
  ``LOADED_THROUGH``).
- **a pytest plugin**: a test uses what it adds. ``pytest-mock``: a test
  asks for its ``mocker`` fixture or imports ``pytest_mock``;
  ``pytest-timeout``: pyproject's pytest settings set ``timeout`` or a test
  is marked ``pytest.mark.timeout``.
- **a tool**: a test or ``.ci/run`` runs it (``[sys.executable, "-m",
  "ruff", ...]`` in a test, or the command at the start of a line of
  ``.ci/run``).
- **type stubs** (``types-*``): the module they describe is imported
  somewhere, since mypy reads stubs only for modules the checked code
  imports.
"""

from __future__ import annotations

import ast
import itertools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.doc_references import repository_files

#: Distribution -> the module it is imported as, where the two differ.
IMPORT_NAMES = {"python-escpos": "escpos", "pillow": "PIL", "pyyaml": "yaml",
                "pytest-mock": "pytest_mock", "zxing-cpp": "zxingcpp",
                "argon2-cffi": "argon2"}
#: Distribution -> the module of another library that imports it.
LOADED_THROUGH = {"lgpio": "gpiozero.pins.lgpio"}
#: Stub distribution -> the module it describes, where that is not the name
#: after ``types-``.
STUBS_FOR = {"types-pyyaml": "yaml", "types-pyserial": "serial"}
PLUGIN_USES = {"pytest-mock": ("fixture:mocker", "import:pytest_mock"),
               "pytest-timeout": ("ini:timeout", "marker:timeout")}
TOOLS = frozenset({"pytest", "ruff", "mypy"})


@dataclass
class Evidence:
    """What the repository uses: imports, names of modules in its code,
    fixtures its tests ask for, markers, pytest settings, tools it runs."""

    imports: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    fixtures: set[str] = field(default_factory=set)
    markers: set[str] = field(default_factory=set)
    ini: set[str] = field(default_factory=set)
    tools_run: set[str] = field(default_factory=set)


def distribution_name(requirement: str) -> str:
    """The normalised name of a PEP 508 requirement (``types-PyYAML`` ->
    ``types-pyyaml``, ``python-escpos[usb]>=3`` -> ``python-escpos``)."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match, f"not a requirement: {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def declared(pyproject: dict[str, object]) -> dict[str, str]:
    """Every declared distribution -> where: ``dependencies`` or the extra's name."""
    project = pyproject["project"]
    assert isinstance(project, dict)
    found = {distribution_name(r): "dependencies" for r in project.get("dependencies", [])}
    for extra, requirements in project.get("optional-dependencies", {}).items():
        found.update({distribution_name(r): extra for r in requirements})
    return found


def gather(root: Path) -> Evidence:
    evidence = Evidence()
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    evidence.ini = set(pyproject.get("tool", {}).get("pytest", {}).get("ini_options", {}))
    for path in repository_files(root):
        if path.suffix == ".py":
            read_python(ast.parse((root / path).read_text(encoding="utf-8")), evidence)
    for line in (root / ".ci/run").read_text(encoding="utf-8").splitlines():
        command = line.strip().split(" ")[0]
        evidence.tools_run.add(command.rpartition("/")[2])
    return evidence


def read_python(tree: ast.Module, evidence: Evidence) -> None:
    """Add what one Python module uses to *evidence*."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            evidence.imports.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            evidence.imports.add(node.module.split(".")[0])
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            evidence.fixtures.update(arg.arg for arg in node.args.args)
        elif isinstance(node, ast.FunctionDef):
            decorators = [ast.unparse(d) for d in node.decorator_list]
            if any(d.startswith("pytest.fixture") for d in decorators):
                evidence.fixtures.update(arg.arg for arg in node.args.args)
        elif isinstance(node, ast.Attribute) and ast.unparse(node.value) == "pytest.mark":
            evidence.markers.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            evidence.strings.add(node.value)
        elif isinstance(node, ast.List):
            words = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            for before, after in itertools.pairwise(words):
                if before == "-m" and isinstance(after, str):
                    evidence.tools_run.add(after)


def is_used(distribution: str, evidence: Evidence) -> bool:
    if distribution.startswith("types-"):
        stubbed = STUBS_FOR.get(distribution, distribution.removeprefix("types-"))
        return stubbed in evidence.imports
    if distribution in LOADED_THROUGH:
        module = LOADED_THROUGH[distribution]
        return any(module in text for text in evidence.strings)
    if distribution in TOOLS and distribution in evidence.tools_run:
        return True
    uses = {f"import:{IMPORT_NAMES.get(distribution, distribution.replace('-', '_'))}"}
    uses.update(PLUGIN_USES.get(distribution, ()))
    present = ({f"import:{name}" for name in evidence.imports}
               | {f"fixture:{name}" for name in evidence.fixtures}
               | {f"marker:{name}" for name in evidence.markers}
               | {f"ini:{name}" for name in evidence.ini})
    return bool(uses & present)


PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
DECLARED = declared(PYPROJECT)


@pytest.fixture(scope="module")
def evidence() -> Evidence:
    return gather(REPO)


@pytest.mark.parametrize("distribution", sorted(DECLARED))
def test_every_declared_distribution_is_used(distribution: str, evidence: Evidence) -> None:
    used = is_used(distribution, evidence)
    assert used, (f"{distribution} (in {DECLARED[distribution]}) is used nowhere in the "
                  "repository: remove it from pyproject.toml, or see this test's docstring "
                  "for what counts as a use")


def test_only_the_benchmark_needs_tinydb() -> None:
    assert DECLARED["tinydb"] == "bench"


# --- the rule itself -------------------------------------------------------

def uses(source: str) -> Evidence:
    found = Evidence()
    read_python(ast.parse(source), found)
    return found


def test_a_library_counts_when_imported_by_its_import_name() -> None:
    assert is_used("pillow", uses("from PIL import Image"))
    assert is_used("python-escpos", uses("def later():\n    import escpos.printer\n"))
    assert not is_used("tinydb", uses("# tinydb is not used here\nimport json\n"))


def test_a_plugin_counts_when_a_test_uses_what_it_adds() -> None:
    assert is_used("pytest-mock", uses("def test_camera(mocker):\n    pass\n"))
    assert not is_used("pytest-mock", uses("def test_camera(tmp_path):\n    pass\n"))
    assert is_used("pytest-timeout", uses("@pytest.mark.timeout(5)\ndef test_x():\n    pass\n"))
    assert is_used("pytest-timeout", Evidence(ini={"timeout", "markers"}))


def test_a_tool_counts_when_a_test_runs_it() -> None:
    assert is_used("ruff", uses('run([sys.executable, "-m", "ruff", "check"])'))
    assert not is_used("mypy", uses('run([sys.executable, "-m", "ruff", "check"])'))


def test_stubs_count_when_their_module_is_imported() -> None:
    assert is_used("types-requests", uses("import requests"))
    assert is_used("types-pyyaml", uses("import yaml"))
    assert not is_used("types-pyserial", uses("import requests"))


def test_a_library_loaded_by_another_counts_when_that_module_is_named() -> None:
    assert is_used("lgpio", uses('FACTORIES = {"lgpio": "gpiozero.pins.lgpio:LGPIOFactory"}'))
    assert not is_used("lgpio", uses('FACTORIES = {"mock": "gpiozero.pins.mock:MockFactory"}'))


def test_requirement_names_are_normalised() -> None:
    assert distribution_name("types-PyYAML") == "types-pyyaml"
    assert distribution_name("python-escpos[usb,serial]>=3.1") == "python-escpos"
    assert distribution_name(
        "lgpio>=0.2; platform_machine == 'aarch64' or platform_machine == 'armv7l'") == "lgpio"
