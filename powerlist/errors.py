"""The exceptions of :mod:`powerlist`, and the collector of problems that
feeds it: every problem names the file, the place (item, flowchart, node)
and the field, and says what to do."""

from __future__ import annotations

from dataclasses import dataclass, field


class PowerlistError(Exception):
    """Root of every error raised by :mod:`powerlist`."""


class CatalogError(PowerlistError, ValueError):
    """A catalog cannot be used; :attr:`problems` lists every reason found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Problems:
    """The complaints about one source (a file name, or a feed document)."""

    source: str
    items: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        place = f"{self.source}: {where}: " if where else f"{self.source}: "
        self.items.append(place + message)

    def raise_if_any(self) -> None:
        if self.items:
            raise CatalogError(self.items)
