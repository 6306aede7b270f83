"""What other modules listen to: every case change, sent after the transaction commits."""

from django.dispatch import Signal

# kwargs: case_id, event_id, action
case_changed = Signal()
