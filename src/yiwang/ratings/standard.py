"""The vocabulary of GB/T 39734-2020 and GB/T 39735-2020 (政务服务评价): levels, indicators, reasons, categories.

- Five levels, 5 best: 非常满意 满意 基本满意 不满意 非常不满意 (the national 好差评 system numbers them the same
  way, 1 = 非常不满意). The two lowest are bad reviews (差评), called back and rectified.
- Two indicator sets: online service (一事一评 of a case handled online) and on-site service (一次一评 of a visit,
  or a case handled at a window). 整体满意度 is the level itself; the others are scored 1–5 when the person gives
  them (optional: a person may give the level alone).
- A dissatisfied level needs at least one reason from the list (or "other" with words).
- Rectification sorts each bad review into one category; callbacks record channel and outcome.
Codes are stable (the API and the export use them); names are translatable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    FAIRLY_SATISFIED = 3, _("Fairly satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


LEVELS_BEST_FIRST = (5, 4, 3, 2, 1)
GOOD_LEVELS = frozenset({5, 4, 3})
BAD_LEVELS = frozenset({2, 1})


def is_bad(level: int) -> bool:
    return level in BAD_LEVELS


class Mode(models.TextChoices):
    ONLINE = "online", _("Online service")
    ONSITE = "onsite", _("On-site service")


OVERALL = "overall"
INDICATOR_NAMES = {
    OVERALL: _("Overall satisfaction"),
    "efficiency": _("Efficiency of handling"),
    "guide_accuracy": _("Accuracy of the service guide"),
    "convenience": _("Convenience of applying"),
    "usability": _("Ease of use of the platform"),
    "service_efficiency": _("Service efficiency"),
    "service_level": _("Service competence"),
    "attitude": _("Service attitude"),
}
INDICATORS: dict[str, tuple[str, ...]] = {
    Mode.ONLINE: (OVERALL, "efficiency", "guide_accuracy", "convenience", "usability"),
    Mode.ONSITE: (OVERALL, "service_efficiency", "service_level", "attitude"),
}
# Every indicator, in a fixed order (rollup columns, exports).
ALL_INDICATORS: tuple[str, ...] = tuple(INDICATOR_NAMES)

REASON_NAMES = {
    # online
    "guide_inaccurate": _("The service guide was inaccurate or incomplete"),
    "process_complex": _("The online process was complicated"),
    "materials_repeated": _("Unreasonable or repeated material requirements"),
    "overdue": _("It took longer than the promised time"),
    "platform_faulty": _("The platform was hard to use or did not work"),
    "reply_unclear": _("Questions were not answered in time or clearly"),
    # on-site
    "attitude": _("Poor service attitude"),
    "long_wait": _("Long waiting time"),
    "unskilled": _("Staff did not know the business well"),
    "repeat_visits": _("I had to come more than once"),
    "not_told_once": _("What was needed was not told at once"),
    "shirking": _("Passed from one office to another"),
    "environment": _("Poor service environment"),
    "misconduct": _("Improper fees or demands"),
    # both
    "result_unfair": _("The decision seems wrong or unfair"),
    "other": _("Other (say what in the comment)"),
}
REASONS: dict[str, tuple[str, ...]] = {
    Mode.ONLINE: (
        "guide_inaccurate",
        "process_complex",
        "materials_repeated",
        "overdue",
        "platform_faulty",
        "reply_unclear",
        "result_unfair",
        "other",
    ),
    Mode.ONSITE: (
        "attitude",
        "long_wait",
        "unskilled",
        "repeat_visits",
        "not_told_once",
        "shirking",
        "environment",
        "misconduct",
        "result_unfair",
        "other",
    ),
}


class Stage(models.TextChoices):
    """一事一评: after acceptance, then after the result (which replaces the first for statistics); after a
    rectification the person may rate once more. 一次一评: one per hall visit."""

    ACCEPTED = "accepted", _("After acceptance")
    RESULT = "result", _("After the result")
    FOLLOWUP = "followup", _("After rectification")
    VISIT = "visit", _("Hall visit")


# Which rating of a case counts in the statistics: the latest stage reached.
STAGE_RANK = {Stage.ACCEPTED: 1, Stage.RESULT: 2, Stage.FOLLOWUP: 3}


class Channel(models.TextChoices):
    PORTAL = "portal", _("Online portal")
    MOBILE = "mobile", _("Mobile portal")
    SMS = "sms", _("SMS link")
    PAD = "pad", _("Window rating pad")
    HOTLINE = "hotline", _("12345 hotline")
    API = "api", _("Department system (API)")
    SYSTEM = "system", _("Default rating (not rated in time)")


# The provincial 好差评 system's channel codes (评价渠道); a connector may map them differently (its options).
NATIONAL_CHANNEL = {
    Channel.PORTAL: "1",
    Channel.MOBILE: "2",
    Channel.PAD: "3",
    Channel.SMS: "5",
    Channel.HOTLINE: "6",
    Channel.API: "7",
    Channel.SYSTEM: "9",
}


class Category(models.TextChoices):
    """What a bad review was about, as rectification classifies it."""

    ATTITUDE = "attitude", _("Service attitude")
    EFFICIENCY = "efficiency", _("Efficiency")
    POLICY = "policy", _("Policy and regulations")
    GUIDE = "guide", _("Service guide")
    MATERIALS = "materials", _("Material requirements")
    PLATFORM = "platform", _("Platform and systems")
    ENVIRONMENT = "environment", _("Service environment")
    CONDUCT = "conduct", _("Work style and discipline")
    OTHER = "other", _("Other")


class CallbackChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class CallbackOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Reached: the problem is confirmed")
    UNDERSTOOD = "understood", _("Reached: the person accepts the explanation")
    DISPUTED = "disputed", _("Reached: the person's account differs from the records")
    UNREACHABLE = "unreachable", _("Could not be reached")
    DECLINED = "declined", _("Declined the callback")


REACHED = frozenset({CallbackOutcome.CONFIRMED, CallbackOutcome.UNDERSTOOD, CallbackOutcome.DISPUTED})


def indicator_choices(mode: str) -> list[tuple[str, object]]:
    return [(code, INDICATOR_NAMES[code]) for code in INDICATORS[mode] if code != OVERALL]


def reason_choices(mode: str) -> list[tuple[str, object]]:
    return [(code, REASON_NAMES[code]) for code in REASONS[mode]]
