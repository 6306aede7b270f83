"""Matching policies to enterprises and persons, and telling those newly eligible.

- `verdicts_for(subject)`: one subject against every policy in force, live (its facts gathered now), with the
  rules met, failed and waiting for facts — what the My Space panel and the matches page show.
- `match_versions(version_ids)`: the worker's bulk pass when policies are published or changed. It walks the
  kept facts (SubjectFacts) in batches by id (keyset), indexes each batch by the structured criteria (kind,
  industry, scale, region) so a version's rules run only on the subjects its criteria admit, and records a
  `Match` per eligible pair. A pair eligible for the first time gets one in-site message to the enterprise's legal
  representative and agents (or to the person); `told_at` is set in the same transaction, so a re-run (the task
  handed twice) tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.cases.models import Message
from yiwang.identity.models import Agent, Enterprise, Person

from . import eligibility, facts
from .models import Match, PolicyVersion, SubjectFacts, Target, VersionStatus

log = logging.getLogger(__name__)
BATCH = 2000


def in_force(target: str | None = None, day: dt.date | None = None):
    """The published versions in force on `day` (today), optionally for one target."""
    day = day or timezone.localdate()
    qs = PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED, valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )
    if target:
        qs = qs.filter(target=target)
    return qs.select_related("policy__organisation", "item")


@dataclass
class Found:
    version: PolicyVersion
    verdict: eligibility.Verdict


def verdicts_for(subject: Enterprise | Person, *, include_failed: bool = False) -> list[Found]:
    """Every policy in force for the subject's kind, decided on its facts gathered now; eligible ones first, then
    those waiting for facts (failed ones only when asked)."""
    target = Target.ENTERPRISE if isinstance(subject, Enterprise) else Target.PERSON
    data = facts.gather(subject)
    out = []
    for version in in_force(target).defer("text", "interpretation", "tokens").order_by("-published_at", "id"):
        verdict = eligibility.decide(version, data)
        if verdict.eligible or verdict.possible or include_failed:
            out.append(Found(version, verdict))
    out.sort(key=lambda f: (not f.verdict.eligible, not f.verdict.possible))
    return out


# --- bulk ---------------------------------------------------------------------------------------------------------


class BatchIndex:
    """Subjects of one batch by kind, industry section and division, scale and region code."""

    def __init__(self, rows: dict[int, dict[str, Any]]):
        self.all = set(rows)
        self.by: dict[tuple[str, str], set[int]] = defaultdict(set)
        for sid, f in rows.items():
            self.by[("kind", f.get("kind", ""))].add(sid)
            ind = f.get("industry") or {}
            self.by[("section", ind.get("section", ""))].add(sid)
            self.by[("division", ind.get("division", ""))].add(sid)
            self.by[("scale", f.get("scale", ""))].add(sid)
            for code in (f.get("region") or {}).values():
                self.by[("region", code)].add(sid)

    def candidates(self, version: PolicyVersion) -> set[int]:
        """The subjects whose known facts pass the version's structured criteria (the rules decide the rest)."""
        found = set(self.by.get(("kind", version.target), ()))
        if version.industries:
            admitted: set[int] = set()
            for code in version.industries:
                admitted |= self.by.get(("section" if code.isalpha() else "division", code), set())
            found &= admitted
        if version.scales:
            found &= set().union(*(self.by.get(("scale", s), set()) for s in version.scales))
        if version.divisions:
            found &= set().union(*(self.by.get(("region", d), set()) for d in version.divisions))
        return found


def _batches(target: str, batch: int) -> Iterator[dict[int, dict[str, Any]]]:
    """Kept facts of every enterprise (or person), in batches ordered by subject id (keyset, no OFFSET)."""
    column = "enterprise_id" if target == Target.ENTERPRISE else "person_id"
    last = 0
    while True:
        rows = list(
            SubjectFacts.objects.filter(**{f"{column}__gt": last}).order_by(column).values_list(column, "facts")[:batch]
        )
        if not rows:
            return
        yield dict(rows)
        last = rows[-1][0]


def ensure_facts(target: str, batch: int = 500) -> int:
    """Gathers facts for the subjects that have none kept yet (new enterprises, new persons); how many."""
    model = Enterprise if target == Target.ENTERPRISE else Person
    column = "enterprise" if target == Target.ENTERPRISE else "person"
    done, last = 0, 0
    while True:
        ids = list(
            model.objects.filter(pk__gt=last)
            .exclude(pk__in=SubjectFacts.objects.filter(**{f"{column}__isnull": False}).values(f"{column}_id"))
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        for subject in model.objects.filter(pk__in=ids):
            facts.refresh(subject)
            done += 1
        last = ids[-1]


@dataclass
class Outcome:
    evaluated: int = 0
    eligible: int = 0
    newly: int = 0
    told: int = 0


def match_versions(version_ids: Iterable[int], *, batch: int = BATCH, tell: bool = True) -> Outcome:
    """Matches published versions against every subject with kept facts; records matches and tells the new ones."""
    versions = list(PolicyVersion.objects.filter(pk__in=list(version_ids), status=VersionStatus.PUBLISHED))
    outcome = Outcome()
    for target in (Target.ENTERPRISE, Target.PERSON):
        mine = [v for v in versions if v.target == target]
        if not mine:
            continue
        compiled = {v.pk: eligibility.compile_version(v) for v in mine}
        for rows in _batches(target, batch):
            index = BatchIndex(rows)
            found: dict[int, list[int]] = {}
            for v in mine:
                ids = index.candidates(v)
                outcome.evaluated += len(ids)
                test = compiled[v.pk].holds
                found[v.pk] = [sid for sid in ids if test(rows[sid])]
            _record(target, mine, rows, found, compiled, outcome, tell)
    return outcome


def _record(
    target: str,
    versions: list[PolicyVersion],
    rows: dict[int, dict[str, Any]],
    found: dict[int, list[int]],
    compiled: dict[int, eligibility.Compiled],
    outcome: Outcome,
    tell: bool,
) -> None:
    column = "enterprise_id" if target == Target.ENTERPRISE else "person_id"
    policy_ids = [v.policy_id for v in versions]
    lo, hi = min(rows), max(rows)
    now = timezone.now()
    with transaction.atomic():
        existing = {
            (pid, sid): (pk, eligible, vid)
            for pk, pid, sid, eligible, vid in Match.objects.filter(
                policy_id__in=policy_ids, **{f"{column}__gte": lo, f"{column}__lte": hi}
            ).values_list("pk", "policy_id", column, "eligible", "version_id")
        }
        new: list[Match] = []
        flip_on: dict[int, list[int]] = defaultdict(list)
        keep: set[int] = set()
        for v in versions:
            for sid in found[v.pk]:
                m = existing.get((v.policy_id, sid))
                outcome.eligible += 1
                if m is None:  # the reasons are decided again when shown (facts change); the match records the pair
                    new.append(Match(policy_id=v.policy_id, version_id=v.pk, matched_at=now, **{column: sid}))
                else:
                    keep.add(m[0])
                    if not m[1] or m[2] != v.pk:
                        flip_on[v.pk].append(m[0])
        stale = [
            pk for (pid, sid), (pk, eligible, _v) in existing.items() if eligible and pk not in keep and sid in rows
        ]
        for start in range(0, len(stale), 900):
            Match.objects.filter(pk__in=stale[start : start + 900]).update(eligible=False)
        for version_id, pks in flip_on.items():
            for start in range(0, len(pks), 900):
                Match.objects.filter(pk__in=pks[start : start + 900]).update(eligible=True, version_id=version_id)
        if new:
            Match.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
            outcome.newly += len(new)
        if tell:
            outcome.told += tell_new(target, [v.policy_id for v in versions], list(rows))


def recipients(enterprise_ids: list[int]) -> dict[int, set[int]]:
    """enterprise id → the accounts told about it: its legal representative's and its active agents'."""
    out: dict[int, set[int]] = defaultdict(set)
    for eid, uid in Enterprise.objects.filter(pk__in=enterprise_ids, legal_rep__user__isnull=False).values_list(
        "pk", "legal_rep__user_id"
    ):
        out[eid].add(uid)
    today = timezone.localdate()
    for eid, uid in (
        Agent.objects.filter(enterprise_id__in=enterprise_ids, revoked_at__isnull=True, person__user__isnull=False)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("enterprise_id", "person__user_id")
    ):
        out[eid].add(uid)
    return out


def message_text(title: str, doc_number: str) -> str:
    with translation.override("zh-hans"):
        return _("You may be eligible for the policy “%(title)s” (%(doc)s). See why in My Space → Policies.") % {
            "title": title,
            "doc": doc_number,
        }


def tell_new(target: str, policy_ids: list[int], subject_ids: list[int]) -> int:
    """Messages for eligible matches not yet told (within the given subjects); marks them told. How many matches."""
    column = "enterprise_id" if target == Target.ENTERPRISE else "person_id"
    with transaction.atomic():
        pending = list(
            Match.objects.select_for_update()
            .filter(policy_id__in=policy_ids, eligible=True, told_at__isnull=True, **{f"{column}__in": subject_ids})
            .values_list("pk", column, "version_id")
        )
        if not pending:
            return 0
        subjects = sorted({sid for _pk, sid, _v in pending})
        if target == Target.ENTERPRISE:
            accounts = recipients(subjects)
        else:
            accounts = {
                pid: {uid}
                for pid, uid in Person.objects.filter(pk__in=subjects, user__isnull=False).values_list("pk", "user_id")
            }
        texts: dict[int, str] = {}
        messages = []
        for _pk, sid, vid in pending:
            for uid in sorted(accounts.get(sid, ())):
                if vid not in texts:
                    title, doc = PolicyVersion.objects.values_list("title", "doc_number").get(pk=vid)
                    texts[vid] = message_text(title, doc)
                messages.append(Message(recipient_id=uid, text=texts[vid]))
        Message.objects.bulk_create(messages, batch_size=1000)
        ids = [pk for pk, _sid, _v in pending]
        for start in range(0, len(ids), 900):  # bounded IN lists (SQLite's variable limit)
            Match.objects.filter(pk__in=ids[start : start + 900]).update(told_at=timezone.now())
        return len(pending)


def match_subject(subject: Enterprise | Person, *, tell: bool = True) -> Outcome:
    """One subject's facts gathered again and matched against every policy in force (after a case concluded)."""
    facts.refresh(subject)
    target = Target.ENTERPRISE if isinstance(subject, Enterprise) else Target.PERSON
    versions = list(in_force(target))
    row = SubjectFacts.objects.get(**({"enterprise": subject} if target == Target.ENTERPRISE else {"person": subject}))
    rows = {subject.pk: row.facts}
    compiled = {v.pk: eligibility.compile_version(v) for v in versions}
    found = {v.pk: [subject.pk] if compiled[v.pk].holds(row.facts) else [] for v in versions}
    outcome = Outcome(evaluated=len(versions))
    if versions:
        _record(target, versions, rows, found, compiled, outcome, tell)
    return outcome
