"""Department rankings: a scoring model (weights per indicator, versioned) applied to a month's indicators.

score = 100 × Σ wᵢ·vᵢ / Σ_{wᵢ>0} wᵢ over the indicators a department has a value for (vᵢ in 0–1; a negative weight
is a penalty). A version of a model is never changed: saving weights makes the next version, and a published
`Ranking` names the version it used, so recomputing last year's ranking gives the same scores.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Problem, ProblemsError

from . import indicators
from .models.stats import Ranking, ScoringModel
from .stats_params import month_end

# Indicators a model may weigh (each 0–1, higher is better unless the weight is negative).
SCORABLE: dict[str, Any] = {
    "on_time_rate": _("On-time rate"),
    "speed": _("Speed (1 − working days taken / promised)"),
    "satisfaction_rate": _("Satisfaction rate"),
    "rectification_rate": _("Rectification rate"),
    "item_immediate_rate": _("On-the-spot items share (即办件占比)"),
    "item_online_rate": _("Online-capable rate (网上可办率)"),
    "item_full_online_rate": _("Fully online rate (全程网办率)"),
    "item_one_visit_rate": _("At most one visit rate (最多跑一次率)"),
    "item_zero_visit_rate": _("Zero-visit rate (零跑动率)"),
    "compression_rate": _("Promised limit compression (承诺时限压缩率)"),
    "red_card_rate": _("Red cards per case received"),
}
DEFAULT_NAME = "综合绩效"
DEFAULT_WEIGHTS = {
    "on_time_rate": 30,
    "speed": 10,
    "satisfaction_rate": 20,
    "rectification_rate": 10,
    "item_online_rate": 10,
    "item_zero_visit_rate": 10,
    "compression_rate": 10,
    "red_card_rate": -20,
}
MAX_WEIGHT = 1000


def check_weights(raw: Any) -> dict[str, float]:
    """Weights from a form or the API: known indicators, numbers between −1000 and 1000, at least one positive."""
    problems: list[Problem] = []
    if not isinstance(raw, dict) or not raw:
        raise ProblemsError([Problem("weights", _("Give at least one weight."), "required")])
    weights: dict[str, float] = {}
    for key, value in raw.items():
        if key not in SCORABLE:
            problems.append(Problem(f"weights.{key}", _("Unknown indicator."), "invalid"))
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            problems.append(Problem(f"weights.{key}", _("Enter a number."), "invalid"))
            continue
        if not -MAX_WEIGHT <= number <= MAX_WEIGHT or number != number:
            problems.append(Problem(f"weights.{key}", _("Enter a number between -1000 and 1000."), "invalid"))
            continue
        if number:
            weights[key] = number
    if not problems and not any(v > 0 for v in weights.values()):
        problems.append(Problem("weights", _("At least one weight must be positive."), "invalid"))
    if problems:
        raise ProblemsError(problems)
    return weights


def save_model(name: str, weights: Any, note: str = "", user=None) -> ScoringModel:
    """Saves the next version of the model `name` (versions are never edited)."""
    name = (name or "").strip()[:80]
    if not name:
        raise ProblemsError([Problem("name", _("Give the model a name."), "required")])
    checked = check_weights(weights)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                last = ScoringModel.objects.filter(name=name).aggregate(v=Max("version"))["v"] or 0
                return ScoringModel.objects.create(
                    name=name, version=last + 1, weights=checked, note=(note or "")[:300], created_by=user
                )
        except IntegrityError:  # two saves at once: take the next number
            continue
    raise ProblemsError([Problem("name", _("The model was saved by someone else at the same time; try again."))])


def default_model() -> ScoringModel:
    """The newest version of the default model (created on first use)."""
    found = ScoringModel.objects.filter(name=DEFAULT_NAME).order_by("-version").first()
    return found or save_model(DEFAULT_NAME, DEFAULT_WEIGHTS, note="默认模型 / default model")


def formula(model: ScoringModel) -> str:
    """The formula as a person reads it."""
    total = sum(v for v in model.weights.values() if v > 0) or 1
    parts = []
    for key, w in sorted(model.weights.items(), key=lambda kv: -kv[1]):
        sign = "−" if w < 0 else "+"
        parts.append(f"{sign} {abs(w):g}×{SCORABLE.get(key, key)}")
    body = " ".join(parts).lstrip("+ ").strip()
    return f"100 × ({body}) ÷ {total:g}"


def values_of(row: dict[str, Any]) -> dict[str, float | None]:
    """A department's scorable values from its statistics row."""
    promised = row.get("avg_promised_days")
    taken = row.get("avg_work_days")
    speed = None
    if promised and taken is not None:
        speed = round(max(0.0, min(1.0, 1 - taken / promised)), 4)
    received = row.get("received") or 0
    out: dict[str, float | None] = {k: row.get(k) for k in SCORABLE if k not in ("speed", "red_card_rate")}
    out["speed"] = speed
    out["red_card_rate"] = round(min(1.0, (row.get("red") or 0) / received), 4) if received else None
    return out


def score(weights: dict[str, float], values: dict[str, float | None]) -> float:
    present = {k: w for k, w in weights.items() if values.get(k) is not None}
    positive = sum(w for w in present.values() if w > 0)
    if not positive:
        return 0.0
    return round(100 * sum(w * float(values[k]) for k, w in present.items()) / positive, 2)  # type: ignore[arg-type]


def compute(model: ScoringModel, month: dt.date, org_ids: list[int] | None) -> list[dict[str, Any]]:
    """Every department's values and score for `month`, best first (ties by name)."""
    w = indicators.Window(start=month, end=month_end(month), group="organisation")
    table = indicators.table(org_ids, w)
    rows = []
    for r in table["rows"]:
        vals = values_of(r)
        rows.append(
            {"organisation_id": r["key"], "name": r["label"], "score": score(model.weights, vals), "values": vals}
        )
    rows.sort(key=lambda r: (-r["score"], r["name"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


def publish(model: ScoringModel, month: dt.date, org_ids: list[int] | None, user=None) -> Ranking:
    """Publishes (or republishes) the month's ranking under this model version."""
    if month > timezone.localdate().replace(day=1):
        raise ProblemsError([Problem("month", _("A month in the future cannot be ranked."), "invalid")])
    rows = compute(model, month, org_ids)
    with transaction.atomic():
        ranking, _created = Ranking.objects.update_or_create(
            month=month,
            model=model,
            defaults={"rows": rows, "published_at": timezone.now(), "published_by": user},
        )
    return ranking


def visible_rows(ranking: Ranking, org_ids: list[int] | None) -> list[dict[str, Any]]:
    """A ranking's rows the viewer may see (every rank stays the published one)."""
    if org_ids is None:
        return list(ranking.rows)
    allowed = set(org_ids)
    return [r for r in ranking.rows if r["organisation_id"] in allowed]
