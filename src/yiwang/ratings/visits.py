"""Hall visits (一次一评) offered by another module — the halls' queue tickets — through the `ratings.visit_sources`
hook.

Ratings never imports halls (they stand side by side in the layering). A module that knows visits contributes a
`VisitSource` in its AppConfig.ready(); since it must not import ratings either, it finds the hook by name in the
registry (declared when this module loads, before any ready() runs, because ratings' apps.py imports it):

    from yiwang.core import plugins

    def ready(self):
        try:
            hook = plugins.lookup("ratings.visit_sources")
        except KeyError:
            return  # ratings is not installed
        hook.add("halls", hook.entry_type(latest=latest_finished_at_window, find=finished_ticket))

A visit is a mapping (or an object with these attributes): `ticket` (the source's id or number, text), `hall_id`,
`window_id`, `finished_at` (an aware datetime), and optionally `staff_id` (the clerk's user id), `staff_name`,
`organisation_id` (the department served; default: the window's first department, else the hall's operator),
`item_id`, `case_id`, `person_id` (the person who took the ticket, when signed in: the rating is then real-name).

- `latest(window_id)` → the visit that finished last at that window within RATINGS_VISIT_MINUTES (or None): what
  the window's rating pad shows;
- `find(ticket, code)` → the finished visit of that ticket when `code` is the one printed on it (or None): the phone
  link on the ticket (`/rate/visit/?source=halls&ticket=…&code=…`).
Without any source the pad still works: each press is an anonymous rating of the window and its clerk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from yiwang.core.plugins import Hook


@dataclass(frozen=True)
class VisitSource:
    latest: Callable[[int], Any]
    find: Callable[[str, str], Any]


VISIT_SOURCES: Hook[VisitSource] = Hook(
    "ratings.visit_sources",
    entry_type=VisitSource,
    doc="Finished hall visits (queue tickets) ratings may be given for: `VisitSource(latest, find)`.",
)

FIELDS = (
    "ticket",
    "hall_id",
    "window_id",
    "finished_at",
    "staff_id",
    "staff_name",
    "organisation_id",
    "item_id",
    "case_id",
    "person_id",
)


@dataclass(frozen=True)
class Visit:
    source: str
    ticket: str
    hall_id: int
    window_id: int | None
    finished_at: dt.datetime
    staff_id: int | None = None
    staff_name: str = ""
    organisation_id: int | None = None
    item_id: int | None = None
    case_id: int | None = None
    person_id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.source}:{self.ticket}"[:80]

    @classmethod
    def coerce(cls, source: str, raw: Any) -> Visit | None:
        """A Visit from what a source returned (a mapping or an object), or None when it lacks the essentials."""
        if raw is None:
            return None
        get = raw.get if isinstance(raw, Mapping) else (lambda name, default=None: getattr(raw, name, default))
        values = {name: get(name, None) for name in FIELDS}
        if not values["ticket"] or not values["hall_id"] or not isinstance(values["finished_at"], dt.datetime):
            return None
        return cls(
            source=source,
            ticket=str(values["ticket"])[:60],
            hall_id=int(values["hall_id"]),
            window_id=int(values["window_id"]) if values["window_id"] else None,
            finished_at=values["finished_at"],
            staff_id=int(values["staff_id"]) if values["staff_id"] else None,
            staff_name=str(values["staff_name"] or "")[:200],
            organisation_id=int(values["organisation_id"]) if values["organisation_id"] else None,
            item_id=int(values["item_id"]) if values["item_id"] else None,
            case_id=int(values["case_id"]) if values["case_id"] else None,
            person_id=int(values["person_id"]) if values["person_id"] else None,
        )


def fresh_minutes() -> int:
    """How long after a visit ends the window's pad still offers it for rating."""
    return int(getattr(settings, "RATINGS_VISIT_MINUTES", 10))


def latest_at_window(window_id: int, now: dt.datetime | None = None) -> Visit | None:
    """The visit that ended last at the window, from any source, if it ended within RATINGS_VISIT_MINUTES."""
    now = now or timezone.now()
    found: list[Visit] = []
    for key, source in VISIT_SOURCES.items():
        visit = Visit.coerce(key, source.latest(window_id))
        if visit is not None and visit.finished_at >= now - dt.timedelta(minutes=fresh_minutes()):
            found.append(visit)
    return max(found, key=lambda v: v.finished_at) if found else None


def find(source: str, ticket: str, code: str) -> Visit | None:
    """The finished visit of a ticket from the named source, when the code matches (the source checks it)."""
    entry = VISIT_SOURCES.get(source)
    if entry is None or not ticket or not code:
        return None
    return Visit.coerce(source, entry.find(str(ticket)[:60], str(code)[:40]))
