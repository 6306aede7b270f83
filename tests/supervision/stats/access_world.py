"""What the access matrix needs of the statistics side: the rollups of the world's cases and a published ranking."""

from __future__ import annotations

from django.utils import timezone


def extend(w) -> None:
    from yiwang.supervision import ranking, rollup

    rollup.rebuild()
    month = timezone.localdate().replace(day=1)
    w.rec["stats_ranking"] = ranking.publish(ranking.default_model(), month, None)
