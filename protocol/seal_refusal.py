"""The county's refusal of a seal request, as the station reads it.

The county answers a station's request in one of two ways, both published
through the feed as a signed document of kind ``approval`` addressed to that
one station (:mod:`protocol.documents`; the feed's signature is the
county's signature): an approval, whose body is ``{"token": "VE1...."}``
(:mod:`protocol.approval_token`), or a refusal, named ``refusal-<12 hex>``,
whose body is::

    {"refusal": {
        "rid": "F-3fa9c2d18e07",          # the refusal's id (F- and 12 hex)
        "dev": "ve-330226100201-seal1",   # the station it is for
        "req": "R7-a1b2c3d4e5",           # the request it answers
        "slot": "committee",              # the seal that request asked for
        "reason": "材料不全，请补齐后重新申请",  # plain words, 1 to 200 characters
        "by": "town.approver",            # who refused
        "at": 1714550000                  # when, Unix seconds (county clock)
    }}

Every field is required, all text but ``at`` (an integer). A station takes a
refusal only if ``dev`` is its own id and ``req`` the request it has open,
and shows ``reason`` to the custodian; a refusal for any other request
changes nothing. A request is answered once: the county never approves a
request it refused, nor refuses one it approved. A station that does not
know refusals sees an approval document without a ``token`` and ignores it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from protocol.errors import ProtocolError

REFUSAL = "refusal"
DOCUMENT_KIND = "approval"
NAME_PREFIX = "refusal-"
RID = re.compile(r"F-[0-9a-f]{12}")
MAX_REASON_CHARS = 200
FIELDS = {"rid": str, "dev": str, "req": str, "slot": str, "reason": str, "by": str, "at": int}


class RefusalMalformed(ProtocolError, ValueError):
    """A document that claims to be a refusal but is not one."""


@dataclass(frozen=True)
class Refusal:
    rid: str
    dev: str
    req: str
    slot: str
    reason: str
    by: str
    at: int

    @property
    def document_name(self) -> str:
        """The feed document's name: ``refusal-`` and the id's 12 hex digits."""
        return NAME_PREFIX + self.rid[2:]

    def body(self) -> dict[str, Any]:
        """The feed document's body."""
        return {REFUSAL: asdict(self)}


def reason_problem(reason: str) -> str | None:
    """What keeps *reason* from being shown on the station's panel, or None."""
    if not reason.strip():
        return "the reason is empty: say in plain words why the request is refused"
    if len(reason) > MAX_REASON_CHARS:
        return f"the reason is {len(reason)} characters; at most {MAX_REASON_CHARS} fit the panel"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in reason):
        return "the reason has control characters or line breaks: write it on one line"
    return None


def read_refusal(body: Mapping[str, Any]) -> Refusal | None:
    """The refusal an ``approval`` document's *body* holds; None if it holds
    none (an approval); :class:`RefusalMalformed` if it is not a refusal."""
    value = body.get(REFUSAL)
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != set(FIELDS):
        raise RefusalMalformed(f"a refusal has exactly the fields {sorted(FIELDS)}")
    for name, kind in FIELDS.items():
        if not isinstance(value[name], kind) or isinstance(value[name], bool):
            raise RefusalMalformed(f"a refusal's {name} must be {kind.__name__}")
    if not RID.fullmatch(value["rid"]):
        raise RefusalMalformed(f"a refusal's rid is F- and 12 hex digits, not {value['rid']!r}")
    problem = reason_problem(value["reason"])
    if problem is not None:
        raise RefusalMalformed(problem)
    return Refusal(**{name: value[name] for name in FIELDS})
