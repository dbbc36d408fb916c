"""The documentation stays true to the repository: every path and every
module a document, docstring or comment names exists, and nothing points to
files a user of this repository does not have. The rules are in
``tests/doc_references.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.doc_references import (
    Passage,
    Repository,
    find_problems,
    problems_in,
    python_passages,
)

REPOSITORY = Repository.at(REPO)


def problems(text: str, file: str = "docs/sample.md", module: str | None = None,
             cls: str | None = None) -> list[str]:
    passage = Passage(Path(file), 1, text, module, cls)
    return [problem.message for problem in problems_in(passage, REPOSITORY)]


def test_every_path_and_module_the_docs_name_exists() -> None:
    found = find_problems(REPO)
    assert found == [], "\n".join(str(problem) for problem in found)


def test_nothing_points_to_a_folder_beside_the_repository() -> None:
    this_file = Path(__file__).relative_to(REPO)  # its samples name it on purpose
    named = [str(path) for path in REPOSITORY.files if path != this_file
             and "../shared/" in (REPO / path).read_text(encoding="utf-8", errors="replace")]
    assert named == []


def test_the_readme_leads_to_the_architecture() -> None:
    assert "docs/architecture.md" in (REPO / "README.md").read_text(encoding="utf-8")


# --- the checker itself ----------------------------------------------------

def test_a_path_that_does_not_exist_is_caught() -> None:
    assert problems("see `docs/sync.md` and `docs/outbox.md`") == ["docs/outbox.md does not exist"]
    assert problems("tests in tests/hardware/test_contract_hw.py") == []
    assert problems("tests in tests/hardware/test_contract.py.") == [
        "tests/hardware/test_contract.py does not exist"]
    assert problems("[the format](docs/catalog-formats.md)") == [
        "docs/catalog-formats.md does not exist"]


def test_a_path_outside_the_repository_is_caught() -> None:
    assert problems("See `../shared/DOMAIN.md` for the domain.") == [
        "../shared/DOMAIN.md points outside the repository"]


def test_a_markdown_file_named_alone_must_be_in_the_repository() -> None:
    assert problems("see README.md and sync.md") == []
    assert problems("a table to check against DOMAIN.md.") == [
        "DOMAIN.md: no Markdown file of that name in the repository"]


def test_paths_on_a_device_and_addresses_are_not_repository_paths() -> None:
    text = ("`/etc/village-edge/config.toml`, ~/pi-gen/deploy/, $VENV/bin/python, "
            "STATE/outbox/, kiosk or seal, https://github.com/RPi-Distro/pi-gen/docs/x")
    assert problems(text) == []


def test_a_path_may_be_relative_to_the_folder_that_names_it() -> None:
    assert problems("`udev/70-village-edge-printer.rules`", file="systemd/README.md") == []
    assert problems("`udev/71-village-edge-scanner.rules`", file="systemd/README.md") == [
        "udev/71-village-edge-scanner.rules does not exist"]


def test_a_module_that_does_not_exist_is_caught() -> None:
    assert problems("the outbox (`sync.outbox`), the agent (`sync.agents`)") == [
        "no module or attribute sync.agents"]
    assert problems("run `python -m provision.consoles` as root") == [
        "no module provision.consoles"]
    assert problems("the old path :mod:`seal_controller.token`") == [
        "no module seal_controller.token"]


def test_an_attribute_that_does_not_exist_is_caught() -> None:
    assert problems(":func:`county.approvals.approve` and "
                    ":class:`~hardware.station.Station`") == []
    assert problems(":class:`~hardware.station.SealStation`") == [
        "no module or attribute ~hardware.station.SealStation"]
    assert problems(":mod:`county.approvals.approve`") == [
        "no module county.approvals.approve"]


def test_a_role_is_looked_up_in_its_class_and_module_first() -> None:
    assert problems(":attr:`problems` lists why", module="powerlist.errors",
                    cls="CatalogError") == []
    assert problems(":attr:`reasons` lists why", module="powerlist.errors",
                    cls="CatalogError") == ["no module or attribute reasons"]
    assert problems(":mod:`.feeds` and :mod:`.services`", module="kiosk.viewmodels") == []
    assert problems(":mod:`.feed`", module="kiosk.viewmodels") == ["no module .feed"]


def test_file_names_and_other_libraries_are_not_project_modules() -> None:
    assert problems("`kiosk.env`, ``county.db``, :class:`subprocess.TimeoutExpired`, "
                    ":class:`gpiozero.OutputDevice`") == []
    assert problems(":class:`subprocess.TimeoutExpire`") == [
        "no module or attribute subprocess.TimeoutExpire"]


@pytest.mark.parametrize("where", ["module", "class", "method", "comment"])
def test_docstrings_and_comments_are_read(where: str) -> None:
    wrong = "see docs/nowhere.md"
    sources = {
        "module": f'"""{wrong}"""\n',
        "class": f'class A:\n    """{wrong}"""\n',
        "method": f'class A:\n    def f(self) -> None:\n        """{wrong}"""\n',
        "comment": f"x = 1  # {wrong}\n",
    }
    read = list(python_passages(Path("sync/sample.py"), sources[where]))
    found = [str(problem) for passage in read for problem in problems_in(passage, REPOSITORY)]
    assert found == [f"sync/sample.py:{sources[where].count(chr(10))}: "
                     "docs/nowhere.md does not exist"]
