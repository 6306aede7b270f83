"""On-site surveys (现勘现审): the reviewer's list and page (propose times, record the result with photos), the
applicant's page in My Space and the same choice through the signed link sent by SMS (no sign-in)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.core.errors import ProblemsError
from yiwang.identity import access as id_access
from yiwang.orgs.models import Role

from .. import access, services
from ..models import SurveyPhoto, SurveyRequest, SurveyState
from . import problem_map

SURVEY_ROLES = (Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR)


def _staff(request: HttpRequest) -> id_access.Actor:
    a = id_access.actor(request)
    if not any(a.has_role(r) for r in SURVEY_ROLES):
        raise PermissionDenied(_("On-site surveys are for department reviewers, approvers and supervisors."))
    return a


def _staff_survey(a: id_access.Actor, pk: int) -> SurveyRequest:
    survey = access.surveys_for_staff(a).select_related("case").filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


def _role(a: id_access.Actor, survey: SurveyRequest) -> str:
    org = survey.case.organisation
    if a.may_write(Role.APPROVER) and a.reach(Role.APPROVER).covers(org.pk, org.parent_id, survey.case.division_path):
        return Role.APPROVER
    return Role.REVIEWER


@login_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    a = _staff(request)
    surveys = access.surveys_for_staff(a).order_by("state", "-created_at")
    state = request.GET.get("state", "")
    if state in SurveyState.values:
        surveys = surveys.filter(state=state)
    return render(
        request, "halls/surveys/list.html", {"surveys": surveys[:200], "state": state, "states": SurveyState.choices}
    )


def _staff_context(a, survey: SurveyRequest) -> dict[str, Any]:
    return {
        "survey": survey,
        "options": list(survey.options.all()),
        "photos": list(survey.photos.all()),
        "may_work": access.may_work_survey(a, survey),
        "events": survey.events.order_by("-id")[:30],
        "problems": {},
        "form": {},
    }


@login_required
@require_http_methods(["GET", "POST"])
def survey_staff(request: HttpRequest, pk: int) -> HttpResponse:
    a = _staff(request)
    survey = _staff_survey(a, pk)
    ctx = _staff_context(a, survey)
    if request.method == "POST":
        if not ctx["may_work"]:
            raise PermissionDenied(_("Only the case's reviewer or approver works its survey."))
        by = services.By(
            user=request.user, name=request.user.get_full_name() or request.user.username, channel="workbench"
        )
        try:
            if request.POST.get("op") == "result":
                services.record_survey_result(
                    survey,
                    by,
                    role=_role(a, survey),
                    conclusion=request.POST.get("conclusion", ""),
                    findings=request.POST.get("findings", ""),
                    photos=request.FILES.getlist("photos"),
                    captions=request.POST.getlist("captions"),
                )
            else:
                options = [
                    (request.POST.get(f"start_{i}", ""), request.POST.get(f"end_{i}", ""))
                    for i in range(services.SURVEY_OPTIONS_MAX)
                    if request.POST.get(f"start_{i}", "").strip()
                ]
                services.propose_survey(
                    survey,
                    options,
                    by,
                    role=_role(a, survey),
                    address=request.POST.get("address", ""),
                    note=request.POST.get("note", ""),
                )
        except ProblemsError as exc:
            ctx["problems"] = problem_map(exc.problems)
            ctx["form"] = request.POST
            return render(request, "halls/surveys/staff.html", ctx, status=400)
        return redirect("halls:survey_staff", pk=survey.pk)
    return render(request, "halls/surveys/staff.html", ctx)


@login_required
@require_GET
def survey_photo(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    """A survey photo, for the case's staff and its applicant."""
    a = id_access.actor(request)
    survey = (access.surveys_for_staff(a) | access.surveys_for_applicant(a)).filter(pk=pk).first()
    photo = SurveyPhoto.objects.filter(survey=survey, pk=photo_id).first() if survey is not None else None
    if photo is None:
        raise Http404
    response = HttpResponse(photo.file.open("rb").read(), content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


def _choose(request: HttpRequest, survey: SurveyRequest, channel: str, template_ctx: dict) -> HttpResponse:
    ctx = {"survey": survey, "options": list(survey.options.all()), "problems": {}, **template_ctx}
    if request.method == "POST":
        by = services.By(user=request.user if request.user.is_authenticated else None, channel=channel)
        try:
            services.choose_survey_time(survey, _int(request.POST.get("option")) or 0, by)
        except ProblemsError as exc:
            ctx["problems"] = problem_map(exc.problems)
            return render(request, "halls/surveys/choose.html", ctx, status=400)
        ctx["chosen_now"] = True
        survey.refresh_from_db()
    return render(request, "halls/surveys/choose.html", ctx)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def survey_mine(request: HttpRequest, pk: int) -> HttpResponse:
    survey = access.surveys_for_applicant(id_access.actor(request)).filter(pk=pk).first()
    if survey is None:
        raise Http404
    return _choose(request, survey, "portal", {"photos": list(survey.photos.all())})


@require_http_methods(["GET", "POST"])
def survey_token(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS link: whoever holds it picks the time (it names the case, never the applicant's data)."""
    survey = services.survey_from_token(token)
    if survey is None:
        raise Http404
    return _choose(request, survey, "sms", {"token": token})
