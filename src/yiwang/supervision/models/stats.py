"""Supervision tables, statistics side: the raw rows behind every figure, the rollups, and the rankings.

- `StatCase` is supervision's own row per case (its fixed facts, what happened to it and when, and the last case
  event folded in). It is the drill-down ("the cases behind this figure"), indexed by department and day, and what
  makes the event handler idempotent: an event whose seq is not above `last_seq` changes nothing.
- `StatRating` and `StatTicket` are the same for ratings and 12345 tickets, built from their outbox payloads only
  (supervision never reads those modules' tables).
- `StatRollup` holds additive counters per hour and per day × organisation × item × channel. Every page reads it;
  nothing counts cases at request time. `rollup.rebuild()` recomputes it from the case event log and the rows above.
- `ScoringModel` is a versioned set of indicator weights: a version is never changed, an edit makes the next one,
  so a published ranking (`Ranking`) recomputes the same way years later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "COUNTERS",
    "Period",
    "Ranking",
    "ScoringModel",
    "StatCase",
    "StatRating",
    "StatRollup",
    "StatTicket",
]


class Period(models.TextChoices):
    HOUR = "hour", _("Hour")
    DAY = "day", _("Day")


# The additive counters of a rollup row (every one a sum; rates are divided at read time).
COUNTERS = (
    "received",  # applications submitted
    "accepted",  # accepted (or deemed accepted)
    "not_accepted",
    "withdrawn",
    "concluded",  # approved or refused
    "approved",
    "refused",
    "on_time",  # concluded on or before the promised deadline
    "overdue",  # concluded after it
    "work_days",  # sum of actual working days (acceptance → conclusion) of the concluded
    "promised_days",  # sum of the promised limits of the concluded
    "statutory_days",  # sum of the statutory limits of the concluded
    "immediate",  # received cases of 即办件 items
    "online",  # received through the online portal, the mobile portal or a department system
    "full_online",  # received for items at online depth IV (全程网办)
    "one_visit",  # received for items needing at most one visit (最多跑一次)
    "zero_visit",  # received for items needing no visit (零跑动)
    "ratings",  # ratings that count
    "rating_sum",  # their levels summed (1–5)
    "bad_ratings",  # of them, 不满意 / 非常不满意
    "rectified",  # bad ratings whose rectification is closed
    "tickets",  # 12345 tickets assigned
    "complaints",  # of them, complaints
)


class StatCase(models.Model):
    """One case as supervision sees it: fixed facts, milestones, outcome; the drill-down's indexed raw row."""

    case_id = models.BigIntegerField(primary_key=True)
    case_number = models.CharField(_("case number"), max_length=24)
    item_id = models.BigIntegerField()
    item_name = models.CharField(_("item"), max_length=200)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    division_path = models.CharField(max_length=120)
    channel = models.CharField(_("channel"), max_length=10)
    handling_kind = models.PositiveSmallIntegerField(default=2)
    online_depth = models.PositiveSmallIntegerField(default=1)
    visits_required = models.PositiveSmallIntegerField(default=1)
    promised_limit = models.PositiveIntegerField(default=0)
    statutory_limit = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_day = models.DateField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_day = models.DateField(null=True, blank=True)
    # approved, refused, not_accepted, withdrawn, voided; empty while open
    outcome = models.CharField(_("outcome"), max_length=14, blank=True)
    promised_due = models.DateField(_("promised deadline"), null=True, blank=True)
    on_time = models.BooleanField(null=True)
    work_days = models.IntegerField(_("working days taken"), null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "received_day"], name="statcase_org_recv"),
            models.Index(fields=["organisation", "ended_day"], name="statcase_org_end"),
            models.Index(fields=["item_id", "received_day"], name="statcase_item_recv"),
            models.Index(fields=["received_day"], name="statcase_recv"),
            models.Index(fields=["outcome", "organisation"], name="statcase_outcome_org"),
        ]

    def __str__(self) -> str:
        return self.case_number


class StatRating(models.Model):
    """One rating as its `ratings.changed` events described it (last event wins; older events are ignored)."""

    rating_id = models.BigIntegerField(primary_key=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    item_id = models.BigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    day = models.DateField()
    level = models.PositiveSmallIntegerField()
    counted = models.BooleanField(default=True)
    rectified = models.BooleanField(default=False)
    last_event = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "day"], name="statrating_org_day")]

    def __str__(self) -> str:
        return f"rating {self.rating_id}"


class StatTicket(models.Model):
    """One 12345 ticket as its `hotline.ticket_changed` events described it."""

    ticket_id = models.BigIntegerField(primary_key=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    day = models.DateField()
    kind = models.CharField(max_length=12, blank=True)
    last_event = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "day"], name="statticket_org_day")]

    def __str__(self) -> str:
        return f"ticket {self.ticket_id}"


class StatRollup(models.Model):
    """Additive counters of one hour (or one day: hour 0) × organisation × item (0: none) × channel ('': none)."""

    period = models.CharField(max_length=4, choices=Period.choices)
    day = models.DateField()
    hour = models.PositiveSmallIntegerField(default=0)
    organisation_id = models.BigIntegerField()
    item_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=10, blank=True, default="")
    received = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    not_accepted = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    concluded = models.IntegerField(default=0)
    approved = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    work_days = models.BigIntegerField(default=0)
    promised_days = models.BigIntegerField(default=0)
    statutory_days = models.BigIntegerField(default=0)
    immediate = models.IntegerField(default=0)
    online = models.IntegerField(default=0)
    full_online = models.IntegerField(default=0)
    one_visit = models.IntegerField(default=0)
    zero_visit = models.IntegerField(default=0)
    ratings = models.IntegerField(default=0)
    rating_sum = models.BigIntegerField(default=0)
    bad_ratings = models.IntegerField(default=0)
    rectified = models.IntegerField(default=0)
    tickets = models.IntegerField(default=0)
    complaints = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "day", "hour", "organisation_id", "item_id", "channel"], name="statrollup_key"
            )
        ]
        indexes = [
            models.Index(fields=["period", "day", "organisation_id"], name="statrollup_day_org"),
            models.Index(fields=["period", "organisation_id", "day"], name="statrollup_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.day} {self.hour} {self.organisation_id}/{self.item_id}/{self.channel}"


class ScoringModel(models.Model):
    """One version of a ranking formula: weights per indicator (never edited; an edit saves the next version)."""

    name = models.CharField(_("name"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    weights = models.JSONField(_("weights"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="scoring_model_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Ranking(models.Model):
    """A published monthly ranking: the model version used, and every department's indicators and score."""

    month = models.DateField(_("month"))  # the first day
    model = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="rankings")
    rows = models.JSONField(default=list)  # [{organisation_id, name, score, rank, values: {indicator: value}}]
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month", "-published_at"]
        constraints = [models.UniqueConstraint(fields=["month", "model"], name="ranking_month_model")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.model}"
