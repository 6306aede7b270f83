"""What other modules (supervision, ratings) listen to: every work order change, sent after the transaction commits."""

from django.dispatch import Signal

# kwargs: order_id, event_id, action
order_changed = Signal()
