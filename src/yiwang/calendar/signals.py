"""Calendar events: cases listen to recompute the deadlines that fall in the changed years."""

from django.dispatch import Signal

# sender=SpecialDay class, years=[2026, ...]; sent after the change is committed.
calendar_changed = Signal()
