"""Start-up checks of the plugin slots and of the storage backends (registered by CoreConfig.ready()).

Every slot declared with `yiwang.core.plugins.Slot` is validated: an unknown provider key or dotted path
(yiwang.E101), options that do not validate, one error per field (E102), a provider's own check failing (E103), a
setting of the wrong shape (E104). Django's STORAGES is the storage registry already; each configured backend must
import, be a Storage, and accept its OPTIONS (E110, E111). Nothing here touches the network.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.files.storage import Storage
from django.utils.module_loading import import_string

from . import plugins

TAG = "plugins"


@checks.register(TAG)
def plugins_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    out: list[checks.CheckMessage] = []
    for slot in plugins.slots():
        out += slot.check_messages()
    return out


@checks.register(TAG)
def storages_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Each STORAGES backend imports, is a Storage, and can be built with its OPTIONS (no files are touched)."""
    out: list[checks.CheckMessage] = []
    storages = getattr(settings, "STORAGES", {}) or {}
    for alias, config in storages.items():
        where = f"STORAGES[{alias!r}]"
        if not isinstance(config, dict) or not isinstance(config.get("BACKEND"), str):
            out.append(
                checks.Error(f"{where} needs a BACKEND (a dotted class path).", obj="STORAGES", id="yiwang.E110")
            )
            continue
        backend = config["BACKEND"]
        try:
            cls = import_string(backend)
        except ImportError as exc:
            out.append(
                checks.Error(
                    f"{where}: the backend {backend!r} cannot be imported ({exc}).",
                    hint="Install the package that provides it, or correct STORAGE_BACKEND.",
                    obj="STORAGES",
                    id="yiwang.E110",
                )
            )
            continue
        if not (isinstance(cls, type) and issubclass(cls, Storage)):
            out.append(checks.Error(f"{where}: {backend!r} is not a Django Storage.", obj="STORAGES", id="yiwang.E110"))
            continue
        options = config.get("OPTIONS", {}) or {}
        if not isinstance(options, dict):
            out.append(checks.Error(f"{where}: OPTIONS must be an object.", obj="STORAGES", id="yiwang.E111"))
            continue
        try:
            cls(**options)
        except TypeError as exc:
            out.append(
                checks.Error(
                    f"{where}: {backend} does not accept its OPTIONS ({exc}).",
                    hint="Compare STORAGE_OPTIONS with the storage class's documented options.",
                    obj="STORAGES",
                    id="yiwang.E111",
                )
            )
        except Exception as exc:  # a backend refusing a value (e.g. ImproperlyConfigured)
            out.append(
                checks.Error(
                    f"{where}: {backend} refuses its OPTIONS: {type(exc).__name__}: {exc}",
                    obj="STORAGES",
                    id="yiwang.E111",
                )
            )
    return out
