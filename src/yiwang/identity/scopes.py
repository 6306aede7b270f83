"""The scope catalogue for machine clients: what each scope lets a department system do through the API.

Each module contributes the scopes its endpoints demand to the `API_SCOPES` hook when it loads (key: the scope
name, entry: its description), so a scope is offered only while an endpoint guards something with it:

    API_SCOPES.add("cases:read", _("Read the cases of the client's organisation"), order=30)

django-oauth-toolkit asks this backend which scopes exist, which a client may request, and which it gets when
it names none. A client may request only the scopes written on its `MachineClient`; asking for any other
scope is refused at the token endpoint, so an access token never carries more than the client was granted.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes

from yiwang.core.plugins import Hook

API_SCOPES: Hook[Any] = Hook(
    "identity.api_scopes", doc="OAuth2 scopes machine clients may hold: name → description, in catalogue order."
)

# identity's own: the real-name check for machine clients (api_verify.py) and token introspection.
API_SCOPES.add("identity:verify", _("Check a person's or enterprise's real-name identity"), order=20)
API_SCOPES.add("introspection", _("Check whether another access token is valid (token introspection)"), order=90)


def all_scopes() -> dict[str, Promise]:
    """Every scope offered now: name → description, in catalogue order."""
    return dict(API_SCOPES.items())


def scope_choices() -> list[tuple[str, Promise]]:
    """(name, description) pairs in catalogue order, for forms and documentation."""
    return API_SCOPES.items()


def unknown_scopes(names: list[str]) -> list[str]:
    return sorted({n for n in names if n not in API_SCOPES})


def _granted(application: Any) -> list[str]:
    """The scopes written on the application's machine client that are still offered (none without a client)."""
    if application is None:
        return []
    mc = getattr(application, "machine_client", None)  # RelatedObjectDoesNotExist is an AttributeError
    if mc is None or mc.revoked_at is not None:
        return []
    return [s for s in mc.scopes if s in API_SCOPES]


class ScopesBackend(BaseScopes):
    """Scopes for django-oauth-toolkit: the catalogue above, limited per client to its MachineClient's list."""

    def get_all_scopes(self) -> dict[str, Promise]:
        return all_scopes()

    def get_available_scopes(self, application: Any = None, request: Any = None, *args, **kwargs) -> list[str]:
        return _granted(application)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args, **kwargs) -> list[str]:
        return _granted(application)
