"""Real-name checks for department systems (/api/v1/identity/verify/…), guarded by the scope identity:verify.

A machine client asks whether a name goes with a document number (population library), or whether a legal
person's name and legal representative go with a credit code (legal-person library), through the configured
library lookup (`lookups.LIBRARIES`). The answer is "matches" or why not, never the library's record. Each check
states its purpose; when the person or legal person has an account here, the check is recorded as a use of their
data (My Space, "every use"), and every check is logged with the client and a masked number.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from yiwang.core.api_auth import ErrorOut
from yiwang.core.codes import credit_code_error
from yiwang.core.errors import Problem, ProblemsError, both_languages

from . import crypto, services
from .api_security import require_scope
from .documents import DocType, document_number_error
from .masking import mask_id_number
from .models import Enterprise, Person, ReuseCategory, doc_hash
from .verification import DETAILS, Outcome, check_enterprise, check_person

log = logging.getLogger(__name__)

SCOPE = "identity:verify"
router = Router(tags=["identity"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


class PersonCheckIn(Schema):
    name: str = Field(..., max_length=100)
    doc_type: str = Field(DocType.RESIDENT_ID, description="resident_id (default), passport, …")
    doc_number: str = Field(..., max_length=40)
    purpose: str = Field(..., max_length=200, description="Why the check is made; shown to the person")
    case_number: str = Field("", max_length=40)


class EnterpriseCheckIn(Schema):
    credit_code: str = Field(..., max_length=18)
    name: str = Field(..., max_length=200)
    legal_rep_name: str = Field(..., max_length=100)
    purpose: str = Field(..., max_length=200, description="Why the check is made; shown to the legal person")
    case_number: str = Field("", max_length=40)


class CheckOut(Schema):
    passed: bool
    code: str = Field(..., description="matched, not_found, name_mismatch, … (see docs/api.md)")
    message: str = Field(..., description="In Chinese")
    message_en: str


def _purpose_problems(purpose: str) -> list[Problem]:
    if purpose.strip():
        return []
    return [Problem("purpose", _("Say why the check is made."), "required")]


def _answer(outcome: Outcome) -> dict[str, object]:
    code = outcome.detail.partition(": ")[0]
    return {"passed": outcome.passed, "code": code, **both_languages(DETAILS.get(code, code))}


def _what() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("Real-name check"))


@router.post(
    "/verify/person",
    response={200: CheckOut, **ERRORS},
    auth=require_scope(SCOPE),
    summary="Check a name and document number against the population library",
)
def verify_person(request: HttpRequest, payload: PersonCheckIn):
    client = request.machine_client  # type: ignore[attr-defined]
    number = crypto.normalise(payload.doc_number)
    problems = _purpose_problems(payload.purpose)
    if payload.doc_type not in DocType.values:
        problems.append(Problem("doc_type", _("Choose a valid document type."), "invalid_choice"))
    elif err := document_number_error(payload.doc_type, number):
        problems.append(Problem("doc_number", err, "invalid"))
    if not payload.name.strip():
        problems.append(Problem("name", _("The name is required."), "required"))
    if problems:
        raise ProblemsError(problems)
    outcome = check_person(name=payload.name, doc_type=payload.doc_type, doc_number=number)
    log.info("real-name check by client %s: %s → %s", client.pk, mask_id_number(number), outcome.detail)
    person = Person.objects.filter(doc_number_hash=doc_hash(payload.doc_type, number)).first()
    if person is not None:
        services.record_use(
            category=ReuseCategory.SHARED_DATA,
            what=_what(),
            used_by=client.name,
            purpose=payload.purpose.strip(),
            case_number=payload.case_number.strip(),
            person=person,
        )
    return _answer(outcome)


@router.post(
    "/verify/enterprise",
    response={200: CheckOut, **ERRORS},
    auth=require_scope(SCOPE),
    summary="Check a legal person's name and legal representative against the legal-person library",
)
def verify_enterprise(request: HttpRequest, payload: EnterpriseCheckIn):
    client = request.machine_client  # type: ignore[attr-defined]
    code = crypto.normalise(payload.credit_code)
    problems = _purpose_problems(payload.purpose)
    if err := credit_code_error(code):
        problems.append(Problem("credit_code", err, "invalid"))
    if not payload.name.strip():
        problems.append(Problem("name", _("The name is required."), "required"))
    if not payload.legal_rep_name.strip():
        problems.append(Problem("legal_rep_name", _("The legal representative's name is required."), "required"))
    if problems:
        raise ProblemsError(problems)
    outcome = check_enterprise(credit_code=code, name=payload.name, legal_rep_name=payload.legal_rep_name)
    log.info("legal-person check by client %s: %s → %s", client.pk, code, outcome.detail)
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    if enterprise is not None:
        services.record_use(
            category=ReuseCategory.SHARED_DATA,
            what=_what(),
            used_by=client.name,
            purpose=payload.purpose.strip(),
            case_number=payload.case_number.strip(),
            enterprise=enterprise,
        )
    return _answer(outcome)
