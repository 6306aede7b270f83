"""The one write path of ratings: every rating, rectification step, appeal and complaint step is one function here.

Each function checks who is calling (`policy`), checks the input (every problem at once, in Chinese and English,
nothing written), locks the row it changes, writes the change, an append-only `RatingEvent`, and the statistics
deltas (`rollup.add`) in one transaction, then announces it on commit (`signals.ratings_changed`). Pages, the API,
the window pad, the 12345 operator's form, the SMS link and the daily sweeps all call these functions.

Rules kept here and nowhere else:
- 一事一评: one rating per case and stage (accepted → result → followup); a later stage replaces the earlier one in
  the statistics, both are kept. Only the applicant (or an agent with the apply permission) rates their case; a
  12345 operator records it for them when the caller gives the case's query code or calls from its registered
  phone; an SMS link rates for the person it was sent to, once.
- 一次一评: one rating per hall visit (a visit source's ticket); the window pad without a visit takes one rating per
  RATINGS_PAD_SECONDS and records an anonymous one.
- A bad review (不满意, 非常不满意) by a known person opens a rectification in the responsible department, due in
  RATINGS_RECTIFY_DAYS working days on the official calendar; anonymous bad reviews count but cannot be called back.
- Rectification: callback (verify) → classify → rectify and submit → the supervisor closes it or sends it back.
  The department may appeal once; an upheld appeal removes the review from the statistics and keeps it on record.
  When the rectification closes the person is told the outcome and may rate the case once more.
- Complaints: routed to the department responsible, due in RATINGS_COMPLAINT_DAYS working days; verify → handle →
  reply (the person is told) → the supervisor closes it or sends it back.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.calendar import workdays
from yiwang.cases.actions import Caller
from yiwang.core import outbox, uploads
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity.models import Enterprise, Person
from yiwang.orgs.models import Hall, Organisation, OrgKind, Role, Window

from . import casefacts, policy, rollup, signals
from .models import (
    OPEN_COMPLAINT_STATES,
    OPEN_RECT_STATES,
    About,
    Appeal,
    AppealKind,
    AppealState,
    Callback,
    CaseRecord,
    Complaint,
    ComplaintKind,
    ComplaintState,
    HandledEvent,
    Invite,
    Kind,
    Pad,
    Rating,
    RatingEvent,
    RatingStaff,
    Rectification,
    RectificationFile,
    RectState,
)
from .standard import (
    INDICATORS,
    OVERALL,
    REASON_NAMES,
    STAGE_RANK,
    CallbackChannel,
    CallbackOutcome,
    Category,
    Channel,
    Level,
    Mode,
    Stage,
)
from .visits import Visit

log = logging.getLogger("yiwang.ratings")

COMMENT_MAX = 500
TEXT_MAX = 2000
INVITE_SALT = "yiwang.ratings.invite"
UPLOAD_USE = "material"  # evidence files: PDF, JPEG, PNG or OFD, checked by content, CASE_UPLOAD_MAX_BYTES
FILES_MAX = 10


class NotAllowed(PermissionDenied):
    """The record is in the caller's reach, but their role does not allow this act (403)."""

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("Your role does not allow this."))


def rectify_days() -> int:
    return int(getattr(settings, "RATINGS_RECTIFY_DAYS", 15))


def complaint_days() -> int:
    return int(getattr(settings, "RATINGS_COMPLAINT_DAYS", 13))


def pad_seconds() -> int:
    return int(getattr(settings, "RATINGS_PAD_SECONDS", 20))


def invite_days() -> int:
    return casefacts.rating_window_days() or 30


# --- who acts ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class By:
    """Who did it, as the event records it."""

    user: Any = None
    name: str = ""
    role: str = ""
    organisation_id: int | None = None
    channel: str = ""
    client_id: int | None = None

    @classmethod
    def staff(cls, caller: Caller, role: str, organisation_id: int | None = None, channel: str = "workbench") -> By:
        user = caller.user
        name = (user.get_full_name() or user.get_username()) if user is not None else ""
        if caller.client is not None:
            return cls(
                name=caller.client.name,
                role="client",
                organisation_id=caller.client.organisation_id,
                channel=Channel.API,
                client_id=caller.client.pk,
            )
        return cls(user=user, name=name, role=role, organisation_id=organisation_id, channel=channel)


SYSTEM = By(name="system", role="system", channel="system")


def _person_of(caller: Caller) -> Person | None:
    pid = caller.actor.person_id
    return Person.objects.filter(pk=pid).first() if pid is not None else None


def _event(action: str, by: By, *, rating=None, rectification=None, complaint=None, data=None) -> RatingEvent:
    ev = RatingEvent.objects.create(
        action=action,
        actor=by.user if getattr(by.user, "pk", None) else None,
        actor_name=by.name[:200],
        role=by.role,
        organisation_id=by.organisation_id,
        channel=by.channel,
        client_id=by.client_id,
        rating=rating,
        rectification=rectification,
        complaint=complaint,
        data=data or {},
    )
    kind, pk = (
        ("complaint", complaint.pk)
        if complaint is not None
        else ("rectification", rectification.pk)
        if rectification is not None
        else ("rating", rating.pk if rating is not None else None)
    )
    transaction.on_commit(
        lambda: signals.ratings_changed.send(sender=RatingEvent, kind=kind, pk=pk, event_id=ev.pk, action=action)
    )
    subject = rating if rating is not None else getattr(rectification, "rating", None)
    if subject is not None:
        rectified = None if rectification is None else rectification.state == RectState.CLOSED
        publish_rating(subject, action, rectified=rectified)
    return ev


CHANGED_TOPIC = "ratings.changed"


def publish_rating(rating: Rating, action: str, *, rectified: bool | None = None) -> None:
    """Announces a rating's state on the outbox (`ratings.changed`, in the caller's transaction) for modules that
    may not read ratings' tables (supervision's statistics): whether it counts, its level, and whether its bad
    review was rectified (None: unchanged by this action)."""
    outbox.publish(
        CHANGED_TOPIC,
        {
            "rating_id": rating.pk,
            "action": action,
            "organisation_id": rating.organisation_id,
            "item_id": rating.item_id,
            "case_id": rating.case_id,
            "channel": rating.channel,
            "level": rating.level,
            "day": rating.day.isoformat(),
            "counted": bool(rating.counted and not rating.excluded),
            "rectified": rectified,
        },
        key=f"ratings.rating:{rating.pk}",
    )


def _refuse(field_name: str, code: str, message: Any, params: dict | None = None):
    raise ProblemsError([Problem(field_name, message, code=code, params=params)])


def _text(value: Any, limit: int = TEXT_MAX) -> str:
    return str(value or "").strip()[:limit] if value is not None else ""


def _required_text(problems: list[Problem], field_name: str, value: Any, message: Any, limit: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if not text:
        problems.append(Problem(field_name, message, "required"))
    elif len(text) > limit:
        problems.append(
            Problem(field_name, _("At most %(max_length)s characters."), "too_long", params={"max_length": limit})
        )
    return text


# --- the rating form --------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """What a person answered: the level, the indicators scored, the reasons, and words."""

    level: Any
    indicators: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    comment: str = ""


def check_answer(answer: Answer, mode: str) -> tuple[int, dict[str, int], list[str], str]:
    """The answer checked against the mode's indicator set and reasons: (level, indicators, reasons, comment)."""
    problems: list[Problem] = []
    try:
        level = int(answer.level)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        problems.append(Problem("level", _("Choose how satisfied you are."), "required"))
    allowed = set(INDICATORS[mode]) - {OVERALL}
    scores: dict[str, int] = {}
    for code, raw in (answer.indicators or {}).items():
        if raw in (None, ""):
            continue
        if code not in allowed:
            problems.append(
                Problem(f"indicators.{code}", _("This indicator is not rated for this kind of service."), "invalid")
            )
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = 0
        if value not in Level.values:
            problems.append(Problem(f"indicators.{code}", _("Choose a score from 1 to 5."), "invalid"))
            continue
        scores[code] = value
    reasons = list(dict.fromkeys(str(r) for r in (answer.reasons or []) if str(r)))
    unknown = [r for r in reasons if r not in REASON_NAMES]  # forms offer the mode's list; 12345 hears any
    if unknown:
        problems.append(Problem("reasons", _("Choose the reasons from the list."), "invalid"))
    comment = str(answer.comment or "").strip()
    if len(comment) > COMMENT_MAX:
        problems.append(
            Problem("comment", _("At most %(max_length)s characters."), "too_long", params={"max_length": COMMENT_MAX})
        )
    if level in (1, 2):
        if not reasons:
            problems.append(Problem("reasons", _("Tell us at least one reason you are dissatisfied."), "required"))
        elif "other" in reasons and not comment:
            problems.append(Problem("comment", _("Say in a few words what went wrong."), "required"))
    elif reasons:
        problems.append(Problem("reasons", _("Reasons are asked only when you are dissatisfied."), "invalid"))
    if problems:
        raise ProblemsError(problems)
    return level, scores, reasons, comment


# --- rating a case (一事一评) -------------------------------------------------------------------------------------


def _case_rating(case_id: int, stage: str) -> Rating | None:
    return Rating.objects.filter(case_id=case_id, stage=stage, kind=Kind.CASE).first()


def followup_open(case, person_id: int | None) -> bool:
    """After a rectification of the person's bad review of this case closed, they may rate it once more."""
    if person_id is None:
        return False
    closed = Rectification.objects.filter(
        rating__case_id=case.pk, rating__person_id=person_id, state=RectState.CLOSED
    ).exists()
    return closed and _case_rating(case.pk, Stage.FOLLOWUP) is None


def open_stage(case, person_id: int | None, now: dt.datetime | None = None) -> str | None:
    """The stage this person may rate the case at now, or None."""
    if followup_open(case, person_id):
        return Stage.FOLLOWUP
    stage = casefacts.stage_now(case, now)
    if stage is None or _case_rating(case.pk, stage) is not None:
        return None
    return stage


def _closed_stage_problem(case) -> Problem:
    if casefacts.stage_now(case) is None and case.state in casefacts.RESULT_STATES:
        return Problem("stage", _("The time to rate this case has passed."), "closed")
    if casefacts.stage_now(case) is None:
        return Problem("stage", _("This case can be rated after it is accepted and again after the result."), "not_yet")
    return Problem("stage", _("You have already rated this case at this stage."), "already_rated")


def _write_case_rating(
    case,
    stage: str,
    answer: Answer,
    *,
    by: By,
    channel: str,
    person: Person | None,
    enterprise: Enterprise | None = None,
    recorded_by: Any = None,
    client: Any = None,
    work_order: str = "",
    is_default: bool = False,
    now: dt.datetime | None = None,
) -> Rating:
    """Writes the rating of `case` at `stage` (already judged open), replaces the earlier stage in the statistics,
    opens the rectification of a real-name bad review. Must run inside a transaction."""
    mode = casefacts.mode_of(case)
    level, scores, reasons, comment = check_answer(answer, mode)
    now = now or timezone.now()
    staff = casefacts.staff_of(case.pk)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                kind=Kind.CASE,
                stage=stage,
                mode=mode,
                level=level,
                indicators=scores,
                reasons=reasons,
                comment=comment,
                channel=channel,
                is_default=is_default,
                person=person,
                enterprise=enterprise,
                case=case,
                case_number=case.case_number,
                item_id=case.item_id,
                item_version=case.version.number,
                item_name=case.item_name,
                organisation_id=case.organisation_id,
                hall_id=case.hall_id,
                work_order=_text(work_order, 40),
                recorded_by=recorded_by,
                client=client,
                rated_at=now,
                day=timezone.localdate(now),
            )
    except IntegrityError:
        _refuse("stage", "already_rated", _("You have already rated this case at this stage."))
    RatingStaff.objects.bulk_create(
        [RatingStaff(rating=rating, user_id=s.user_id, role=s.role, name=s.name[:200]) for s in staff]
    )
    staff_ids = [s.user_id for s in staff]
    keys = rollup.rating_dims(rating, staff_ids)
    rollup.add(rating.day, keys, rollup.counted_deltas(rating))
    # The latest stage counts: the earlier rating of the case leaves the statistics (it stays on record).
    earlier = (
        Rating.objects.select_for_update()
        .filter(case_id=case.pk, kind=Kind.CASE, counted=True)
        .exclude(pk=rating.pk)
        .order_by("-rated_at")
    )
    for old in earlier:
        if STAGE_RANK.get(old.stage, 0) < STAGE_RANK.get(stage, 0):
            old.counted = False
            old.superseded_by = rating
            old.save(update_fields=["counted", "superseded_by"])
            publish_rating(old, "superseded")
            rollup.add(old.day, rollup.rating_dims(old), rollup.counted_deltas(old, -1))
    if not is_default:
        _mark_rated(case.pk)
    _event(
        "rate",
        by,
        rating=rating,
        data={"stage": stage, "level": level, "channel": channel, "case": case.case_number, "default": is_default},
    )
    if rating.is_bad and person is not None and not is_default:
        _open_rectification(rating, keys)
    return rating


def _mark_rated(case_id: int) -> None:
    """The first rating a person gives a case makes it 'rated' for 未评价率 (counted on its conclusion day)."""
    changed = CaseRecord.objects.filter(case_id=case_id, rated=False).update(rated=True)
    if changed:
        rec = CaseRecord.objects.get(pk=case_id)
        if rec.concluded_day is not None:
            rollup.add(rec.concluded_day, rollup.case_dims(rec), {"rated_concluded": 1})


def _channel_for(caller: Caller, requested: str | None) -> str:
    if caller.is_client:
        return Channel.API
    return requested if requested in (Channel.PORTAL, Channel.MOBILE, Channel.API) else Channel.PORTAL


@transaction.atomic
def rate_case(caller: Caller, case, answer: Answer, *, channel: str | None = None, stage: str | None = None) -> Rating:
    """The applicant rates their own case (portal, phone pages, API). The case must be in the caller's view."""
    if caller.user is None or not casefacts.may_rate(caller.actor, case):
        raise NotAllowed(_("Only the applicant can rate this case."))
    case = _lock_case_ratings(case)
    person = _person_of(caller)
    wanted = open_stage(case, caller.actor.person_id)
    if wanted is None or (stage and stage != wanted):
        raise ProblemsError([_closed_stage_problem(case)])
    enterprise = case.enterprise if case.enterprise_id else None
    by = By(
        user=caller.user, name=person.name if person else "", role="applicant", channel=_channel_for(caller, channel)
    )
    return _write_case_rating(case, wanted, answer, by=by, channel=by.channel, person=person, enterprise=enterprise)


def _lock_case_ratings(case):
    """Serialises the ratings of one case: the case record row is locked (created if missing) for the transaction."""
    CaseRecord.objects.get_or_create(
        case_id=case.pk,
        defaults={"organisation_id": case.organisation_id, "item_id": case.item_id, "hall_id": case.hall_id},
    )
    CaseRecord.objects.select_for_update().filter(pk=case.pk).first()
    return casefacts.by_pk(case.pk)


@transaction.atomic
def rate_for_caller(
    caller: Caller,
    *,
    case_number: str,
    answer: Answer,
    query_code: str = "",
    caller_phone: str = "",
    work_order: str = "",
) -> Rating:
    """A 12345 operator records the rating a caller gives by phone. The caller proves the case is theirs with its
    query code, or by calling from the applicant's registered mobile number."""
    if caller.user is None or not policy.is_operator(caller.actor):
        raise NotAllowed(_("Only 12345 operators record ratings for callers."))
    problems: list[Problem] = []
    number = (case_number or "").strip().upper()
    if (err := casefacts.number_problem(number)) is not None:
        problems.append(Problem("case_number", err, "invalid"))
    if not (query_code or "").strip() and not (caller_phone or "").strip():
        problems.append(
            Problem(
                "query_code", _("Give the case's query code, or the number the caller is calling from."), "required"
            )
        )
    if problems:
        raise ProblemsError(problems)
    case = casefacts.by_number(number)
    proven = case is not None and (
        casefacts.query_code_matches(case, query_code) or casefacts.phone_matches(case, caller_phone)
    )
    if not proven:
        _refuse(
            "case_number",
            "not_matched",
            _("No case matches this number with this query code or phone number; check them with the caller."),
        )
    case = _lock_case_ratings(case)
    wanted = open_stage(case, case.person_id)
    if wanted is None:
        raise ProblemsError([_closed_stage_problem(case)])
    by = By.staff(caller, Role.HOTLINE_OPERATOR, channel=Channel.HOTLINE)
    return _write_case_rating(
        case,
        wanted,
        answer,
        by=by,
        channel=Channel.HOTLINE,
        person=case.person,
        enterprise=case.enterprise if case.enterprise_id else None,
        recorded_by=caller.user,
        work_order=work_order,
    )


# --- SMS invitations (a signed, one-use link) -------------------------------------------------------------------


def invite_token(invite: Invite) -> str:
    return signing.dumps({"i": invite.pk, "n": invite.nonce}, salt=INVITE_SALT, compress=True)


def invite_for_token(token: str) -> Invite | None:
    """The invitation a token names (genuine, not forged), whether or not it is still usable; None otherwise."""
    try:
        data = signing.loads(token or "", salt=INVITE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("n"), str):
        return None
    invite = Invite.objects.select_related("person").filter(pk=data["i"]).first()
    if invite is None or not secrets.compare_digest(invite.nonce, data["n"]):
        return None
    return invite


def make_invite(case, stage: str, now: dt.datetime | None = None) -> Invite | None:
    """The invitation to rate `case` at `stage` (once per case and stage: an existing one is returned)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return Invite.objects.create(
                case_id=case.pk,
                person_id=case.person_id,
                stage=stage,
                nonce=secrets.token_urlsafe(16),
                created_at=now,
                expires_at=now + dt.timedelta(days=invite_days()),
            )
    except IntegrityError:
        return Invite.objects.filter(case_id=case.pk, stage=stage).first()


def invite_problem(invite: Invite | None, now: dt.datetime | None = None) -> Problem | None:
    now = now or timezone.now()
    if invite is None:
        return Problem("token", _("This link is not valid."), "invalid")
    if invite.used_at is not None:
        return Problem("token", _("This link has been used already: each link rates once."), "used")
    if invite.expires_at < now:
        return Problem("token", _("This link has expired."), "expired")
    return None


@transaction.atomic
def rate_by_invite(token: str, answer: Answer, now: dt.datetime | None = None) -> Rating:
    """Rates through the SMS link: for the person it was sent to, the stage it names, once."""
    found = invite_for_token(token)
    if found is None:
        _refuse("token", "invalid", _("This link is not valid."))
    invite = Invite.objects.select_for_update(of=("self",)).select_related("person").get(pk=found.pk)
    problem = invite_problem(invite, now)
    if problem is not None:
        raise ProblemsError([problem])
    case = _lock_case_ratings(casefacts.by_pk(invite.case_id))
    wanted = open_stage(case, invite.person_id, now)
    if wanted != invite.stage:
        raise ProblemsError([_closed_stage_problem(case)])
    person = invite.person
    by = By(user=person.user, name=person.name, role="applicant", channel=Channel.SMS)
    rating = _write_case_rating(
        case,
        wanted,
        answer,
        by=by,
        channel=Channel.SMS,
        person=person,
        enterprise=case.enterprise if case.enterprise_id else None,
        now=now,
    )
    invite.used_at = now or timezone.now()
    invite.rating = rating
    invite.save(update_fields=["used_at", "rating"])
    return rating


# --- rating a visit (一次一评) ------------------------------------------------------------------------------------


def _visit_org(window: Window | None, hall: Hall, organisation_id: int | None) -> int:
    if organisation_id:
        return organisation_id
    if window is not None:
        first = window.organisations.order_by("pk").values_list("pk", flat=True).first()
        if first:
            return first
    return hall.organisation_id


def _write_visit_rating(
    *,
    hall: Hall,
    window: Window | None,
    answer: Answer,
    channel: str,
    by: By,
    visit: Visit | None = None,
    pad: Pad | None = None,
    person: Person | None = None,
    staff_user: Any = None,
    client: Any = None,
    now: dt.datetime | None = None,
) -> Rating:
    level, scores, reasons, comment = check_answer(answer, Mode.ONSITE)
    now = now or timezone.now()
    org_id = _visit_org(window, hall, visit.organisation_id if visit else None)
    item_name, item_id, case, item_version = "", None, None, None
    if visit is not None and visit.case_id:
        case = casefacts.by_pk(visit.case_id)
    if case is not None:
        item_id, item_name, item_version = case.item_id, case.item_name, case.version.number
    elif visit is not None and visit.item_id:
        item_id = visit.item_id
    if person is None and visit is not None and visit.person_id:
        person = Person.objects.filter(pk=visit.person_id).first()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                kind=Kind.VISIT,
                stage=Stage.VISIT,
                mode=Mode.ONSITE,
                level=level,
                indicators=scores,
                reasons=reasons,
                comment=comment,
                channel=channel,
                person=person,
                case=case,
                case_number=case.case_number if case else "",
                item_id=item_id,
                item_version=item_version,
                item_name=item_name,
                organisation_id=org_id,
                hall=hall,
                window=window,
                visit_key=visit.key if visit else "",
                pad=pad,
                client=client,
                rated_at=now,
                day=timezone.localdate(now),
            )
    except IntegrityError:
        _refuse("visit", "already_rated", _("This visit has been rated already."))
    staff: list[tuple[int, str]] = []
    if visit is not None and visit.staff_id:
        staff.append((visit.staff_id, visit.staff_name))
    elif staff_user is not None:
        staff.append((staff_user.pk, staff_user.get_full_name() or staff_user.get_username()))
    RatingStaff.objects.bulk_create(
        [RatingStaff(rating=rating, user_id=uid, role=Role.WINDOW_CLERK, name=name[:200]) for uid, name in staff]
    )
    keys = rollup.rating_dims(rating, [uid for uid, _n in staff])
    rollup.add(rating.day, keys, rollup.counted_deltas(rating))
    _event(
        "rate",
        by,
        rating=rating,
        data={
            "stage": Stage.VISIT,
            "level": level,
            "channel": channel,
            "visit": rating.visit_key,
            "window": window.pk if window else None,
        },
    )
    if rating.is_bad and person is not None:
        _open_rectification(rating, keys)
    return rating


def pad_key_hash(key: str) -> str:
    import hashlib

    return hashlib.sha256(f"ratings-pad:{key}".encode()).hexdigest()


def pad_for_key(key: str) -> Pad | None:
    if not key or len(key) > 80:
        return None
    return (
        Pad.objects.select_related("window__hall", "staff")
        .filter(key_hash=pad_key_hash(key), revoked_at__isnull=True)
        .first()
    )


@transaction.atomic
def rate_at_pad(pad: Pad, answer: Answer, *, visit: Visit | None = None, now: dt.datetime | None = None) -> Rating:
    """A press on the window's rating pad: the visit that just ended there (once), or an anonymous rating of the
    window and its clerk (at most one per RATINGS_PAD_SECONDS)."""
    now = now or timezone.now()
    pad = Pad.objects.select_for_update(of=("self",)).select_related("window__hall", "staff").get(pk=pad.pk)
    if pad.revoked_at is not None:
        _refuse("pad", "revoked", _("This rating pad has been switched off."))
    if visit is None and pad.last_rating_at and pad.last_rating_at > now - dt.timedelta(seconds=pad_seconds()):
        _refuse("pad", "too_soon", _("Thank you — the pad is ready again in a few seconds."))
    window = pad.window
    by = By(name="", role="visitor", channel=Channel.PAD)
    rating = _write_visit_rating(
        hall=window.hall,
        window=window,
        answer=answer,
        channel=Channel.PAD,
        by=by,
        visit=visit,
        pad=pad,
        staff_user=pad.staff,
        now=now,
    )
    pad.last_rating_at = now
    pad.save(update_fields=["last_rating_at"])
    return rating


@transaction.atomic
def rate_visit_by_link(caller: Caller, visit: Visit, answer: Answer, *, channel: str | None = None) -> Rating:
    """The phone link on a finished ticket: real-name when the person is signed in (or took the ticket signed in)."""
    hall = Hall.objects.filter(pk=visit.hall_id).first()
    if hall is None:
        _refuse("visit", "invalid", _("This visit is not known."))
    window = Window.objects.filter(pk=visit.window_id).first() if visit.window_id else None
    person = _person_of(caller) if caller.user is not None else None
    ch = channel if channel in (Channel.PORTAL, Channel.MOBILE) else Channel.MOBILE
    by = By(user=caller.user, name=person.name if person else "", role="visitor", channel=ch)
    return _write_visit_rating(hall=hall, window=window, answer=answer, channel=ch, by=by, visit=visit, person=person)


@transaction.atomic
def rate_from_device(caller: Caller, window: Window, answer: Answer, *, ticket: str = "") -> Rating:
    """A department's evaluator device (machine client with ratings:write) sends an on-site rating for one of its
    windows; `ticket` (the device's visit id) makes it once per visit."""
    if not caller.is_client or not policy.client_windows(caller.actor).filter(pk=window.pk).exists():
        raise NotAllowed
    by = By.staff(caller, "client")
    visit = None
    if ticket:
        visit = Visit(
            source=f"c{caller.client.pk}",
            ticket=str(ticket)[:60],
            hall_id=window.hall_id,
            window_id=window.pk,
            finished_at=timezone.now(),
        )
    return _write_visit_rating(
        hall=window.hall, window=window, answer=answer, channel=Channel.API, by=by, visit=visit, client=caller.client
    )


# --- rectification ----------------------------------------------------------------------------------------------


def _open_rectification(rating: Rating, keys: list[rollup.Key]) -> Rectification:
    org = Organisation.objects.select_related("division").get(pk=rating.organisation_id)
    opened = rating.rated_at
    rect = Rectification.objects.create(
        rating=rating,
        organisation=org,
        division_path=org.division.path,
        opened_at=opened,
        due=workdays.add_working_days(timezone.localdate(opened), rectify_days()),
    )
    rollup.add(rating.day, keys, {"bad_named": 1})
    _event("rectification_opened", SYSTEM, rating=rating, rectification=rect, data={"due": rect.due.isoformat()})
    return rect


def _locked_rect(rect: Rectification | int, expected_revision: int | None = None) -> Rectification:
    pk = rect.pk if isinstance(rect, Rectification) else rect
    locked = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("organisation__division", "rating")
        .get(pk=pk)
    )
    if expected_revision is not None and expected_revision != locked.revision:
        _refuse("revision", "stale", _("Someone else changed this record a moment ago; reload it and try again."))
    return locked


def _require_state(rect: Rectification, states: Iterable[str], what: Any) -> None:
    if rect.state not in states:
        _refuse(
            "state",
            "illegal_transition",
            _("“%(action)s” is not possible while the rectification is “%(state)s”."),
            {"action": what, "state": RectState(rect.state).label},
        )


def _as_department(caller: Caller, rect: Rectification) -> By:
    if caller.user is None or not policy.handles(caller.actor, rect.organisation):
        raise NotAllowed(_("Only the responsible department's staff do this."))
    role = Role.APPROVER if caller.actor.may_write(Role.APPROVER) else Role.REVIEWER
    return By.staff(caller, role, rect.organisation_id)


def _as_supervisor(caller: Caller, org: Organisation) -> By:
    if caller.user is None or not policy.supervises(caller.actor, org):
        raise NotAllowed(_("Only the supervising office does this."))
    return By.staff(caller, Role.SUPERVISOR, org.pk)


def _save(rect: Rectification, *fields: str) -> None:
    rect.revision += 1
    rect.save(update_fields=[*fields, "revision"])


def _parse_when(value: Any, problems: list[Problem], now: dt.datetime) -> dt.datetime:
    if value in (None, ""):
        return now
    if isinstance(value, dt.datetime):
        when = value
    else:
        try:
            when = dt.datetime.fromisoformat(str(value))
        except ValueError:
            problems.append(Problem("at", _("Enter a date and time (ISO 8601)."), "invalid"))
            return now
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + dt.timedelta(minutes=5):
        problems.append(Problem("at", _("The callback cannot be in the future."), "invalid"))
    return when


@transaction.atomic
def record_callback(
    caller: Caller,
    rect: Rectification | int,
    *,
    channel: str,
    outcome: str,
    note: str = "",
    at: Any = None,
    expected_revision: int | None = None,
) -> Rectification:
    """Verify (核实): the department calls the person back and records when, how and what came of it."""
    rect = _locked_rect(rect, expected_revision)
    by = _as_department(caller, rect)
    _require_state(rect, (RectState.OPEN, RectState.VERIFIED, RectState.CLASSIFIED), _("Record a callback"))
    now = timezone.now()
    problems: list[Problem] = []
    if channel not in CallbackChannel.values:
        problems.append(Problem("channel", _("Choose how the person was contacted."), "invalid"))
    if outcome not in CallbackOutcome.values:
        problems.append(Problem("outcome", _("Choose what came of the callback."), "invalid"))
    when = _parse_when(at, problems, now)
    if when < rect.opened_at - dt.timedelta(minutes=5):
        problems.append(Problem("at", _("The callback cannot be before the review was given."), "invalid"))
    if len(str(note or "")) > TEXT_MAX:
        problems.append(
            Problem("note", _("At most %(max_length)s characters."), "too_long", params={"max_length": TEXT_MAX})
        )
    if problems:
        raise ProblemsError(problems)
    cb = Callback.objects.create(
        rectification=rect, at=when, channel=channel, outcome=outcome, note=_text(note), by=caller.user, by_name=by.name
    )
    if rect.state == RectState.OPEN:
        rect.state = RectState.VERIFIED
    _save(rect, "state")
    _event(
        "callback",
        by,
        rectification=rect,
        rating=rect.rating,
        data={"at": when.isoformat(), "channel": channel, "outcome": outcome, "callback": cb.pk},
    )
    return rect


@transaction.atomic
def classify(
    caller: Caller, rect: Rectification | int, *, category: str, finding: str, expected_revision: int | None = None
) -> Rectification:
    """Classify (定性): which of the standard's categories the problem belongs to, and what was found."""
    rect = _locked_rect(rect, expected_revision)
    by = _as_department(caller, rect)
    _require_state(rect, (RectState.VERIFIED, RectState.CLASSIFIED), _("Classify"))
    problems: list[Problem] = []
    if category not in Category.values:
        problems.append(Problem("category", _("Choose a category."), "invalid"))
    text = _required_text(problems, "finding", finding, _("Say what the callback and the records showed."))
    if problems:
        raise ProblemsError(problems)
    rect.category, rect.finding, rect.state = category, text, RectState.CLASSIFIED
    _save(rect, "category", "finding", "state")
    _event("classify", by, rectification=rect, rating=rect.rating, data={"category": category})
    return rect


def _store_files(rect: Rectification, uploads_: list[Any], user: Any) -> list[RectificationFile]:
    from django.core.files.base import ContentFile

    checked = []
    problems: list[Problem] = []
    if rect.files.count() + len(uploads_) > FILES_MAX:
        _refuse("files", "too_many", _("At most %(n)s files."), {"n": FILES_MAX})
    for i, upload in enumerate(uploads_):
        c, problem = uploads.check(upload, f"files.{i}", UPLOAD_USE)
        if problem is not None:
            problems.append(problem)
        else:
            checked.append(c)
    if problems:
        raise ProblemsError(problems)
    out = []
    for c in checked:
        f = RectificationFile(
            rectification=rect,
            name=(c.original_name or f"evidence.{c.extension}")[:200],
            content_type=c.content_type,
            size=len(c.content),
            sha256=c.sha256,
            added_by=user,
        )
        f.file.save(f"{c.sha256[:16]}.{c.extension}", ContentFile(c.content), save=False)
        f.save()
        out.append(f)
    return out


@transaction.atomic
def add_files(caller: Caller, rect: Rectification | int, files: list[Any]) -> list[RectificationFile]:
    """Evidence of the rectification (PDF, JPEG, PNG or OFD), into private storage."""
    rect = _locked_rect(rect)
    by = _as_department(caller, rect)
    _require_state(rect, (RectState.VERIFIED, RectState.CLASSIFIED), _("Add evidence"))
    if not files:
        _refuse("files", "required", _("Choose a file."))
    stored = _store_files(rect, files, caller.user)
    _save(rect, "state")
    _event("files", by, rectification=rect, data={"files": [f.name for f in stored]})
    return stored


@transaction.atomic
def submit(
    caller: Caller,
    rect: Rectification | int,
    *,
    measures: str,
    files: list[Any] | None = None,
    expected_revision: int | None = None,
) -> Rectification:
    """Rectify (整改): what was done, with evidence, handed to the supervising office for review."""
    rect = _locked_rect(rect, expected_revision)
    by = _as_department(caller, rect)
    _require_state(rect, (RectState.CLASSIFIED,), _("Submit the rectification"))
    problems: list[Problem] = []
    text = _required_text(problems, "measures", measures, _("Say what was done to put it right."))
    if problems:
        raise ProblemsError(problems)
    if files:
        _store_files(rect, files, caller.user)
    now = timezone.now()
    rect.measures, rect.state, rect.submitted_at = text, RectState.SUBMITTED, now
    _save(rect, "measures", "state", "submitted_at")
    _event("submit", by, rectification=rect, rating=rect.rating, data={"files": rect.files.count()})
    return rect


@transaction.atomic
def review(
    caller: Caller, rect: Rectification | int, *, approve: bool, opinion: str, expected_revision: int | None = None
) -> Rectification:
    """The supervisor closes the rectification, or sends it back to the department with the reason."""
    rect = _locked_rect(rect, expected_revision)
    by = _as_supervisor(caller, rect.organisation)
    _require_state(rect, (RectState.SUBMITTED,), _("Review"))
    problems: list[Problem] = []
    text = str(opinion or "").strip()
    if not approve and not text:
        problems.append(Problem("opinion", _("Say what is still missing."), "required"))
    if len(text) > TEXT_MAX:
        problems.append(
            Problem("opinion", _("At most %(max_length)s characters."), "too_long", params={"max_length": TEXT_MAX})
        )
    if problems:
        raise ProblemsError(problems)
    now = timezone.now()
    rect.review_opinion = text
    if not approve:
        rect.state, rect.returned = RectState.CLASSIFIED, rect.returned + 1
        _save(rect, "state", "returned", "review_opinion")
        _event("return", by, rectification=rect, rating=rect.rating, data={"opinion": text})
        return rect
    rect.state, rect.closed_at = RectState.CLOSED, now
    rect.on_time = timezone.localdate(now) <= rect.due
    _save(rect, "state", "closed_at", "on_time", "review_opinion")
    rating = rect.rating
    rollup.add(rating.day, rollup.rating_dims(rating), {"rectified": 1, "rectified_on_time": 1 if rect.on_time else 0})
    _event("close", by, rectification=rect, rating=rating, data={"on_time": rect.on_time, "opinion": text})
    transaction.on_commit(lambda: _queue("tell_outcome", rect.pk))
    return rect


@transaction.atomic
def appeal(
    caller: Caller, rect: Rectification | int, *, kind: str, reason: str, expected_revision: int | None = None
) -> Appeal:
    """申诉: the department asks the supervising office to remove a mistaken or malicious review (once)."""
    rect = _locked_rect(rect, expected_revision)
    by = _as_department(caller, rect)
    _require_state(rect, (RectState.OPEN, RectState.VERIFIED, RectState.CLASSIFIED), _("Appeal"))
    if Appeal.objects.filter(rectification=rect).exists():
        _refuse("appeal", "already_appealed", _("This review has been appealed already."))
    problems: list[Problem] = []
    if kind not in AppealKind.values:
        problems.append(Problem("kind", _("Choose why the review should be removed."), "invalid"))
    text = _required_text(problems, "reason", reason, _("Give the grounds of the appeal."))
    if problems:
        raise ProblemsError(problems)
    a = Appeal.objects.create(rectification=rect, kind=kind, reason=text, filed_by=caller.user, state_before=rect.state)
    rect.state = RectState.APPEALED
    _save(rect, "state")
    rating = rect.rating
    rollup.add(rating.day, rollup.rating_dims(rating), {"appeals": 1})
    _event("appeal", by, rectification=rect, rating=rating, data={"kind": kind})
    return a


@transaction.atomic
def decide_appeal(
    caller: Caller, rect: Rectification | int, *, uphold: bool, note: str, expected_revision: int | None = None
) -> Appeal:
    """复核: the supervising office upholds the appeal (the review leaves the statistics, stays on record) or
    rejects it (the rectification goes on where it was)."""
    rect = _locked_rect(rect, expected_revision)
    by = _as_supervisor(caller, rect.organisation)
    _require_state(rect, (RectState.APPEALED,), _("Decide the appeal"))
    problems: list[Problem] = []
    text = _required_text(problems, "note", note, _("Give the grounds of the decision."))
    if problems:
        raise ProblemsError(problems)
    a = Appeal.objects.select_for_update().get(rectification=rect)
    a.state = AppealState.UPHELD if uphold else AppealState.REJECTED
    a.decided_at, a.decided_by, a.decision_note = timezone.now(), caller.user, text
    a.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    rating = Rating.objects.select_for_update().get(pk=rect.rating_id)
    keys = rollup.rating_dims(rating)
    if uphold:
        rect.state = RectState.EXCLUDED
        deltas = {"appeals_upheld": 1, "excluded": 1, "bad_named": -1}
        if rating.counted:
            for k, v in rollup.counted_deltas(rating, -1).items():
                deltas[k] = deltas.get(k, 0) + v
        rating.counted, rating.excluded = False, True
        rating.save(update_fields=["counted", "excluded"])
        rollup.add(rating.day, keys, deltas)
    else:
        rect.state = a.state_before
    _save(rect, "state")
    _event("appeal_upheld" if uphold else "appeal_rejected", by, rectification=rect, rating=rating, data={"note": text})
    return a


# --- complaints and suggestions ---------------------------------------------------------------------------------


def platform_org() -> Organisation | None:
    """Who answers for the platform: RATINGS_PLATFORM_ORG (a credit code), else the top service centre."""
    code = getattr(settings, "RATINGS_PLATFORM_ORG", "")
    if code:
        found = Organisation.objects.filter(credit_code=code).first()
        if found is not None:
            return found
    return (
        Organisation.objects.filter(kind=OrgKind.SERVICE_CENTER, is_active=True)
        .order_by("division__level", "division__code", "pk")
        .first()
    )


def complaint_number(day: dt.date) -> str:
    """TS + date + six random digits: readable on the phone, not guessable from a neighbour's."""
    return f"TS{day:%Y%m%d}{secrets.randbelow(10**6):06d}"


@transaction.atomic
def file_complaint(
    caller: Caller,
    *,
    kind: str,
    about: str,
    text: str,
    case_number: str = "",
    window_id: int | None = None,
    staff_id: int | None = None,
    channel: str | None = None,
    work_order: str = "",
    enterprise_id: int | None = None,
) -> Complaint:
    """A person complains (or suggests) about a case of theirs, a window, a staff member of their case or the
    platform. Routed to the responsible department with a deadline in working days."""
    person = _person_of(caller)
    if caller.user is None or person is None:
        raise NotAllowed(_("Complaints are made under your real name: sign in with a personal account."))
    problems: list[Problem] = []
    if kind not in ComplaintKind.values:
        problems.append(Problem("kind", _("Choose complaint or suggestion."), "invalid"))
    if about not in About.values:
        problems.append(Problem("about", _("Choose what it is about."), "invalid"))
    body = _required_text(problems, "text", text, _("Say what happened, or what you suggest."))
    if problems:
        raise ProblemsError(problems)
    case = window = staff_user = hall = None
    staff_name = ""
    org: Organisation | None = None
    if about in (About.CASE, About.STAFF) or case_number:
        number = (case_number or "").strip().upper()
        if not number:
            _refuse("case_number", "required", _("Choose the case it is about."))
        case = casefacts.visible_to_applicant(caller.actor, number)
        if case is None:
            _refuse("case_number", "not_found", _("None of your cases has this number."))
        org = case.organisation
        hall = case.hall
    if about == About.STAFF:
        staff = {s.user_id: s for s in casefacts.staff_of(case.pk)}
        if staff_id not in staff:
            _refuse("staff_id", "invalid", _("Choose one of the staff who handled this case."))
        from django.contrib.auth import get_user_model

        staff_user = get_user_model().objects.get(pk=staff_id)
        staff_name = staff[staff_id].name
    if about == About.WINDOW:
        window = Window.objects.select_related("hall").filter(pk=window_id).first() if window_id else None
        if window is None:
            _refuse("window_id", "invalid", _("Choose the window."))
        hall = window.hall
        org = Organisation.objects.get(pk=_visit_org(window, hall, None))
    if about == About.PLATFORM:
        org = platform_org()
        if org is None:
            _refuse("about", "no_department", _("No department answers for the platform yet; call 12345."))
    enterprise = None
    if enterprise_id is not None:
        if not caller.actor.acts_for(enterprise_id, "apply"):
            _refuse("enterprise_id", "not_found", _("You cannot act for this legal person."))
        enterprise = Enterprise.objects.get(pk=enterprise_id)
    elif case is not None and case.enterprise_id:
        enterprise = case.enterprise
    now = timezone.now()
    day = timezone.localdate(now)
    org = Organisation.objects.select_related("division").get(pk=org.pk)
    ch = Channel.HOTLINE if channel == Channel.HOTLINE else _channel_for(caller, channel)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                c = Complaint.objects.create(
                    number=complaint_number(day),
                    kind=kind,
                    about=about,
                    case=case,
                    case_number=case.case_number if case else "",
                    hall=hall,
                    window=window,
                    staff=staff_user,
                    staff_name=staff_name,
                    person=person,
                    enterprise=enterprise,
                    text=body,
                    channel=ch,
                    work_order=_text(work_order, 40),
                    organisation=org,
                    division_path=org.division.path,
                    filed_at=now,
                    day=day,
                    due=workdays.add_working_days(day, complaint_days()),
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - six random digits colliding five times
        raise RuntimeError("could not number the complaint")
    rollup.add(day, rollup.complaint_dims(c), {"complaints": 1})
    by = By(user=caller.user, name=person.name, role="applicant", channel=ch)
    _event("complaint", by, complaint=c, data={"kind": kind, "about": about, "organisation": org.pk})
    return c


def _locked_complaint(c: Complaint | int, expected_revision: int | None = None) -> Complaint:
    pk = c.pk if isinstance(c, Complaint) else c
    locked = (
        Complaint.objects.select_for_update(of=("self",)).select_related("organisation__division", "person").get(pk=pk)
    )
    if expected_revision is not None and expected_revision != locked.revision:
        _refuse("revision", "stale", _("Someone else changed this record a moment ago; reload it and try again."))
    return locked


def _complaint_step(c: Complaint, states: Iterable[str], what: Any) -> None:
    if c.state not in states:
        _refuse(
            "state",
            "illegal_transition",
            _("“%(action)s” is not possible while the complaint is “%(state)s”."),
            {"action": what, "state": ComplaintState(c.state).label},
        )


def _complaint_by(caller: Caller, c: Complaint) -> By:
    if caller.user is None or not policy.handles(caller.actor, c.organisation):
        raise NotAllowed(_("Only the responsible department's staff do this."))
    role = Role.APPROVER if caller.actor.may_write(Role.APPROVER) else Role.REVIEWER
    return By.staff(caller, role, c.organisation_id)


def _csave(c: Complaint, *fields: str) -> None:
    c.revision += 1
    c.save(update_fields=[*fields, "revision"])


@transaction.atomic
def verify_complaint(
    caller: Caller, c: Complaint | int, *, note: str, expected_revision: int | None = None
) -> Complaint:
    c = _locked_complaint(c, expected_revision)
    by = _complaint_by(caller, c)
    _complaint_step(c, (ComplaintState.SUBMITTED,), _("Verify"))
    problems: list[Problem] = []
    c.verify_note = _required_text(problems, "note", note, _("Say what the check of the facts found."))
    if problems:
        raise ProblemsError(problems)
    c.state = ComplaintState.VERIFIED
    _csave(c, "verify_note", "state")
    _event("verify", by, complaint=c)
    return c


@transaction.atomic
def handle_complaint(
    caller: Caller, c: Complaint | int, *, handling: str, expected_revision: int | None = None
) -> Complaint:
    c = _locked_complaint(c, expected_revision)
    by = _complaint_by(caller, c)
    _complaint_step(c, (ComplaintState.VERIFIED,), _("Record the handling"))
    problems: list[Problem] = []
    c.handling = _required_text(problems, "handling", handling, _("Say what was done."))
    if problems:
        raise ProblemsError(problems)
    c.state = ComplaintState.HANDLED
    _csave(c, "handling", "state")
    _event("handle", by, complaint=c)
    return c


@transaction.atomic
def reply_complaint(
    caller: Caller, c: Complaint | int, *, reply: str, expected_revision: int | None = None
) -> Complaint:
    c = _locked_complaint(c, expected_revision)
    by = _complaint_by(caller, c)
    _complaint_step(c, (ComplaintState.HANDLED,), _("Reply"))
    problems: list[Problem] = []
    c.reply = _required_text(problems, "reply", reply, _("Write the reply to the person."))
    if problems:
        raise ProblemsError(problems)
    c.state, c.replied_at = ComplaintState.REPLIED, timezone.now()
    _csave(c, "reply", "state", "replied_at")
    _event("reply", by, complaint=c)
    transaction.on_commit(lambda: _queue("tell_reply", c.pk))
    return c


@transaction.atomic
def review_complaint(
    caller: Caller, c: Complaint | int, *, approve: bool, note: str, expected_revision: int | None = None
) -> Complaint:
    """The supervising office closes the complaint after reading the reply, or sends it back to be handled again."""
    c = _locked_complaint(c, expected_revision)
    by = _as_supervisor(caller, c.organisation)
    _complaint_step(c, (ComplaintState.REPLIED,), _("Review"))
    text = str(note or "").strip()[:TEXT_MAX]
    if not approve and not text:
        _refuse("note", "required", _("Say what is still missing."))
    c.review_note = text
    if not approve:
        c.state = ComplaintState.VERIFIED
        _csave(c, "review_note", "state")
        _event("return", by, complaint=c, data={"note": text})
        return c
    now = timezone.now()
    c.state, c.closed_at, c.on_time = ComplaintState.CLOSED, now, timezone.localdate(now) <= c.due
    _csave(c, "review_note", "state", "closed_at", "on_time")
    rollup.add(c.day, rollup.complaint_dims(c), {"complaints_closed": 1})
    _event("close", by, complaint=c, data={"on_time": c.on_time})
    return c


# --- cases' events (subscriber.py) ------------------------------------------------------------------------------


def record_case_event(case_id: int, event_id: int, action: str) -> bool:
    """Takes one case event into account, once (idempotent on the event id); True when it was new.

    Acceptance: the case may be rated (its record starts). Conclusion: counted as concluded on its day (for
    未评价率), and the applicant is invited by SMS to rate the result.
    """
    if action not in casefacts.ACCEPTING_ACTIONS and action not in casefacts.CONCLUDING_ACTIONS:
        return False
    with transaction.atomic():
        try:
            with transaction.atomic():
                HandledEvent.objects.create(event_id=event_id)
        except IntegrityError:
            return False
        case = casefacts.by_pk(case_id)
        if case is None:
            return False
        rec, _created = CaseRecord.objects.select_for_update().get_or_create(
            case_id=case.pk,
            defaults={"organisation_id": case.organisation_id, "item_id": case.item_id, "hall_id": case.hall_id},
        )
        rec = CaseRecord.objects.select_for_update().get(pk=case.pk)
        rec.staff_ids = [s.user_id for s in casefacts.staff_of(case.pk)]
        if action in casefacts.ACCEPTING_ACTIONS:
            rec.accepted_at = rec.accepted_at or case.accepted_at
            rec.save(update_fields=["staff_ids", "accepted_at"])
            return True
        if rec.concluded_day is not None:
            rec.save(update_fields=["staff_ids"])
            return True
        concluded = case.concluded_at or timezone.now()
        rec.concluded_at, rec.concluded_day = concluded, timezone.localdate(concluded)
        rec.save(update_fields=["staff_ids", "concluded_at", "concluded_day"])
        rollup.add(rec.concluded_day, rollup.case_dims(rec), {"concluded": 1, "rated_concluded": 1 if rec.rated else 0})
        if getattr(settings, "RATINGS_SMS_INVITE", True) and case.person.phone:
            transaction.on_commit(lambda: _queue("send_invite", case.pk, Stage.RESULT))
        return True


def _queue(name: str, *args: Any) -> None:
    """Hands slow work (SMS) to the task queue after the commit; a queue outage never undoes the change."""
    from . import tasks

    try:
        getattr(tasks, name).enqueue(*args)
    except Exception:
        log.exception("could not queue %s%s", name, args)


# --- sweeps -----------------------------------------------------------------------------------------------------


def sweep_defaults(today: dt.date | None = None, limit: int = 5000) -> int:
    """Concluded cases nobody rated within RATINGS_DEFAULT_AFTER_DAYS get the default rating (满意, channel
    "system"): it counts in 好评率, never in 主动评价好评率, and closes the case's rating window."""
    days = casefacts.rating_window_days()
    if not days:
        return 0
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=days)
    done = 0
    ids = list(
        CaseRecord.objects.filter(rated=False, concluded_day__lt=cutoff)
        .exclude(Exists(Rating.objects.filter(case_id=OuterRef("pk"), kind=Kind.CASE)))
        .order_by("concluded_day")
        .values_list("case_id", flat=True)[:limit]
    )
    for case_id in ids:
        with transaction.atomic():
            case = _lock_case_ratings(casefacts.by_pk(case_id))
            if (
                Rating.objects.filter(case_id=case_id, kind=Kind.CASE).exists()
                or case.state not in casefacts.RESULT_STATES
            ):
                continue
            _write_case_rating(
                case,
                Stage.RESULT,
                Answer(level=Level.SATISFIED),
                by=SYSTEM,
                channel=Channel.SYSTEM,
                person=None,
                is_default=True,
            )
            done += 1
    return done


def sweep_warnings(now: dt.datetime | None = None) -> dict[str, int]:
    """Open rectifications and complaints turn yellow near their deadline (CASE_WARNING_FRACTION of the working
    days used) and red when overdue; each change is written once as an event ("warn", "overdue") for supervision."""
    from yiwang.cases.queries import clock

    now = now or timezone.now()
    cal = workdays.snapshot()
    counts = {"warn": 0, "over": 0}
    for model, open_states, start_field, kind in (
        (Rectification, OPEN_RECT_STATES, "opened_at", "rectification"),
        (Complaint, OPEN_COMPLAINT_STATES, "filed_at", "complaint"),
    ):
        for pk, start, due, warning in (
            model.objects.filter(state__in=open_states)
            .values_list("pk", start_field, "due", "warning")
            .iterator(chunk_size=2000)
        ):
            urgency = clock(cal, timezone.localdate(start), due, now=now).urgency
            if urgency not in ("warn", "over") or urgency == warning or warning == "over":
                continue
            with transaction.atomic():
                row = model.objects.select_for_update().get(pk=pk)
                if row.warning == urgency:
                    continue
                row.warning = urgency
                row.save(update_fields=["warning"])
                action = "overdue" if urgency == "over" else "warn"
                extra = {kind: row}
                if kind == "rectification":
                    extra["rating"] = row.rating
                _event(action, SYSTEM, data={"due": due.isoformat()}, **extra)
                counts[urgency] += 1
    return counts
