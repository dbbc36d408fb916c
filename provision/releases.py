"""Versioned installs side by side: ``/opt/village-edge/releases/<name>`` with
``current`` (and ``previous``) symlinks, each switched atomically.

A release's name is ``<version>-<digest>``: for a source tree the digest is
the one ``setup.sh`` computes (so the same source gives the same release by
either path), for a wheel the first 12 hex digits of its SHA-256. A release
directory is complete only once it holds ``.complete``; anything else is a
build that was interrupted and is rebuilt or removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from provision.errors import ProvisionError

PREFIX = Path("opt/village-edge")
COMPLETE = ".complete"
# Must match SOURCE_PARTS in setup.sh.
SOURCE_PARTS = ("pyproject.toml", "docs", "village_edge", "hardware", "camera", "sync", "county",
                "kiosk", "seal_controller", "provision", "powerlist")
WHEEL_NAME = re.compile(r"^village_edge-(?P<version>[^-]+)-.*\.whl$")
NAME = re.compile(r"^[0-9A-Za-z.+_]+-[0-9a-f]{12}$")


class ReleaseError(ProvisionError, ValueError):
    """The release source or the install directory is not what an update needs."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_digest(source: Path) -> str:
    """setup.sh's ``source_digest``: sha256sum of each file, sorted by path
    bytewise, then the sha256 of those lines, cut to 12 hex digits."""
    files: list[str] = []
    for part in SOURCE_PARTS:
        top = source / part
        if top.is_file():
            files.append(part)
        elif top.is_dir():
            for path in top.rglob("*"):
                if (path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts
                        and path.suffix != ".pyc"):
                    files.append(path.relative_to(source).as_posix())
    files.sort(key=lambda name: name.encode())
    lines = "".join(f"{_sha256(source / name)}  {name}\n" for name in files)
    return hashlib.sha256(lines.encode()).hexdigest()[:12]


def source_version(source: Path) -> str:
    try:
        data = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
        return str(data["project"]["version"])
    except (OSError, tomllib.TOMLDecodeError, KeyError) as error:
        raise ReleaseError(f"{source / 'pyproject.toml'}: no [project] version ({error}); "
                           "--from must be a village-edge source tree") from error


@dataclass(frozen=True)
class Source:
    """What an update installs: a source tree, or a wheel (with any wheels
    it depends on beside it)."""

    path: Path
    kind: str        # "tree" or "wheel"
    name: str        # the release name

    @classmethod
    def find(cls, path: Path) -> Source:
        path = path.resolve()
        if path.is_dir() and (path / "pyproject.toml").is_file():
            return cls(path, "tree", f"{source_version(path)}-{source_digest(path)}")
        if path.is_dir():
            wheels = sorted(path.glob("village_edge-*.whl"))
            if len(wheels) != 1:
                raise ReleaseError(f"{path}: neither a source tree (no pyproject.toml) nor a "
                                   f"directory with exactly one village_edge-*.whl (found "
                                   f"{len(wheels)}); point --from at one of those")
            path = wheels[0]
        if path.is_file():
            match = WHEEL_NAME.match(path.name)
            if not match:
                raise ReleaseError(f"{path}: not a village-edge wheel (village_edge-VERSION-"
                                   "...whl); point --from at a wheel or a source tree")
            return cls(path, "wheel", f"{match['version']}-{_sha256(path)[:12]}")
        raise ReleaseError(f"{path}: no such file or directory; point --from at a source tree "
                           "or a wheel")


class Layout:
    """The install directory under *root* (``/`` on a device)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = root / PREFIX
        self.releases = self.prefix / "releases"
        self.current_link = self.prefix / "current"
        self.previous_link = self.prefix / "previous"

    def release(self, name: str) -> Path:
        return self.releases / name

    def is_complete(self, name: str) -> bool:
        return (self.release(name) / COMPLETE).is_file()

    def _target(self, link: Path) -> str | None:
        try:
            target = os.readlink(link)
        except OSError:
            return None
        return Path(target).name

    def current(self) -> str | None:
        return self._target(self.current_link)

    def previous(self) -> str | None:
        return self._target(self.previous_link)

    def installed(self) -> list[str]:
        """Complete releases, oldest first."""
        if not self.releases.is_dir():
            return []
        found = [p for p in self.releases.iterdir() if (p / COMPLETE).is_file()]
        return [p.name for p in sorted(found, key=lambda p: (p / COMPLETE).stat().st_mtime)]

    def _point(self, link: Path, name: str) -> None:
        """Point *link* at releases/*name*: a new symlink renamed over the old
        one, so the link is always whole (rename is atomic)."""
        if not self.is_complete(name):
            raise ReleaseError(f"{self.release(name)} is not a complete release; it cannot "
                               "be made current")
        temporary = link.with_name(f".{link.name}.new")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(f"releases/{name}")
        os.replace(temporary, link)
        directory = os.open(link.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def switch(self, name: str, previous: str | None) -> None:
        """Make *name* current and *previous* (None: none) the release to go back to."""
        if previous is not None and previous != name and self.is_complete(previous):
            self._point(self.previous_link, previous)
        else:
            self.previous_link.unlink(missing_ok=True)
        self._point(self.current_link, name)

    def remove_unfinished(self) -> list[str]:
        """Remove every release directory without ``.complete`` (a build a
        power cut or SIGKILL cut short), never current or previous; the
        caller holds the update lock, so no build of its own is under way."""
        if not self.releases.is_dir():
            return []
        protected = {self.current(), self.previous()}
        unfinished = sorted(p.name for p in self.releases.iterdir()
                            if p.is_dir() and not (p / COMPLETE).exists()
                            and p.name not in protected)
        for name in unfinished:
            shutil.rmtree(self.release(name), ignore_errors=True)
        return unfinished

    def prune(self, keep: int = 2) -> list[str]:
        """Remove complete releases beyond the newest *keep*, never current or
        previous, and any interrupted build; returns what was removed."""
        protected = {self.current(), self.previous()}
        complete = self.installed()
        removable = [name for name in complete[:-keep] if name not in protected]
        for name in removable:
            shutil.rmtree(self.release(name), ignore_errors=True)
        return removable + self.remove_unfinished()
