"""The scope catalogue for machine clients: what each scope lets a department system do through the API.

django-oauth-toolkit asks this backend which scopes exist, which a client may request, and which it gets when
it names none. A client may request only the scopes written on its `MachineClient`; asking for any other
scope is refused at the token endpoint, so an access token never carries more than the client was granted.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes

SCOPES: dict[str, Promise] = {
    "catalog:read": _("Read the service catalog, and the change history of the client's organisation's items"),
    "catalog:write": _("Create, edit, publish and retire the items of the client's organisation; import"),
    "identity:verify": _("Check a person's or enterprise's real-name identity"),
    "cases:read": _("Read the cases of the client's organisation"),
    "cases:write": _("Push case status, steps and results for the client's organisation"),
    "licenses:verify": _("Verify e-licenses presented by applicants"),
    "licenses:issue": _("Issue e-licenses in the name of the client's organisation"),
    "hotline:write": _("Create and update 12345 work orders"),
    "introspection": _("Check whether another access token is valid (token introspection)"),
}


def scope_choices() -> list[tuple[str, Promise]]:
    """(name, description) pairs in catalogue order, for forms and documentation."""
    return list(SCOPES.items())


def unknown_scopes(names: list[str]) -> list[str]:
    return sorted({n for n in names if n not in SCOPES})


def _granted(application: Any) -> list[str]:
    """The scopes written on the application's machine client (none for an application without one)."""
    if application is None:
        return []
    mc = getattr(application, "machine_client", None)  # RelatedObjectDoesNotExist is an AttributeError
    if mc is None or mc.revoked_at is not None:
        return []
    return [s for s in mc.scopes if s in SCOPES]


class ScopesBackend(BaseScopes):
    """Scopes for django-oauth-toolkit: the catalogue above, limited per client to its MachineClient's list."""

    def get_all_scopes(self) -> dict[str, Promise]:
        return dict(SCOPES)

    def get_available_scopes(self, application: Any = None, request: Any = None, *args, **kwargs) -> list[str]:
        return _granted(application)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args, **kwargs) -> list[str]:
        return _granted(application)
