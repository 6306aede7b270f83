"""How the halls module reacts to cases (through `cases.signals.case_changed`, never by reaching into cases' tables
outside its public services): an accepted case whose process has a survey step gets a survey to schedule; a case
that ends cancels its open surveys."""

from __future__ import annotations

from django.dispatch import receiver

from yiwang.cases.signals import case_changed

OPENS_SURVEY = frozenset({"accept", "deemed_accept"})
ENDS_CASE = frozenset({"withdraw", "void", "approve", "refuse", "not_accept"})


@receiver(case_changed, dispatch_uid="halls.surveys_follow_cases")
def on_case_changed(sender, case_id: int, action: str, **kwargs) -> None:
    if action not in OPENS_SURVEY | ENDS_CASE:
        return
    from yiwang.cases.models import Case

    from . import services

    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return
    if action in OPENS_SURVEY:
        services.open_survey(case)
    else:
        services.cancel_open_surveys(case, action)
