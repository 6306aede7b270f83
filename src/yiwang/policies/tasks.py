"""Background work of policies (django-tasks): matching published versions, one subject after its facts changed."""

from __future__ import annotations

from django_tasks import task

from . import matching
from .models import Target


@task()
def match_published(version_ids: list[int]) -> str:
    """Facts for subjects that have none yet, then the bulk match of the versions (tells the newly eligible)."""
    for target in (Target.ENTERPRISE, Target.PERSON):
        matching.ensure_facts(target)
    out = matching.match_versions(version_ids)
    return f"evaluated {out.evaluated}, eligible {out.eligible}, new {out.newly}, told {out.told}"


@task()
def match_enterprise(enterprise_id: int) -> str:
    from yiwang.identity.models import Enterprise

    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        return "gone"
    out = matching.match_subject(enterprise)
    return f"eligible {out.eligible}, new {out.newly}"
