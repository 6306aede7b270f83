"""What other modules (supervision) listen to: every ratings change, sent after the transaction commits."""

from django.dispatch import Signal

# kwargs: kind ("rating", "rectification", "complaint"), pk, event_id, action
# (rate, rectification_opened, callback, classify, submit, return, close, appeal, appeal_upheld, appeal_rejected,
#  complaint, verify, handle, reply, warn, overdue)
ratings_changed = Signal()
