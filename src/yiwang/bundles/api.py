"""Bundles API (/api/v1/bundles/…): find a bundle and its one form, submit it, follow the application; define one.

Thin over bundles.services: a submission applies for each item through `cases.applying.apply`, with the same
refusal codes as the pages and the single-item API.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from yiwang.cases import applying
from yiwang.cases.actions import Caller
from yiwang.cases.models import Channel
from yiwang.core.api_auth import ErrorOut, session_auth
from yiwang.identity import access
from yiwang.orgs.admin import holds, in_scope, limit_to_scope
from yiwang.orgs.models import Role

from . import queries, services
from .models import Bundle, BundleStatus

router = Router(tags=["bundles"])
ROLE = Role.CATALOG_ADMIN
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class BundleFieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    choices: list[str] = []


class BundleItemOut(Schema):
    item_code: str
    name: str
    organisation: str
    applies_if: dict = {}
    field_map: dict = {}


class BundleOut(Schema):
    code: str
    name: str
    name_en: str
    keywords: str
    description: str
    status: str
    revision: int
    promised_days: int | None
    items_promised_days: int = Field(..., description="The items' promised limits added up (working days)")
    items: list[BundleItemOut]
    questions: list[BundleFieldOut]
    fields: list[BundleFieldOut] = Field(..., description="The one form: each shared field once")


class BundleSubmitIn(Schema):
    form_data: dict[str, Any] = Field(default_factory=dict, description="Answers and form fields by bundle name")
    enterprise_id: int | None = Field(None, description="Apply for this legal person (legal representative or agent)")


class BundleCaseOut(Schema):
    case_number: str
    item_name: str
    organisation: str
    state: str


class BundleApplicationOut(Schema):
    number: str
    bundle: str
    applicant_name: str
    submitted_at: str
    progress: str = Field(..., description="open, correction (a case awaits the applicant) or done")
    cases: list[BundleCaseOut]


class BundleItemIn(Schema):
    item_code: str
    field_map: dict[str, str] = {}
    applies_if: dict = {}


class BundleDefineIn(Schema):
    code: str
    name: str
    name_en: str = ""
    keywords: str = ""
    description: str = ""
    questions: list[dict] = []
    promised_days: int | None = None
    organisation_id: int
    items: list[BundleItemIn]


class BundleStatusIn(Schema):
    status: str = Field(..., description="draft, published or retired")


def _field(f: Any) -> dict[str, Any]:
    return {
        "name": f.name,
        "label": f.label,
        "type": f.type,
        "required": f.required,
        "choices": [c[0] for c in f.choices],
    }


def _out(bundle: Bundle) -> dict[str, Any]:
    items = list(bundle.items.select_related("item__current", "item__organisation"))
    qnames = {f.name for f in services.question_fields(bundle)}
    return {
        "code": bundle.code,
        "name": bundle.name,
        "name_en": bundle.name_en,
        "keywords": bundle.keywords,
        "description": bundle.description,
        "status": bundle.status,
        "revision": bundle.revision,
        "promised_days": bundle.promised_days,
        "items_promised_days": services.promised_sum(items),
        "items": [
            {
                "item_code": bi.item.item_code,
                "name": bi.item.current.name if bi.item.current_id else "",
                "organisation": bi.item.organisation.name,
                "applies_if": bi.applies_if,
                "field_map": bi.field_map,
            }
            for bi in items
        ],
        "questions": [_field(f) for f in services.question_fields(bundle)],
        "fields": [_field(f) for f in services.merged_fields(bundle, items) if f.name not in qnames],
    }


def _app_out(app: Any) -> dict[str, Any]:
    cases = services.cases_of(app)
    return {
        "number": app.number,
        "bundle": app.bundle.code,
        "applicant_name": app.applicant_name,
        "submitted_at": app.submitted_at.isoformat(),
        "progress": services.progress(cases),
        "cases": [
            {
                "case_number": c.case_number,
                "item_name": c.item_name,
                "organisation": c.organisation.name,
                "state": c.state,
            }
            for c in cases
        ],
    }


@router.get("/", response={200: list[BundleOut]}, auth=None, summary="Published bundles")
def list_bundles(request: HttpRequest, q: str = ""):
    bundles = Bundle.objects.filter(status=BundleStatus.PUBLISHED).order_by("name")
    if q.strip():
        from django.db.models import Q

        term = q.strip()[:50]
        bundles = bundles.filter(Q(name__icontains=term) | Q(keywords__icontains=term))
    return 200, [_out(b) for b in bundles[:100]]


@router.get(
    "/applications",
    response={200: list[BundleApplicationOut], **ERRORS},
    auth=session_auth,
    summary="My bundle applications",
)
def my_applications(request: HttpRequest):
    apps = queries.visible_applications(access.actor(request)).order_by("-submitted_at", "-id")[:50]
    return 200, [_app_out(a) for a in apps]


@router.get(
    "/applications/{number}",
    response={200: BundleApplicationOut, **ERRORS},
    auth=session_auth,
    summary="One bundle application",
)
def my_application(request: HttpRequest, number: str):
    app = access.get_or_404(queries.visible_applications(access.actor(request)), number=number)
    return 200, _app_out(app)


@router.get("/{code}", response={200: BundleOut, **ERRORS}, auth=None, summary="A bundle and its one form")
def get_bundle(request: HttpRequest, code: str):
    bundle = Bundle.objects.filter(code=code, status=BundleStatus.PUBLISHED).first()
    if bundle is None:
        raise Http404
    return 200, _out(bundle)


@router.post(
    "/{code}/apply",
    response={200: BundleApplicationOut, 201: BundleApplicationOut, **ERRORS},
    auth=session_auth,
    summary="Submit a bundle's one form",
)
def apply(request: HttpRequest, code: str, payload: BundleSubmitIn):
    """One case per applicable item through the one apply door; an Idempotency-Key header makes retries safe."""
    bundle = Bundle.objects.filter(code=code, status=BundleStatus.PUBLISHED).first()
    if bundle is None:
        raise Http404
    enterprise = applying.EnterpriseRef(pk=payload.enterprise_id) if payload.enterprise_id is not None else None
    done = services.submit(
        Caller.of(request),
        bundle,
        form=payload.form_data,
        channel=Channel.API,
        enterprise=enterprise,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return (201 if done.created else 200), _app_out(done.application)


# --- defining (catalog administrators) ---------------------------------------------------------------------------


def _specs(payload: BundleDefineIn) -> list[services.ItemSpec]:
    return [
        services.ItemSpec(item_code=i.item_code, field_map=i.field_map, applies_if=i.applies_if) for i in payload.items
    ]


def _staff_bundle(request: HttpRequest, code: str) -> Bundle:
    if not holds(request, ROLE):
        raise Http404
    return access.get_or_404(limit_to_scope(request, Bundle.objects.all(), ROLE, "organisation"), code=code)


@router.post("/", response={201: BundleOut, **ERRORS}, auth=session_auth, summary="Define a bundle")
def define(request: HttpRequest, payload: BundleDefineIn):
    from yiwang.core.errors import Problem, ProblemsError
    from yiwang.orgs.models import Organisation

    if not holds(request, ROLE):
        raise Http404
    org = Organisation.objects.filter(pk=payload.organisation_id).first()
    if org is None or not in_scope(request, ROLE, org.pk):
        raise ProblemsError(
            [Problem("organisation_id", _("Choose an organisation your role reaches."), "not_in_reach")]
        )
    bundle = services.save_bundle(
        organisation=org,
        code=payload.code,
        name=payload.name,
        name_en=payload.name_en,
        keywords=payload.keywords,
        description=payload.description,
        questions=payload.questions,
        promised_days=payload.promised_days,
        items=_specs(payload),
    )
    return 201, _out(bundle)


@router.put("/{code}", response={200: BundleOut, **ERRORS}, auth=session_auth, summary="Replace a bundle's definition")
def replace(request: HttpRequest, code: str, payload: BundleDefineIn):
    bundle = _staff_bundle(request, code)
    bundle = services.save_bundle(
        organisation=bundle.organisation,
        code=payload.code,
        name=payload.name,
        name_en=payload.name_en,
        keywords=payload.keywords,
        description=payload.description,
        questions=payload.questions,
        promised_days=payload.promised_days,
        items=_specs(payload),
        bundle=bundle,
    )
    return 200, _out(bundle)


@router.post(
    "/{code}/status", response={200: BundleOut, **ERRORS}, auth=session_auth, summary="Publish or retire a bundle"
)
def set_status(request: HttpRequest, code: str, payload: BundleStatusIn):
    bundle = services.set_status(_staff_bundle(request, code), payload.status)
    return 200, _out(bundle)
