"""One table of exit statuses, the same in the code, ``--help`` and the
README; how a failure that is nobody's input (a full disk, a bug, Ctrl-C)
is said."""

from __future__ import annotations

import errno
import importlib
import re
import subprocess
import sys
from collections.abc import Callable
from typing import NoReturn

import pytest

from device.config import DEFAULT_CONFIG_PATH
from protocol.approval_token import MAX_USES, MIN_USES
from tests.conftest import REPO
from tests.village_edge.inprocess import Ran, village_edge
from village_edge import arguments, county_seal_commands, exits, failures
from village_edge.cli import COMMANDS


def statuses() -> dict[str, int]:
    return {name: value for name, value in vars(exits).items()
            if name.isupper() and isinstance(value, int)}


def table_rows(text: str) -> list[int]:
    return [int(m.group(1)) for m in re.finditer(r"^ {2,}(\d+)  \S", text, re.MULTILINE)]


def test_the_table_has_every_status_once() -> None:
    assert sorted(table_rows(exits.table())) == sorted(set(statuses().values()))


def test_help_shows_the_table() -> None:
    result = subprocess.run([sys.executable, "-m", "village_edge", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    assert exits.table() in result.stdout


def test_the_readme_shows_the_same_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    assert table_rows(section) == table_rows(exits.table())
    for line in exits.table().splitlines()[1:]:
        if re.match(r" {2,}\d+  ", line):
            assert line.strip() in section, line


def test_every_error_class_the_table_names_exists() -> None:
    names = [*failures.BY_CLASS, *failures.BY_PACKAGE, *failures.WITH_PROBLEMS]
    for name in names:
        module, _, attribute = name.rpartition(".")
        found = getattr(importlib.import_module(module), attribute)
        assert isinstance(found, type) and issubclass(found, BaseException), name


def test_copies_kept_to_start_quickly_are_equal() -> None:
    assert arguments.DEFAULT_CONFIG_PATH == DEFAULT_CONFIG_PATH
    assert (county_seal_commands.MIN_USES, county_seal_commands.MAX_USES) == (MIN_USES, MAX_USES)


def failing(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> Callable[..., Ran]:
    """``village-edge catalog validate FILE`` whose command raises *error*:
    the narrowest seam to a disk that fills up or a bug."""
    def command(*_: object) -> NoReturn:
        raise error

    monkeypatch.setitem(COMMANDS, "catalog", command)
    return lambda: village_edge("catalog", "validate", str(REPO / "README.md"))


@pytest.mark.parametrize(("code", "status", "words"), [
    (errno.ENOSPC, 74, "the disk is full"),
    (errno.EROFS, 74, "read-only"),
    (errno.EIO, 74, "SD card may be failing"),
    (errno.ENOENT, 66, "No such file"),
])
def test_a_disk_that_fails_is_one_line(monkeypatch: pytest.MonkeyPatch, code: int, status: int,
                                       words: str) -> None:
    import os

    ran = failing(monkeypatch, OSError(code, os.strerror(code), "/var/lib/village-edge/x"))()
    assert ran.status == status and ran.out == ""
    assert ran.error.startswith("village-edge catalog validate: /var/lib/village-edge/x: ")
    assert words in ran.error


def test_a_bug_is_status_70_and_its_traceback_only_when_asked(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    run = failing(monkeypatch, ZeroDivisionError("division by zero"))
    ran = run()
    assert ran.status == 70
    assert ran.error == ("village-edge catalog validate: internal error (a bug): "
                         "ZeroDivisionError: division by zero; run again with "
                         "VILLAGE_EDGE_DEBUG=1 to see the traceback, and report it")
    monkeypatch.setenv("VILLAGE_EDGE_DEBUG", "1")
    debug = run()
    assert debug.status == 70 and "Traceback (most recent call last)" in debug.err
    assert debug.err.splitlines()[-1] == ran.error


def test_ctrl_c_is_130_and_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    ran = failing(monkeypatch, KeyboardInterrupt())()
    assert (ran.status, ran.err, ran.out) == (130, "village-edge catalog validate: "
                                                   "interrupted\n", "")


def test_help_and_version_are_results() -> None:
    for argv in (["--help"], ["county", "approve", "--help"], ["--version"]):
        ran = village_edge(*argv)
        assert ran.status == 0 and ran.err == "" and ran.out, argv
