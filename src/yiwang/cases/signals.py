"""What other modules hear from cases.

Every case event leaves through the outbox (`yiwang.core.outbox`, topic `cases.case_changed`, written with the event
in its transaction; payload `case_id`, `event_id`, `seq`, `action`; key `cases.case:<id>`). A module that reacts to
cases subscribes there: `outbox.subscribe("<module>.<what>", {"cases.case_changed"}, handle)`.

`case_changed` (kwargs: case_id, event_id, action) is still sent, for receivers written before the outbox: by the
outbox subscriber "cases.signal", in the worker, at least once per event — receivers must be idempotent on event_id.
"""

from django.dispatch import Signal

# kwargs: case_id, event_id, action
case_changed = Signal()
