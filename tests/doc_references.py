"""Find the paths and module references that the repository's prose names,
and say which of them lead nowhere (used by ``tests/test_docs.py``).

What is read: every Markdown file; in every Python file its docstrings
(module, class, function and attribute) and its comments; in every other
text file its ``#`` comment lines.

What counts as a **repository path**: a word containing ``/`` whose first
part names something at the top of the repository (``docs/sync.md``,
``tests/hardware/``, ``seal_controller/scenarios/``) or in the folder of the
file that names it (``udev/`` in ``systemd/README.md``). It must exist relative
to the repository root or to the folder of the file that names it (a README
may name its own folder's files); ``*`` matches as in a shell. Words that
start with ``/``, ``~`` or ``$`` are paths on a device or a build machine,
and words containing ``://`` are addresses: neither is checked. No path may
lead out of the repository through a parent folder. A Markdown file named
without a folder (``README.md``) must be the name of one in the repository.

What counts as a **module reference**: a Sphinx role (:mod:`sync.outbox`,
:func:`~protocol.tracking.new_code`, :class:`~hardware.station.Station`),
a name in backticks whose first part is one of the project's packages
(``sync.outbox``), and the module after ``python -m``. A role's target is
looked up the way Sphinx looks it up: in the enclosing class, in the current
module, then as a full name; a leading ``.`` is relative to the current
package. Targets in the project or the standard library are imported and
must exist (the import audit shows that importing any module of the suite is
free of side effects); a target in another library only needs that library
to be installed. A backticked name that ends in a file suffix
(``kiosk.env``) is a file name, not a module.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import io
import re
import subprocess
import sys
import textwrap
import tokenize
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGES = frozenset({"durable", "protocol", "hardware", "camera", "powerlist", "chinese_text",
                      "sync", "seal_controller", "kiosk", "county", "device", "provision",
                      "village_edge", "tests"})
FILE_SUFFIXES = frozenset({"conf", "db", "env", "json", "key", "kv", "log", "md", "png", "py",
                           "rules", "service", "sh", "toml", "txt", "yaml", "yml"})

ROLE = re.compile(r":(?:py:)?(mod|func|class|meth|attr|data|const|exc|obj):`([^`]+)`")
CODE_SPAN = re.compile(r"(?<!`)(`{1,2})(?!`)([^`\n]+?)(?<!`)\1(?!`)")
DOTTED = re.compile(r"~?\.?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?")
RUN_MODULE = re.compile(r"python3?\s+-m\s+([A-Za-z_][\w.]*)")
WORD = re.compile(r"[^\s`'\"()\[\]{},;<>|=。，；：、（）]+")


@dataclass(frozen=True)
class Passage:
    """A piece of prose: where it is, and the module and class it speaks from."""

    file: Path
    line: int
    text: str
    module: str | None = None
    cls: str | None = None


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


# --- where the prose is ----------------------------------------------------

def repository_files(root: Path) -> list[Path]:
    """Every file git tracks or would track (not ignored), relative to *root*;
    outside a git checkout, every file but virtual environments, caches and
    build outputs."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root, capture_output=True, text=True, check=True, timeout=60,
        ).stdout
        names = [Path(name) for name in listing.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        names = [path.relative_to(root) for path in root.rglob("*")
                 if not _generated(path.relative_to(root))]
    return sorted({path for path in names if (root / path).is_file()})


def _generated(path: Path) -> bool:
    """Whether *path* is one of the things .gitignore leaves out."""
    return path.parts[0] in {".git", ".venv", "build", "dist", "state", ".hypothesis"} or any(
        part == "__pycache__" or part.endswith((".egg-info", "_cache")) for part in path.parts)


@dataclass(frozen=True)
class Repository:
    """The repository's files, and what the path rules need to know of them."""

    root: Path
    files: tuple[Path, ...]

    @classmethod
    def at(cls, root: Path) -> Repository:
        return cls(root, tuple(repository_files(root)))

    @property
    def top(self) -> frozenset[str]:
        """What is at the top of the repository: ``docs``, ``sync``, ``setup.sh``, ..."""
        return frozenset(path.parts[0] for path in self.files)

    @property
    def markdown_names(self) -> frozenset[str]:
        return frozenset(path.name for path in self.files if path.suffix == ".md")


def module_name(path: Path) -> str | None:
    """The dotted module name of *path* (relative to the repository), if it is one."""
    if path.suffix != ".py" or path.parts[0] not in PACKAGES:
        return None
    parts = list(path.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_passages(path: Path, source: str) -> Iterator[Passage]:
    """The docstrings and comments of a Python file."""
    module = module_name(path)
    tree = ast.parse(source, filename=str(path))

    def visit(body: Iterable[ast.stmt], cls: str | None) -> Iterator[Passage]:
        for node in body:
            if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)):
                yield Passage(path, node.lineno, node.value.value, module, cls)
            elif isinstance(node, ast.ClassDef):
                inner = f"{cls}.{node.name}" if cls else node.name
                yield from visit(node.body, inner)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.If | ast.Try
                            | ast.With):
                yield from visit(node.body, cls)

    yield from visit(tree.body, None)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield Passage(path, token.start[0], token.string, module)


def comment_passages(path: Path, source: str) -> Iterator[Passage]:
    """The ``#`` comment lines of a shell script or a configuration file."""
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith("#") and not stripped.startswith("#!"):
            yield Passage(path, number, stripped)


def passages(root: Path, files: Iterable[Path]) -> Iterator[Passage]:
    for path in files:
        try:
            source = (root / path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a picture or another binary file
        if path.suffix == ".md":
            yield from (Passage(path, number, line)
                        for number, line in enumerate(source.splitlines(), 1))
        elif path.suffix == ".py":
            yield from python_passages(path, source)
        else:
            yield from comment_passages(path, source)


# --- repository paths ------------------------------------------------------

def named_paths(text: str) -> Iterator[tuple[int, str]]:
    """(line offset, word) of every word in *text* that looks like a path."""
    for offset, line in enumerate(text.splitlines()):
        words = (match.group(0).rstrip(".:").split("#")[0] for match in WORD.finditer(line))
        for word in dict.fromkeys(words):  # once each, in order
            if "://" in word or word.startswith(("/", "~", "$")):
                continue
            if "/" in word or word.endswith(".md"):
                yield offset, word


def path_problem(repo: Repository, where: Path, word: str) -> str | None:
    """Why *word*, named in the file *where*, is not a path of *repo*; None if fine."""
    root = repo.root
    bases = [root, (root / where).parent]
    if "/" not in word:
        if word in repo.markdown_names:
            return None
        return f"{word}: no Markdown file of that name in the repository"
    if word.startswith("../") or "/../" in word:
        for base in bases:
            if not (base / word).resolve().is_relative_to(root.resolve()):
                return f"{word} points outside the repository"
    first = word.removeprefix("./").split("/")[0]
    if first not in repo.top and not (bases[1] / first).exists() and first != "..":
        return None  # not a repository path: STATE/outbox/, 0/O, kiosk or seal
    for base in bases:
        if "*" in word:
            if any(base.glob(word)):
                return None
        elif (base / word).exists():
            return None
    return f"{word} does not exist"


# --- module references -----------------------------------------------------

def named_modules(text: str) -> Iterator[tuple[int, str, str]]:
    """(line offset, role, target) of every module reference in *text*; the
    role is ``mod``, ``func``, ... for Sphinx roles and ``name`` otherwise."""
    for offset, line in enumerate(text.splitlines()):
        for match in ROLE.finditer(line):
            target = match.group(2)
            if "<" in target:  # a title, then the target in angle brackets
                target = target.split("<")[-1].rstrip(">")
            yield offset, match.group(1), target.strip()
        rest = ROLE.sub("", line)
        for match in CODE_SPAN.finditer(rest):
            span = match.group(2).strip()
            if DOTTED.fullmatch(span):
                name = span.lstrip("~.").removesuffix("()")
                parts = name.split(".")
                if parts[0] in PACKAGES and parts[-1] not in FILE_SUFFIXES:
                    yield offset, "name", name
        for match in RUN_MODULE.finditer(line):
            if match.group(1).split(".")[0] in PACKAGES:
                yield offset, "mod", match.group(1)


def _import(name: str) -> types.ModuleType | None:
    """The module *name*, or None if there is no such module (a module that
    exists but fails to import is an error worth seeing: it propagates)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
            return None
        raise


def _instance_attributes(klass: type) -> set[str]:
    """The names a class's own methods assign to ``self.<name>``."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
    except (OSError, TypeError):  # built in, or made at run time
        return set()
    return {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name) and node.value.id == "self"}


class _Unseen:
    """Stands for something that exists but is not imported to look at: a
    module of another library, or a ``__main__`` module."""


MISSING = object()  # what lookup() returns for a name that leads nowhere


def _attribute(owner: object, name: str) -> object:
    if hasattr(owner, name):
        return getattr(owner, name)
    for klass in getattr(owner, "__mro__", ()):
        if name in getattr(klass, "__annotations__", {}) or name in _instance_attributes(klass):
            return klass  # a dataclass field, or an attribute set in a method
    return MISSING


def lookup(dotted: str) -> object:
    """The module or object *dotted* names, or ``MISSING``."""
    parts = dotted.split(".")
    head = parts[0]
    if head not in PACKAGES and head not in sys.stdlib_module_names:
        # Another library: installed is enough; importing Kivy here would
        # start its logging and configuration.
        return _Unseen() if importlib.util.find_spec(head) is not None else MISSING
    for split in range(len(parts), 0, -1):
        if "__main__" in parts[:split]:  # importing it would run the program
            if parts[split - 1] != "__main__":
                continue
            exists = importlib.util.find_spec(".".join(parts[:split])) is not None
            return _Unseen() if exists and split == len(parts) else MISSING
        found: object = _import(".".join(parts[:split]))
        if found is None:
            continue
        for part in parts[split:]:
            found = _attribute(found, part)
            if found is MISSING:
                break
        return found
    return MISSING


def resolves(role: str, target: str, module: str | None = None, cls: str | None = None) -> bool:
    """Whether *target* names something, seen from *module* (and class *cls*);
    for the role ``mod``, a module."""
    target = target.lstrip("~").removesuffix("()")
    if target.startswith("."):
        if module is None:
            return False
        is_package = hasattr(_import(module), "__path__")
        base = module if is_package else module.rpartition(".")[0]
        name = target.lstrip(".")
        for _ in range(len(target) - len(name) - 1):
            base = base.rpartition(".")[0]
        candidates = [f"{base}.{name}"]
    else:
        candidates = []
        if module is not None:
            if cls is not None:
                candidates.append(f"{module}.{cls}.{target}")
            candidates.append(f"{module}.{target}")
        candidates.append(target)
        candidates.append(f"builtins.{target}")  # :class:`OSError`, as Sphinx links it
    wanted = (types.ModuleType, _Unseen) if role == "mod" else object
    for candidate in candidates:
        found = lookup(candidate)
        if found is not MISSING and isinstance(found, wanted):
            return True
    return False


# --- all together ----------------------------------------------------------

def problems_in(passage: Passage, repo: Repository) -> Iterator[Problem]:
    for offset, word in named_paths(passage.text):
        message = path_problem(repo, passage.file, word)
        if message:
            yield Problem(passage.file, passage.line + offset, message)
    for offset, role, target in named_modules(passage.text):
        if not resolves(role, target, passage.module, passage.cls):
            what = "module" if role == "mod" else "module or attribute"
            yield Problem(passage.file, passage.line + offset, f"no {what} {target}")


def find_problems(root: Path) -> list[Problem]:
    """Every path and module reference in the prose of the repository at
    *root* that leads nowhere."""
    repo = Repository.at(root)
    return [problem for passage in passages(root, repo.files)
            for problem in problems_in(passage, repo)]
