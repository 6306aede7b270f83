"""Supervision tables, cards side: yellow and red cards, their settings, correction orders, the watch list and the
live queue table of the halls (kept from their events).

A card is a record, never deleted: which rule (code and version) found what on which case or step, of which
department and staff member, when it was issued and when (and how) it ended. At most one card per (case, step, rule)
is open at a time (a partial unique constraint), so evaluating twice never issues twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Card",
    "CardLevel",
    "CardOutcome",
    "CardSettings",
    "CorrectionEvent",
    "CorrectionOrder",
    "CorrectionState",
    "HallQueue",
    "Watch",
]


class CardLevel(models.TextChoices):
    YELLOW = "yellow", _("Yellow card")
    RED = "red", _("Red card")


class CardOutcome(models.TextChoices):
    OPEN = "", _("Open")
    IN_TIME = "in_time", _("Resolved in time")
    ESCALATED = "escalated", _("Became a red card")
    LATE = "late", _("Resolved late")
    ENDED = "ended", _("Case ended")
    CLEARED = "cleared", _("Condition no longer holds")


class CardSettings(models.Model):
    """The supervisor's settings for the checks (one row, pk 1): the yellow threshold and the rules switched off."""

    yellow_percent = models.PositiveSmallIntegerField(_("yellow card at this share of the time used (%)"), default=80)
    yellow_days_left = models.PositiveSmallIntegerField(
        _("yellow card when this many working days are left"), default=1
    )
    disabled_rules = models.JSONField(_("rules switched off"), default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("card settings")
        verbose_name_plural = _("card settings")

    def __str__(self) -> str:
        return f"{self.yellow_percent}% / {self.yellow_days_left}"


class Card(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    step = models.ForeignKey(
        "cases.CaseStep", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("step")
    )
    # step id or 0 (a case-level card): the open-card constraint needs a non-null column.
    step_key = models.BigIntegerField(default=0, editable=False)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    rule = models.CharField(_("rule"), max_length=40)
    rule_version = models.PositiveSmallIntegerField(_("rule version"), default=1)
    level = models.CharField(_("level"), max_length=6, choices=CardLevel.choices)
    reason = models.TextField(_("reason"))
    # The finding's figures (days used, days over …), so a page renders the reason in the reader's language.
    details = models.JSONField(default=dict, blank=True)
    due = models.DateField(_("deadline judged"), null=True, blank=True)
    # Denormalised for lists (no join to cases): the case number and the item.
    case_number = models.CharField(max_length=24)
    item_name = models.CharField(max_length=200)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CardOutcome.choices, blank=True, default="")

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "step_key", "rule"], condition=Q(resolved_at__isnull=True), name="sup_card_open_once"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "issued_at"], name="sup_card_org_issued"),
            models.Index(fields=["staff", "resolved_at"], name="sup_card_staff"),
            models.Index(fields=["issued_at", "id"], name="sup_card_issued"),
            models.Index(fields=["case", "resolved_at"], name="sup_card_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.rule} {self.level}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class CorrectionState(models.TextChoices):
    OPEN = "open", _("Awaiting the department's answer")
    ANSWERED = "answered", _("Answered, awaiting the supervisor")
    CLOSED = "closed", _("Closed")


class CorrectionOrder(models.Model):
    """A correction order (纠错) a supervisor issues on a case or one of its steps; the department answers."""

    number = models.CharField(_("number"), max_length=24, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    step = models.ForeignKey(
        "cases.CaseStep", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("step")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    case_number = models.CharField(max_length=24)
    item_name = models.CharField(max_length=200)
    text = models.TextField(_("what must be corrected"))
    due = models.DateField(_("answer due"))
    state = models.CharField(_("state"), max_length=10, choices=CorrectionState.choices, default=CorrectionState.OPEN)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The first answer's time (a reopened order keeps it): whether the department answered by the due date.
    first_answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("supervisor's note"), blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("correction order")
        verbose_name_plural = _("correction orders")
        indexes = [
            models.Index(fields=["organisation", "state", "due"], name="sup_corr_org_state"),
            models.Index(fields=["issued_at", "id"], name="sup_corr_issued"),
        ]

    def __str__(self) -> str:
        return self.number

    def overdue_on(self, day) -> bool:
        """Not answered by its due date (an answer after it, or none yet and the day is past it)."""
        answered = self.first_answered_at
        if answered is not None:
            return timezone.localdate(answered) > self.due
        return day > self.due


class CorrectionEvent(models.Model):
    """Append-only: each transition of a correction order, who made it, when, and what they wrote."""

    order = models.ForeignKey(CorrectionOrder, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class Watch(models.Model):
    """A supervisor's watch list entry: one case or one department."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "case"], name="sup_watch_case_once"),
            models.UniqueConstraint(fields=["user", "organisation"], name="sup_watch_org_once"),
            models.CheckConstraint(
                condition=Q(case__isnull=False, organisation__isnull=True)
                | Q(case__isnull=True, organisation__isnull=False),
                name="sup_watch_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.case_id or ''} {self.organisation_id or ''}"


class HallQueue(models.Model):
    """A hall's queue right now, as its last `halls.ticket_changed` event told it (one row per hall)."""

    hall = models.OneToOneField("orgs.Hall", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    waiting = models.PositiveIntegerField(default=0)
    serving = models.PositiveIntegerField(default=0)
    oldest_waiting_since = models.DateTimeField(null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.hall_id} {self.day} {self.waiting}"
