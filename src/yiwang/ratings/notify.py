"""What ratings tells people by SMS (through the `identity.sms` slot): the invitation to rate with its one-use
link, the outcome of a rectification (with a link to rate again), and the reply to a complaint.

Texts are Chinese (the applicant's language on this platform); a gateway failure is logged and reported as not
sent, never an error for whoever caused the message.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from yiwang.identity import providers

log = logging.getLogger("yiwang.ratings")


def absolute(path: str) -> str:
    return str(getattr(settings, "SITE_URL", "")).rstrip("/") + path


def invite_link(token: str) -> str:
    return absolute(reverse("ratings:by_token", args=[token]))


def invitation_text(case_number: str, item_name: str, link: str, days: int, stage: str) -> str:
    with translation.override("zh-hans"):
        if stage == "followup":
            head = _("The department has finished putting right what you reported about case %(number)s (%(item)s).")
        else:
            head = _("Your case %(number)s (%(item)s) is concluded.")
        return (
            head % {"number": case_number, "item": item_name}
            + " "
            + _("Please rate the service: %(link)s (valid %(days)s days, one use).") % {"link": link, "days": days}
        )


def outcome_text(what: str, measures: str) -> str:
    """What was done about the person's bad review (of a case, by its number; of a visit, by the window)."""
    with translation.override("zh-hans"):
        short = measures if len(measures) <= 60 else measures[:60] + "…"
        return _("About your rating (%(what)s), the department has put it right: %(measures)s") % {
            "what": what,
            "measures": short,
        }


def reply_text(number: str) -> str:
    with translation.override("zh-hans"):
        return _("Your complaint or suggestion %(number)s has been answered; see My Space.") % {"number": number}


def send(phone: str, text: str) -> bool:
    if not phone:
        return False
    try:
        providers.send_sms(phone, text)
        return True
    except providers.DeliveryError:
        log.warning("ratings SMS not delivered")
        return False
