"""Identity admin: each part registers its models in its own module, imported here."""

from . import admin_clients, admin_people  # noqa: F401
