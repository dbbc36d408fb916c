"""The releases that passed their health check, oldest first: ``passed.json``
beside the releases. The current release is the last of them; a rollback goes
only to the one before it, and a release that fails its check or is rolled
away from leaves the list, so no rollback ever goes back to it (an update
that installs it again puts it to the test again).

The release setup.sh installed counts as passed: it is what the technician
checked on site. A device updated by a village-edge older than this list
starts it from its ``previous`` link, unless a rollback by hand had moved
away from that release (``last-update.json`` says so).
"""

from __future__ import annotations

import json
from pathlib import Path

from durable.atomic import atomic_write
from provision.releases import Layout

PASSED = "passed.json"
LAST = "last-update.json"


class PassedReleases:
    """``passed.json`` of the releases in *layout*."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.path = layout.prefix / PASSED

    def names(self) -> list[str]:
        """The releases that passed, oldest first (a damaged list: none)."""
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return self._seed()
        except (OSError, ValueError):
            return []
        names = document.get("passed") if isinstance(document, dict) else None
        if not isinstance(names, list):
            return []
        return [name for name in names if isinstance(name, str)]

    def _seed(self) -> list[str]:
        previous, current = self.layout.previous(), self.layout.current()
        seed = [] if previous is None or previous == current else [previous]
        last = _read(self.layout.prefix / LAST)
        if last.get("outcome") == "rolled_back by hand" and last.get("from") == previous:
            seed = []
        return seed

    def _save(self, names: list[str]) -> None:
        kept = [name for name in names if self.layout.is_complete(name)]
        atomic_write(self.path, json.dumps({"passed": kept}, indent=1).encode())

    def settle(self) -> None:
        """Make the current release the last that passed: one current before
        this list knew of it (setup.sh installed it) is added, and any listed
        after it (left by hand or by an older village-edge) are dropped."""
        current = self.layout.current()
        if current is None:
            return
        names = self.names()
        if current in names:
            names = names[: names.index(current) + 1]
        else:
            names.append(current)
        self._save(names)

    def add(self, name: str) -> None:
        """*name* has just passed: the last on the list."""
        self._save([other for other in self.names() if other != name] + [name])

    def remove(self, name: str) -> None:
        """*name* failed, or was rolled away from."""
        self._save([other for other in self.names() if other != name])

    def before(self, name: str) -> str | None:
        """The newest release that passed before *name* and is still
        installed, whether or not *name* is listed; None if there is none."""
        names = self.names()
        if name in names:
            names = names[: names.index(name)]
        for other in reversed(names):
            if other != name and self.layout.is_complete(other):
                return other
        return None


def _read(path: Path) -> dict[str, object]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
