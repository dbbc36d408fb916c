"""Whom to see: names and phone numbers from the roster the county publishes
(feed document ``roster/officials``), falling back to the role's name.

The roster body maps role keys to people, in either form::

    {"members": [{"role": "village_clerk", "name": "王丽", "phone": "0574-6500 1234"}]}
    {"village_clerk": {"name": "王丽", "phone": "..."}, "village_accountant": "张会计"}
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.viewmodels.feeds import FeedReader

log = logging.getLogger(__name__)

ROSTER_KIND, ROSTER_NAME = "roster", "officials"

#: The roles the sample catalog names, in Chinese. A county may add its own.
ROLE_NAMES: dict[str, str] = {
    "party_secretary": "村党组织书记",
    "village_director": "村民委员会主任",
    "village_accountant": "村报账员",
    "village_clerk": "村务工作者（代办员）",
    "supervision_chair": "村务监督委员会主任",
    "seal_custodian": "印章管理员",
}


@dataclass(frozen=True)
class Person:
    """One person to see; *name* and *phone* are None when the roster lacks them."""

    role: str
    role_name: str
    name: str | None = None
    phone: str | None = None

    @property
    def line(self) -> str:
        """``村报账员 张会计 电话 0574-...`` or just the role name."""
        parts = [self.role_name]
        if self.name:
            parts.append(self.name)
        if self.phone:
            parts.append(f"电话 {self.phone}")
        return "  ".join(parts)


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


def _person(role: str, entry: Any) -> Person | None:
    if isinstance(entry, str) and entry.strip():
        return Person(role, role_name(role), entry.strip())
    if isinstance(entry, dict):
        name = entry.get("name")
        phone = entry.get("phone")
        title = entry.get("title")
        return Person(
            role,
            title.strip() if isinstance(title, str) and title.strip() else role_name(role),
            name.strip() if isinstance(name, str) and name.strip() else None,
            phone.strip() if isinstance(phone, str) and phone.strip() else None,
        )
    return None


class Roster:
    """The people behind each role, as last published."""

    def __init__(self, people: dict[str, tuple[Person, ...]], updated: datetime | None) -> None:
        self._people = people
        self.updated = updated

    @classmethod
    def empty(cls) -> Roster:
        return cls({}, None)

    @classmethod
    def from_body(cls, body: dict[str, Any], updated: datetime | None = None) -> Roster:
        people: dict[str, list[Person]] = {}
        members = body.get("members")
        if isinstance(members, list):
            for entry in members:
                if isinstance(entry, dict) and isinstance(entry.get("role"), str):
                    person = _person(entry["role"], entry)
                    if person:
                        people.setdefault(person.role, []).append(person)
        else:
            for role, entry in body.items():
                person = _person(role, entry)
                if person:
                    people.setdefault(role, []).append(person)
        return cls({role: tuple(found) for role, found in people.items()}, updated)

    @classmethod
    def from_feed(cls, feed: FeedReader | None) -> Roster:
        signed = feed.get(ROSTER_KIND, ROSTER_NAME) if feed is not None else None
        if signed is None:
            return cls.empty()
        document = signed.document
        return cls.from_body(document.body, datetime.fromtimestamp(document.issued))

    def people(self, role: str) -> tuple[Person, ...]:
        """Who holds *role*; the bare role name when the roster does not say."""
        return self._people.get(role) or (Person(role, role_name(role)),)
