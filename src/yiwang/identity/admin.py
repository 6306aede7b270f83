"""Identity admin: each part registers its models in its own module, imported here."""

from . import admin_clients  # noqa: F401
