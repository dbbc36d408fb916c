"""How the county says where a report stands, for the kiosk's progress lookup.

The county publishes the state of every report it holds as one signed feed
document, :data:`STATUS_DOCUMENT` (``disclosure/complaint-status``), body::

    {"statuses": {"1234567890": {"status": "replied", "date": "2024-06-20",
                                 "reply": "已责成村委会在月底前公开..."}, ...}}

with *status* one of :data:`STATUSES` and *date* (ISO 8601) the day it was
reached; for ``replied``, the day the reply was made. *reply* (optional, at
most :data:`MAX_REPLY` characters) is what the county answers, shown to
whoever types the code in. It never holds what was reported, by whom, or a
phone number: the county's handler is warned to write only the outcome.

Why the kind ``disclosure``: of the kinds a feed carries it is the only one
whose content is meant for villagers to see, and how reports were handled is
one of the things a village discloses (办理结果). It goes to every device, so
a villager can look a code up at any kiosk.
"""

from __future__ import annotations

STATUS_DOCUMENT = ("disclosure", "complaint-status")  # (kind, name) in the feed
STATUSES = ("received", "handling", "replied")
MAX_REPLY = 500  # characters of a reply
