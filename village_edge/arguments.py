"""The command line's parser and the kinds of argument it takes.

:class:`Parser` turns every usage error into one line on stderr and exit
status 64. Numbers are taken through :class:`IntRange` and
:class:`FloatRange` (finite, within bounds), screen sizes through
:class:`ScreenSize`, and every path through a :class:`PathArg` that says
whether the command reads it or writes it and whether it is a file or a
directory; :func:`check_paths` then checks the paths of the command chosen,
before anything runs, so a missing, unreadable or unwritable path is one
clear line with its own status. A test walks the parser and tries every
argument of these kinds with bad values, so each new argument is covered.
"""

from __future__ import annotations

import argparse
import math
import os
import stat
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from village_edge.errors import CliError
from village_edge.exits import CANT_CREATE, IO_ERROR, NO_INPUT, USAGE

#: Where ``--config`` points by default: :data:`device.config.DEFAULT_CONFIG_PATH`
#: (a test keeps them equal; importing that module would slow every start).
DEFAULT_CONFIG_PATH = Path("/etc/village-edge/config.toml")


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and status 64;
    sub-parsers are made of the same class."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:  # said by the subcommand they were given to, not by the top parser
            chosen_parsers(self, parsed)[-1].error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed


if TYPE_CHECKING:
    _SubcommandsBase = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    _SubcommandsBase = argparse._SubParsersAction


class Subcommands(_SubcommandsBase):
    """Subcommands, some of them built only when needed: :meth:`add_later`
    lists a command and its help at once, but imports its module and builds
    its parser only when the command is named on the command line (or its
    parser is asked for, as ``leaf_parsers`` does), so ``village-edge kiosk``
    imports no other command's module. Use as
    ``parser.add_subparsers(action=Subcommands, ...)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._name_parser_map = self.choices = ParsersByName(self)  # type: ignore[assignment]

    def add_later(self, name: str, help: str,
                  build: Callable[[Subcommands], None]) -> None:
        """List *name* with *help*; *build* adds its parser (through
        :meth:`add_parser`) when it is first needed."""
        self._choices_actions.append(self._ChoicesPseudoAction(name, (), help))
        parsers = self._name_parser_map
        assert isinstance(parsers, ParsersByName)
        parsers.later(name, build)

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parsers = self._name_parser_map
        assert isinstance(parsers, ParsersByName)
        if not parsers.is_waiting(name):
            return super().add_parser(name, **kwargs)
        kwargs.pop("help", None)  # listed already, by add_later
        if kwargs.get("prog") is None:
            kwargs["prog"] = f"{self._prog_prefix} {name}"
        parser = self._parser_class(**kwargs)
        parsers.built(name, parser)
        return parser


class ParsersByName(MutableMapping[str, argparse.ArgumentParser]):
    """A :class:`Subcommands`' parsers by command name, in the order they
    were added; a parser added later is built on first access."""

    def __init__(self, owner: Subcommands) -> None:
        self._owner = owner
        self._parsers: dict[str, argparse.ArgumentParser | None] = {}
        self._builders: dict[str, Callable[[Subcommands], None]] = {}

    def later(self, name: str, build: Callable[[Subcommands], None]) -> None:
        self._parsers[name] = None
        self._builders[name] = build

    def is_waiting(self, name: str) -> bool:
        return name in self._builders

    def built(self, name: str, parser: argparse.ArgumentParser) -> None:
        self._builders.pop(name)
        self._parsers[name] = parser

    def __getitem__(self, name: str) -> argparse.ArgumentParser:
        parser = self._parsers[name]
        if parser is None:
            self._builders[name](self._owner)
            parser = self._parsers[name]
            if parser is None:
                raise LookupError(f"building the parser of {name!r} did not add it")
        return parser

    def __setitem__(self, name: str, parser: argparse.ArgumentParser) -> None:
        self._parsers[name] = parser

    def __delitem__(self, name: str) -> None:
        del self._parsers[name]
        self._builders.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsers)

    def __len__(self) -> int:
        return len(self._parsers)

    def __contains__(self, name: object) -> bool:
        return name in self._parsers


def chosen_parsers(parser: argparse.ArgumentParser,
                   args: argparse.Namespace) -> list[argparse.ArgumentParser]:
    """*parser* and the sub-parser of each subcommand chosen in *args*."""
    chain = [parser]
    while True:
        subcommands = [a for a in chain[-1]._actions if isinstance(a, argparse._SubParsersAction)]
        if not subcommands:
            return chain
        name = getattr(args, subcommands[0].dest or "", None)
        if name is None:
            return chain
        chain.append(subcommands[0].choices[name])


@dataclass(frozen=True)
class IntRange:
    """An argparse type: a whole number from *low* to *high*."""

    low: int
    high: int

    def __call__(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not self.low <= value <= self.high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {self.low} to {self.high}, not {text!r}")
        return value


@dataclass(frozen=True)
class FloatRange:
    """An argparse type: a number above *above* (or from *low*) up to *high*."""

    high: float
    low: float | None = None
    above: float | None = None

    def __call__(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        fits = math.isfinite(value) and value <= self.high and (
            (self.low is None or value >= self.low) and (self.above is None or value > self.above))
        if not fits:
            bound = (f"above {self.above:g}" if self.above is not None
                     else f"from {self.low:g}")
            raise argparse.ArgumentTypeError(
                f"expected a number {bound} up to {self.high:g}, not {text!r}")
        return value


@dataclass(frozen=True)
class ScreenSize:
    """An argparse type: WIDTHxHEIGHT within the sizes a screen can have."""

    smallest: tuple[int, int] = (320, 240)
    largest: tuple[int, int] = (7680, 4320)

    def __call__(self, text: str) -> tuple[int, int]:
        parts = text.lower().split("x")
        size = tuple(int(p) for p in parts if p.isdigit()) if len(parts) == 2 else ()
        if len(size) != 2 or not (self.smallest[0] <= size[0] <= self.largest[0]
                                  and self.smallest[1] <= size[1] <= self.largest[1]):
            low, high = self.smallest, self.largest
            raise argparse.ArgumentTypeError(
                f"expected WIDTHxHEIGHT from {low[0]}x{low[1]} to {high[0]}x{high[1]}, "
                f"e.g. 800x480, not {text!r}")
        return size[0], size[1]


Role = Literal["input", "output"]
Form = Literal["file", "dir", "any"]


@dataclass(frozen=True)
class PathArg:
    """An argparse type: a path the command reads (*role* input) or writes
    (output), a file, a directory or either; *missing* says what to do when
    an input is not there. An output whose command writes it only when it
    must, and reports a failure itself, is checked for its form only
    (*writable_now* false)."""

    role: Role
    form: Form
    missing: str = ""
    writable_now: bool = True

    def __call__(self, text: str) -> Path:
        if not text:
            raise argparse.ArgumentTypeError("expected a path, not an empty string")
        return Path(text)


INPUT_FILE = PathArg("input", "file")
INPUT_DIR = PathArg("input", "dir")
INPUT_PATH = PathArg("input", "any")
OUTPUT_FILE = PathArg("output", "file")
OUTPUT_DIR = PathArg("output", "dir")


def check_paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Every path argument of the chosen command is usable, or
    :class:`CliError` with what is wrong. Outputs are not checked for a
    ``--dry-run``, which writes nothing."""
    dry_run = bool(getattr(args, "dry_run", False))
    for chosen in chosen_parsers(parser, args):
        for action in chosen._actions:
            kind = action.type
            value = getattr(args, action.dest, None)
            if not isinstance(kind, PathArg) or value is None:
                continue
            name = f" ({action.option_strings[-1]})" if action.option_strings else ""
            if kind.role == "input":
                check_input(Path(value), kind, name)
            elif not dry_run:
                check_output(Path(value), kind, name)


_NOUN = {"file": "file", "dir": "directory", "any": "file or directory"}


def check_input(path: Path, kind: PathArg, name: str) -> None:
    """*path* is there, of the right form, and readable."""
    noun = _NOUN[kind.form]
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        hint = f"; {kind.missing}" if kind.missing else ""
        raise CliError(NO_INPUT, f"{path}: no such {noun}{name}{hint}") from None
    except OSError as error:
        raise CliError(NO_INPUT, f"{path} cannot be reached ({error.strerror}): check the "
                                 "owner and mode of the directories above it") from None
    is_dir = stat.S_ISDIR(mode)
    if kind.form == "file" and is_dir:
        raise CliError(NO_INPUT, f"{path} is a directory, not a file{name}")
    if kind.form == "dir" and not is_dir:
        raise CliError(NO_INPUT, f"{path} is not a directory{name}")
    if not os.access(path, os.R_OK | (os.X_OK if is_dir else 0)):
        raise CliError(NO_INPUT, f"{path} cannot be read (permission denied): check its owner "
                                 "and mode, or run as the user who owns it")


def check_output(path: Path, kind: PathArg, name: str) -> None:
    """*path* can be written (or made, in a writable directory)."""
    form = kind.form
    try:
        mode: int | None = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise CliError(CANT_CREATE, f"{path} cannot be made{name} ({error.strerror}): check "
                                    "the directories above it") from None
    if mode is not None:
        is_dir = stat.S_ISDIR(mode)
        if form == "dir" and not is_dir:
            raise CliError(CANT_CREATE, f"{path} is a file, not a directory{name}")
        if form == "file" and is_dir:
            raise CliError(CANT_CREATE, f"{path} is a directory; give a file name{name}")
        if kind.writable_now:
            _check_writable(path, path, is_dir)
        return
    parent = _existing_ancestor(path)
    if not parent.is_dir():
        raise CliError(CANT_CREATE, f"{path} cannot be made: {parent} is a file")
    if kind.writable_now:
        _check_writable(path, parent, True)


def _existing_ancestor(path: Path) -> Path:
    for parent in path.absolute().parents:
        if os.path.lexists(parent):
            return parent
    return Path("/")


def _check_writable(path: Path, where: Path, is_dir: bool) -> None:
    if os.access(where, os.W_OK | (os.X_OK if is_dir else 0)):
        return
    if os.statvfs(where).f_flag & os.ST_RDONLY:
        raise CliError(IO_ERROR, f"{path} cannot be written: the file system holding {where} "
                                 "is read-only (an SD card with errors is remounted read-only)")
    raise CliError(CANT_CREATE, f"{path} cannot be written: {where} is not writable by this "
                                "user; check its owner and mode, or run as its owner")


def leaf_parsers(parser: argparse.ArgumentParser) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command a user can run, by its words: ``("county", "approve")``,
    ``("kiosk",)`` and ``("kiosk", "screenshots")``."""
    found: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(words: tuple[str, ...], current: argparse.ArgumentParser) -> None:
        subcommands = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        if not subcommands or not subcommands[0].required:
            found[words] = current
        for action in subcommands:
            for name, child in action.choices.items():
                walk((*words, name), child)

    walk((), parser)
    found.pop((), None)
    return found

