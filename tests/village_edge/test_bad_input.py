"""Bad input to every subcommand, as a user would give it, through the real
``village-edge`` process: unknown options, missing arguments, numbers out
of range, paths that are missing, of the wrong kind, unreadable (run as an
unprivileged user: root reads anything), unwritable, or empty files.

The cases come from the real parser: every command a user can run must
have a valid invocation in :data:`BASE` (so a new subcommand cannot escape),
and every argument typed as a number, screen size or path is tried with
bad values (so a new argument cannot either; a bare ``type=int``, ``float``
or ``Path`` fails :func:`test_every_argument_is_typed`).

Each case expects the documented status (:mod:`village_edge.exits`), one
line on stderr naming the command (or, for a file with several problems,
the documented shape), nothing on stdout, no traceback, and the files
around it (the state, the county, home, the working directory) unchanged.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from county.datadir import init_county
from powerlist import sample_text
from protocol import tracking
from protocol.complaint_status import STATUSES
from seal_controller.ledger import Ledger
from tests.conftest import REPO
from tests.provision.test_provision_firstboot import boot_text
from tests.village_edge.inprocess import error_shape
from tests.village_edge.test_cli import write_config
from tests.village_edge.trees import snapshot
from village_edge.arguments import (
    FloatRange,
    IntRange,
    PathArg,
    ScreenSize,
    chosen_parsers,
    leaf_parsers,
)
from village_edge.cli import build_parser

NOBODY = 65534
USAGE, DATA, NO_INPUT, CANT_CREATE, CONFIG = 64, 65, 66, 73, 78

#: A valid invocation of every command: its arguments by option string or, for
#: a positional, by its dest; {name} is a path in the :class:`World`. Never
#: run as it is (it would run the command); each case spoils one argument.
BASE: dict[tuple[str, ...], dict[str, str | None]] = {
    ("doctor",): {"--config": "{config}"},
    ("hw", "selftest"): {"--config": "{config}"},
    ("sync", "enroll"): {"--config": "{config}", "--code": "AAAA-BBBB-CCCC"},
    ("sync", "run"): {"--config": "{config}", "--once": None},
    ("sync", "status"): {"--config": "{config}"},
    ("county", "serve"): {"--port": "0", "--data": "{scratch}/county"},
    ("county", "migrate"): {"--data": "{scratch}/county"},
    ("county", "enroll-code"): {"--device": "ve-x-1", "--role": "all", "--data": "{county}"},
    ("county", "publish"): {"kind": "catalog", "file": "{document}", "--days": "30",
                            "--data": "{county}"},
    ("county", "stats"): {"--data": "{county}"},
    ("county", "key"): {"--data": "{county}"},
    ("county", "requests"): {"--data": "{county}"},
    ("county", "approve"): {"--request": "R1", "--uses": "1", "--minutes": "10",
                            "--qr": "{scratch}/approval.png", "--data": "{county}"},
    ("county", "refuse"): {"--request": "R1", "--reason": "材料不全", "--data": "{county}"},
    ("county", "stamps"): {"--data": "{county}"},
    ("county", "stamp-photo"): {"--device": "ve-x-1", "--seq": "1",
                                "--out": "{scratch}/photo.jpg", "--data": "{county}"},
    ("county", "complaints"): {"--data": "{county}"},
    ("county", "complaint-key"): {"--data": "{county}"},
    ("county", "clear-ledger"): {"--device": "ve-x-1", "--data": "{county}"},
    ("county", "complaint-status"): {"--code": tracking.new_code(), "--status": STATUSES[0],
                                     "--date": "2024-06-20", "--data": "{county}"},
    ("county", "admin", "create"): {"--name": "wang", "--role": "approver",
                                    "--village": "330226100201", "--level": "village",
                                    "--password-stdin": None, "--data": "{county}"},
    ("county", "admin", "password"): {"--name": "wang", "--password-stdin": None,
                                      "--data": "{county}"},
    ("county", "admin", "disable"): {"--name": "wang", "--data": "{county}"},
    ("county", "admin", "list"): {"--data": "{county}"},
    ("county", "screenshots"): {"directory": "{scratch}/console"},
    ("catalog", "validate"): {"file": str(REPO / "powerlist/samples/sample-catalog.toml")},
    ("seal", "run"): {"--config": "{config}", "--simulate": None},
    ("seal", "simulate"): {"--scenario": "approved-session", "--state": "{scratch}/sim",
                           "--kill-after-seq": "3"},
    ("seal", "screenshots"): {"directory": "{scratch}/panel", "--size": "800x480"},
    ("seal", "ledger", "verify"): {"directory": "{ledger}"},
    ("provision",): {"--boot-config": "{boot}", "--dry-run": None,
                     "--config-out": "{scratch}/config.toml", "--state-dir": "{scratch}/state",
                     "--template": str(REPO / "docs/config.example.toml"),
                     "--kiosk-env": "{scratch}/kiosk.env", "--wifi-dir": "{scratch}/nm"},
    ("update", "apply"): {"--from": "{release}", "--root": "{device}", "--deadline": "5",
                          "--settle": "1"},
    ("update", "rollback"): {"--root": "{device}", "--deadline": "5", "--settle": "1"},
    ("update", "verify"): {"--root": "{device}", "--deadline": "5", "--settle": "1"},
    ("update", "status"): {"--root": "{device}"},
    ("kiosk",): {"--config": "{config}", "--size": "800x480"},
    ("kiosk", "screenshots"): {"--config": "{config}", "directory": "{scratch}/screens",
                               "--size": "800x480"},
    ("demo",): {"--speed": "2"},
}

#: What an empty file does where a file is read: (status, shape). "line" is one
#: line on stderr, "problems" the documented shape of several, "report" a
#: check's report on stdout with nothing on stderr.
EMPTY_FILE: dict[str, tuple[int, str]] = {
    "--config": (CONFIG, "problems"),
    "catalog validate file": (1, "report"),
    "county publish file": (DATA, "problems"),  # a catalog: every problem listed
    "seal simulate --scenario": (DATA, "line"),
    "provision --boot-config": (CONFIG, "problems"),
    "provision --template": (DATA, "problems"),
    "update apply --from": (DATA, "line"),
}
#: What an empty directory does where a directory is read.
EMPTY_DIR: dict[str, tuple[int, str]] = {
    "--data": (NO_INPUT, "line"),  # no county there
    "seal ledger verify directory": (NO_INPUT, "line"),  # no ledger.log
    "--root": (CONFIG, "line"),  # not an installed device
}


@dataclass
class World:
    """Everything the commands are pointed at, reachable by an unprivileged user."""

    root: Path
    paths: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Path:
        return self.root / name

    def fill(self, value: str) -> str:
        return value.format(**self.paths)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    root = Path(tempfile.mkdtemp(prefix="bad-input-", dir="/tmp"))  # not under 0700 dirs
    root.chmod(0o755)
    made = World(root)
    for name in ("home", "cwd", "scratch", "empty-dir", "locked", "read-only", "release"):
        (root / name).mkdir(mode=0o755)
    (root / "scratch").chmod(0o777)  # where outputs would go: writable by nobody too
    (root / "empty-file").touch()
    (root / "a-file").write_text("not a directory\n")
    (root / "locked/unreadable-file").write_text("[device]\n")
    (root / "locked/unreadable-dir").mkdir()
    (root / "locked/unreadable-file").chmod(0o000)
    (root / "locked/unreadable-dir").chmod(0o000)
    state = root / "state"
    config = write_config(root, state=state)
    state.mkdir()
    (state / "sync-status.json").write_text('{"last_success": 1700000000}')
    init_county(root / "county")
    (root / "catalog.toml").write_text(sample_text(), encoding="utf-8")
    with Ledger(root / "ledger", lambda: 1000.0) as ledger:
        ledger.append("requested", req="r1", slot="party", uses=1)
    (root / "boot.toml").write_text(boot_text("https://county.example.cn",
                                              key_fingerprint="0123456789abcdef",
                                              enroll_code="K7QM-3XPA-9TRW"), encoding="utf-8")
    device = root / "device"
    (device / "etc/village-edge").mkdir(parents=True)
    (device / "etc/village-edge/config.toml").write_text(
        '[device]\nrole = "seal"\n[paths]\nstate_dir = "/var/lib/village-edge"\n')
    (device / "var/lib/village-edge").mkdir(parents=True)
    (device / "opt/village-edge").mkdir(parents=True)
    (device / "opt/village-edge/update.lock").touch()  # as an earlier update left it
    made.paths = {"config": str(config), "scratch": str(root / "scratch"),
                  "county": str(root / "county"), "document": str(root / "catalog.toml"),
                  "ledger": str(root / "ledger"), "boot": str(root / "boot.toml"),
                  "device": str(device), "release": str(root / "release")}
    yield made
    shutil.rmtree(root)


@dataclass(frozen=True)
class Case:
    """One bad invocation and what it must do."""

    label: str
    argv: list[str]
    status: int
    shape: str = "line"  # "line", "problems" or "report"
    mentions: str = ""  # a text the error line must contain
    as_nobody: bool = False


def argv_of(words: tuple[str, ...], spec: dict[str, str | None], world: World) -> list[str]:
    """The command line: each option after the word of the parser that owns it,
    the leaf's positionals in order."""
    parser = build_parser()
    chain = [parser, *(_chain_of(parser, words))]
    placed: dict[int, list[str]] = {i: [] for i in range(len(chain))}
    for key, value in spec.items():
        owner = max(i for i, p in enumerate(chain) if _action(p, key) is not None)
        if key.startswith("-"):
            placed[owner] += [key] if value is None else [key, world.fill(value)]
    positionals = [a.dest for a in chain[-1]._actions
                   if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]
    argv = [*placed[0]]
    for i, word in enumerate(words, start=1):
        argv += [word, *placed[i]]
    return argv + [world.fill(str(spec[name])) for name in positionals if name in spec]


def _chain_of(parser: argparse.ArgumentParser,
              words: tuple[str, ...]) -> list[argparse.ArgumentParser]:
    chain, current = [], parser
    for word in words:
        action = next(a for a in current._actions if isinstance(a, argparse._SubParsersAction))
        current = action.choices[word]
        chain.append(current)
    return chain


def _action(parser: argparse.ArgumentParser, key: str) -> argparse.Action | None:
    for action in parser._actions:
        if key in action.option_strings or (not action.option_strings and action.dest == key):
            return action
    return None


def typed_arguments(words: tuple[str, ...]) -> Iterator[tuple[str, object]]:
    """(key, type) of every argument of the command's parsers with a checked type."""
    parser = build_parser()
    for chosen in [parser, *_chain_of(parser, words)]:
        for action in chosen._actions:
            if isinstance(action.type, IntRange | FloatRange | ScreenSize | PathArg):
                key = action.option_strings[0] if action.option_strings else action.dest
                yield key, action.type


def bad_numbers(kind: IntRange | FloatRange) -> list[str]:
    if isinstance(kind, IntRange):
        return [str(kind.low - 1), str(kind.high + 1), "many"]
    low = kind.above if kind.above is not None else (kind.low or 0) - 1
    return [f"{low:g}", f"{kind.high * 2:g}", "nan", "inf", "many"]


def cases_for(words: tuple[str, ...], world: World) -> list[Case]:
    """Every bad invocation of the command *words*."""
    base = BASE[words]
    name = " ".join(words)
    leaf = leaf_parsers(build_parser())[words]
    cases = [Case("an unknown option", [*argv_of(words, base, world), "--no-such-option"],
                  USAGE, mentions="--no-such-option")]
    required = {key for key in base if (action := _action(leaf, key)) is not None
                and (action.required or not action.option_strings)}
    if required:
        spec = {k: v for k, v in base.items() if k not in required}
        cases.append(Case("the required arguments left out", argv_of(words, spec, world), USAGE,
                          mentions="required"))
    for key, kind in typed_arguments(words):
        if key == "--config" and key not in base:
            continue  # a command that reads no configuration
        cases += argument_cases(words, name, key, kind, base, world)
    return cases


def argument_cases(words: tuple[str, ...], name: str, key: str, kind: object,
                   base: dict[str, str | None], world: World) -> list[Case]:
    def spoiled(value: str, *, dry_run: bool = True) -> list[str]:
        spec = {**base, key: value}
        if not dry_run:
            spec.pop("--dry-run", None)  # a dry run checks no outputs
        return argv_of(words, spec, world)

    place = f"{name} {key}"
    if isinstance(kind, IntRange | FloatRange):
        return [Case(f"{key} {bad}", spoiled(bad), USAGE, mentions=f"argument {key}")
                for bad in bad_numbers(kind)]
    if isinstance(kind, ScreenSize):
        return [Case(f"{key} {bad}", spoiled(bad), USAGE, mentions=f"argument {key}")
                for bad in ("0x0", "800", "99999x99999")]
    assert isinstance(kind, PathArg)
    if kind.role == "output":
        wrong = world["a-file"] if kind.form == "dir" else world["empty-dir"]
        cases = [Case(f"{key} {kind.form}: the wrong kind", spoiled(str(wrong), dry_run=False),
                      CANT_CREATE, mentions=str(wrong))] if kind.form != "any" else []
        if kind.writable_now:
            target = world["read-only"] / "new"
            cases.append(Case(f"{key} in a directory nobody may write",
                              spoiled(str(target), dry_run=False), CANT_CREATE,
                              mentions=str(target), as_nobody=True))
        return cases
    missing = world["missing"] / "file.toml"
    cases = [Case(f"{key} missing", spoiled(str(missing)), NO_INPUT, mentions=str(missing))]
    if kind.form == "file":
        cases.append(Case(f"{key}: a directory for a file", spoiled(str(world["empty-dir"])),
                          NO_INPUT, mentions=str(world["empty-dir"])))
    if kind.form == "dir":
        cases.append(Case(f"{key}: a file for a directory", spoiled(str(world["a-file"])),
                          NO_INPUT, mentions=str(world["a-file"])))
    unreadable = world["locked"] / ("unreadable-dir" if kind.form == "dir" else "unreadable-file")
    cases.append(Case(f"{key} unreadable", spoiled(str(unreadable)), NO_INPUT,
                      mentions=str(unreadable), as_nobody=True))
    empties = EMPTY_DIR if kind.form == "dir" else EMPTY_FILE
    expected = empties.get(place) or empties.get(key)
    assert expected is not None, f"{place}: say in EMPTY_FILE/EMPTY_DIR what an empty one does"
    empty = world["empty-dir"] if kind.form == "dir" else world["empty-file"]
    cases.append(Case(f"{key} empty", spoiled(str(empty)), *expected,
                      mentions=str(empty) if expected[1] == "line" else ""))
    return cases


def run(case: Case, world: World) -> subprocess.CompletedProcess[str]:
    """The case as a real process: as root, or as nobody (who cannot read a
    mode-000 file or write in root's directories)."""
    env = {"PATH": os.environ["PATH"], "HOME": str(world["home"]), "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1"}
    become = (["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
              if case.as_nobody else [])
    return subprocess.run([*become, sys.executable, "-m", "village_edge", *case.argv],
                          cwd=world["cwd"], env=env, capture_output=True, text=True,
                          timeout=120)


def judge(case: Case, result: subprocess.CompletedProcess[str], prog: str) -> list[str]:
    """What is wrong with how the command met *case*."""
    said = f"{case.label}: {case.argv}\n  status {result.returncode}\n" \
           f"  stdout {result.stdout[-600:]!r}\n  stderr {result.stderr[-900:]!r}"
    wrong = []
    if "Traceback" in result.stdout + result.stderr:
        wrong.append("a traceback")
    if result.returncode != case.status:
        wrong.append(f"status {result.returncode}, not {case.status}")
    if case.shape == "report":
        if result.stderr or not result.stdout:
            wrong.append("a check's report belongs on stdout, nothing on stderr")
    else:
        if result.stdout:
            wrong.append("something on stdout")
        lines = result.stderr.splitlines()
        if case.shape == "line" and len(lines) != 1:
            wrong.append(f"{len(lines)} lines on stderr, not one")
        try:
            error_shape(result.stderr, prog) if lines else None
        except AssertionError:
            wrong.append(f"stderr is not '{prog}: ...' in the documented shape")
        if case.mentions and case.mentions not in result.stderr:
            wrong.append(f"the error does not name {case.mentions!r}")
    return [f"{said}\n  WRONG: {', '.join(wrong)}"] if wrong else []


def test_every_command_has_a_valid_invocation_here() -> None:
    assert set(leaf_parsers(build_parser())) == set(BASE)


def test_every_argument_is_typed() -> None:
    """No bare int, float or Path: each number, size and path goes through a
    type that says what is valid, so the cases here reach it."""
    untyped = [f"{' '.join(words)} {action.option_strings or action.dest}: {action.type}"
               for words, leaf in leaf_parsers(build_parser()).items()
               for action in leaf._actions if action.type in (int, float, Path)]
    assert untyped == []


@pytest.mark.parametrize("words", sorted(BASE), ids=" ".join)
def test_bad_input_gets_one_line_and_its_status(words: tuple[str, ...], world: World) -> None:
    parser = build_parser()
    cases = cases_for(words, world)
    prog = chosen_parsers(parser, parser.parse_args(argv_of(words, BASE[words], world)))[-1].prog
    watched = world.root
    before = snapshot(watched)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: run(case, world), cases))
    wrong = [line for case, result in zip(cases, results, strict=True)
             for line in judge(case, result, prog)]
    assert wrong == [], "\n\n".join(wrong)
    after = snapshot(watched)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [], f"{' '.join(words)} changed {changed}"


def test_settle_must_be_below_the_deadline(world: World) -> None:
    case = Case("--settle at the deadline",
                argv_of(("update", "verify"), {**BASE[("update", "verify")], "--settle": "5"},
                        world), USAGE, mentions="--settle")
    assert judge(case, run(case, world), "village-edge update verify") == []


def test_a_county_database_that_cannot_be_used(world: World) -> None:
    """A directory named county.db, and a county whose files only root may
    write, run as nobody: one line each, its status, the county untouched."""
    before = snapshot(world.root)
    broken = world["scratch"] / "broken-county"
    init_county(broken)
    (broken / "county.db").unlink()
    (broken / "county.db").mkdir()
    cases = [
        Case("county.db a directory", ["county", "stats", "--data", str(broken)], NO_INPUT,
             mentions=f"{broken}/county.db is not a file"),
        Case("a database nobody may write", ["county", "requests", "--data", world.paths[
            "county"]], CANT_CREATE, mentions="cannot be written by this user", as_nobody=True),
        Case("a key nobody may read", ["county", "key", "--data", world.paths["county"]],
             NO_INPUT, mentions="county.key: Permission denied", as_nobody=True),
    ]
    county = Path(world.paths["county"])
    county.chmod(0o755)  # its files stay root's, 0600 and 0644
    try:
        wrong = [line for case in cases
                 for line in judge(case, run(case, world), f"village-edge county {case.argv[1]}")]
    finally:
        county.chmod(0o700)
        shutil.rmtree(broken)
    assert wrong == [], "\n\n".join(wrong)
    assert snapshot(world.root) == before  # the county as it was (and the broken one gone)
