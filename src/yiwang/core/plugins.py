"""One registry for every integration point and in-process hook (ADR 0005, docs/plugins.md).

Two kinds of seam, declared once by the module that owns them:

- A **slot** is an integration point a deployment configures: SMS gateway, verification services, key store,
  department connectors… The owning module declares it with its provider interface, the setting that names the
  provider (or providers) and the setting that holds their options, and an embedded default that works with no
  set-up. Providers register under a short key (``@SMS.register("http")``), declare their options as a pydantic
  model (``Options``), and may report start-up problems (``check()``). The dotted class paths older settings
  name keep working: a registered class answers to its own dotted path too.
- A **hook** is an in-process seam other modules contribute to when their app loads (``AppConfig.ready()``):
  material sources, My Space panels, API scopes, warm-ups. It has no settings; consumers iterate the entries in
  a defined order (``order``, then key).

``yiwang.core.checks`` validates every configured slot at start-up (unknown provider, bad options, a failing
provider check) as system-check errors ``yiwang.E101``–``E104``.

Instances are built on demand from the settings of the moment and reused only while those settings stay the same
(the cache key is the provider and its raw options; ``setting_changed`` clears it), so ``settings`` overrides in
tests take effect at once. Each process builds its own instances; nothing here is shared between processes.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string
from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = [
    "Hook",
    "NoOptions",
    "Options",
    "PluginError",
    "Provider",
    "Slot",
    "clear_instances",
    "hooks",
    "lookup",
    "option_errors",
    "slots",
]

E_UNKNOWN = "yiwang.E101"
E_OPTIONS = "yiwang.E102"
E_CHECK = "yiwang.E103"
E_SHAPE = "yiwang.E104"


class PluginError(ImproperlyConfigured):
    """A slot's configuration cannot be used; `problems` lists (where, message) pairs, `check_id` the check id."""

    def __init__(self, message: str, *, check_id: str = E_UNKNOWN, problems: Sequence[tuple[str, str]] = ()):
        super().__init__(message)
        self.check_id = check_id
        self.problems = list(problems)


class Options(BaseModel):
    """Base of a provider's options: unknown names are refused (a typo is an error), values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoOptions(Options):
    """A provider without options (any option given to it is an error)."""


class Provider:
    """Base of every provider interface.

    - ``Options``: the pydantic model of the provider's options (validated before the provider is built);
    - ``option_settings``: option name → an individual setting it is read from (older settings, or settings another
      library reads too); the slot's options setting overrides them name by name;
    - ``check()``: problems that would stop the provider working, found at start-up without side effects.

    The slot sets ``key`` on each instance it builds (the key it was registered under, or the dotted path of an
    unregistered subclass).
    """

    Options: ClassVar[type[BaseModel]] = NoOptions
    option_settings: ClassVar[Mapping[str, str]] = {}
    key: str = ""

    def __init__(self, options: BaseModel | None = None, /, **raw: Any) -> None:
        self.options = options if options is not None else self.Options.model_validate(raw)

    @classmethod
    def settings_options(cls) -> dict[str, Any]:
        """Options read from individual settings (``option_settings``): only those that are set."""
        return {name: getattr(settings, s) for name, s in cls.option_settings.items() if hasattr(settings, s)}

    def check(self) -> list[str | checks.CheckMessage]:
        """Start-up problems: a text is reported as an error (``yiwang.E103``), a CheckMessage as it is."""
        return []


P = TypeVar("P", bound=Provider)
T = TypeVar("T")

_registry: dict[str, Slot[Any] | Hook[Any]] = {}
_lock = threading.Lock()


def _declare(seam: Slot[Any] | Hook[Any]) -> None:
    with _lock:
        if seam.name in _registry:
            raise ValueError(f"the plugin seam {seam.name!r} is declared twice")
        _registry[seam.name] = seam


def slots() -> list[Slot[Any]]:
    """Every declared slot, by name."""
    return sorted((s for s in _registry.values() if isinstance(s, Slot)), key=lambda s: s.name)


def hooks() -> list[Hook[Any]]:
    """Every declared hook, by name."""
    return sorted((h for h in _registry.values() if isinstance(h, Hook)), key=lambda h: h.name)


def lookup(name: str) -> Slot[Any] | Hook[Any]:
    """The slot or hook declared under `name` (KeyError when none is)."""
    return _registry[name]


def clear_instances() -> None:
    """Forget every built provider instance (the next use builds from the current settings)."""
    for seam in list(_registry.values()):
        if isinstance(seam, Slot):
            seam.cache_clear()


def _on_setting_changed(**kwargs: Any) -> None:
    clear_instances()


setting_changed.connect(_on_setting_changed, dispatch_uid="yiwang.core.plugins")


def option_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """(field, message) for each problem, never echoing the value given (options hold tokens and passphrases)."""
    out = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        where = ".".join(str(p) for p in err.get("loc", ())) or "(options)"
        out.append((where, err.get("msg", "invalid")))
    return out


def _fingerprint(raw: Mapping[str, Any]) -> str:
    return json.dumps(raw, sort_keys=True, default=repr, ensure_ascii=False)


@dataclass(frozen=True)
class _Registration:
    key: str
    cls: type


class Slot(Generic[P]):
    """An integration point: providers of `interface`, chosen by the setting `setting`.

    `options_setting` names the setting with their options: for a one-provider slot, the options of that provider;
    with `many`, an object of provider key → options. `default` (a key, a list of keys, or a callable returning
    one) is used while `setting` is unset or empty.
    """

    def __init__(
        self,
        name: str,
        interface: type[P],
        *,
        setting: str,
        default: str | Sequence[str] | Callable[[], str | Sequence[str]],
        options_setting: str | None = None,
        many: bool = False,
        doc: str = "",
    ) -> None:
        if not (isinstance(interface, type) and issubclass(interface, Provider)):
            raise TypeError(f"slot {name}: the interface must be a subclass of yiwang.core.plugins.Provider")
        self.name = name
        self.interface = interface
        self.setting = setting
        self.options_setting = options_setting
        self.many = many
        self.default = default
        self.doc = doc
        self._providers: dict[str, _Registration] = {}
        self._aliases: dict[str, str] = {}
        self._cache: dict[tuple[str, type, str], P] = {}
        _declare(self)

    def __repr__(self) -> str:
        return f"<Slot {self.name} ({self.setting})>"

    # -- registration ------------------------------------------------------------------------------------------

    def register(self, key: str, *, aliases: Sequence[str] = ()) -> Callable[[type[P]], type[P]]:
        """Class decorator: the provider answers to `key`, to its own dotted path, and to `aliases`."""
        if not key or "." in key or "," in key:
            raise ValueError(f"slot {self.name}: a provider key is a short word without dots or commas, not {key!r}")

        def decorator(cls: type[P]) -> type[P]:
            if not (isinstance(cls, type) and issubclass(cls, self.interface)):
                raise TypeError(f"slot {self.name}: {cls!r} is not a {self.interface.__name__}")
            known = self._providers.get(key)
            if known is not None and known.cls is not cls:
                raise ValueError(f"slot {self.name}: the key {key!r} is already taken by {known.cls.__qualname__}")
            self._providers[key] = _Registration(key, cls)
            for alias in (f"{cls.__module__}.{cls.__qualname__}", *aliases):
                self._aliases[alias] = key
            self.cache_clear()
            return cls

        return decorator

    @property
    def providers(self) -> Mapping[str, type[P]]:
        """Registered key → provider class, in registration order."""
        return MappingProxyType({k: r.cls for k, r in self._providers.items()})

    def aliases(self, key: str) -> list[str]:
        """The other names (dotted paths) `key` answers to."""
        return [alias for alias, k in self._aliases.items() if k == key]

    # -- configuration -----------------------------------------------------------------------------------------

    def default_names(self) -> list[str]:
        value = self.default() if callable(self.default) else self.default
        return [value] if isinstance(value, str) else list(value)

    def configured(self) -> list[str]:
        """The provider names the settings give (the default while the setting is unset or empty), as written."""
        raw = getattr(settings, self.setting, None)
        if raw is None or raw == "" or (isinstance(raw, list | tuple) and not raw):
            names = self.default_names()
        elif isinstance(raw, str):
            names = [n.strip() for n in raw.split(",")] if self.many else [raw.strip()]
        elif isinstance(raw, list | tuple) and all(isinstance(n, str) for n in raw):
            names = [n.strip() for n in raw]
        else:
            raise PluginError(
                f"{self.setting} must be a provider key{' or a list of them' if self.many else ''}, "
                f"not {type(raw).__name__}.",
                check_id=E_SHAPE,
            )
        names = [n for n in names if n]
        if not self.many and len(names) != 1:
            raise PluginError(f"{self.setting} names exactly one provider (got {len(names)}).", check_id=E_SHAPE)
        return names

    def resolve(self, name: str) -> tuple[str, type[P]]:
        """(key, class) for a registered key, a registered class's dotted path, or an importable subclass."""
        if name in self._providers:
            return name, self._providers[name].cls  # type: ignore[return-value]
        if name in self._aliases:
            key = self._aliases[name]
            return key, self._providers[key].cls  # type: ignore[return-value]
        known = ", ".join(self._providers) or "none"
        if "." not in name:
            raise PluginError(f"{self.setting}: no provider is registered as {name!r} (known: {known}).")
        try:
            obj = import_string(name)
        except ImportError as exc:
            raise PluginError(f"{self.setting}: {name!r} cannot be imported ({exc}); known keys: {known}.") from exc
        if not (isinstance(obj, type) and issubclass(obj, self.interface)):
            raise PluginError(f"{self.setting}: {name!r} is not a {self.interface.__name__}.")
        for reg in self._providers.values():
            if reg.cls is obj:
                return reg.key, obj
        return name, obj

    def raw_options(self, key: str, cls: type[P], name: str | None = None) -> dict[str, Any]:
        """The options given to the provider: from its individual settings, then from the options setting."""
        raw = dict(cls.settings_options())
        if self.options_setting is None:
            return raw
        given = getattr(settings, self.options_setting, None) or {}
        if not isinstance(given, Mapping):
            raise PluginError(f"{self.options_setting} must be an object of options.", check_id=E_SHAPE)
        if self.many:
            given = given.get(key, given.get(name or key, {})) or {}
            if not isinstance(given, Mapping):
                raise PluginError(f"{self.options_setting}[{key!r}] must be an object of options.", check_id=E_SHAPE)
        raw.update(given)
        return raw

    def _where(self, key: str, cls: type[P], field: str, given: Mapping[str, Any]) -> str:
        """Where an option was set, in the words of the settings (for messages)."""
        top = field.split(".", 1)[0]
        if top in cls.option_settings and top not in given:
            return cls.option_settings[top] + field[len(top) :]
        base = self.options_setting or self.setting
        return f"{base}[{key!r}].{field}" if self.many else f"{base}.{field}"

    def options_for(self, key: str, cls: type[P], raw: Mapping[str, Any]) -> BaseModel:
        """The validated options; PluginError naming each bad field otherwise."""
        try:
            return cls.Options.model_validate(dict(raw))
        except ValidationError as exc:
            given = self._given(key)
            problems = [(self._where(key, cls, f, given), m) for f, m in option_errors(exc)]
            text = "; ".join(f"{w}: {m}" for w, m in problems)
            raise PluginError(
                f"{self.setting}: the options of {key!r} are not valid: {text}", check_id=E_OPTIONS, problems=problems
            ) from None

    def _given(self, key: str) -> Mapping[str, Any]:
        if self.options_setting is None:
            return {}
        given = getattr(settings, self.options_setting, None) or {}
        if self.many and isinstance(given, Mapping):
            given = given.get(key) or {}
        return given if isinstance(given, Mapping) else {}

    # -- instances ---------------------------------------------------------------------------------------------

    def build(self, name: str, options: Mapping[str, Any] | None = None) -> P:
        """A provider instance for `name` (a key or dotted path) with the configured options, or `options`."""
        key, cls = self.resolve(name)
        raw = self.raw_options(key, cls, name) if options is None else dict(options)
        marker = (key, cls, _fingerprint(raw))
        instance = self._cache.get(marker)
        if instance is None:
            instance = cls(self.options_for(key, cls, raw))
            instance.key = key
            self._cache[marker] = instance
        return instance

    def get(self) -> P:
        """The active provider of a one-provider slot."""
        if self.many:
            raise TypeError(f"slot {self.name} holds several providers: use all()")
        return self.build(self.configured()[0])

    def all(self) -> list[P]:
        """The active providers, in the order the setting names them."""
        return [self.build(name) for name in self.configured()]

    def active_class(self) -> type[P]:
        """The class of the active provider of a one-provider slot, without building it (no options checked)."""
        return self.resolve(self.configured()[0])[1]

    def cache_clear(self) -> None:
        self._cache.clear()

    # -- start-up check ----------------------------------------------------------------------------------------

    def check_messages(self) -> list[checks.CheckMessage]:
        """Every problem of the current configuration, as system-check messages."""
        try:
            names = self.configured()
        except PluginError as exc:
            return [checks.Error(str(exc), obj=self.setting, id=exc.check_id)]
        out: list[checks.CheckMessage] = []
        for name in names:
            try:
                instance = self.build(name)
            except PluginError as exc:
                if exc.problems:
                    out += [
                        checks.Error(f"{where}: {message}", hint=self._hint(name), obj=self.setting, id=exc.check_id)
                        for where, message in exc.problems
                    ]
                else:
                    text = str(exc).removeprefix(f"{self.setting}: ")  # the check names the setting already
                    out.append(checks.Error(text, hint=self._hint(name), obj=self.setting, id=exc.check_id))
                continue
            try:
                found = instance.check()
            except Exception as exc:  # a provider's check must not stop the other checks from running
                found = [f"the provider's check failed: {type(exc).__name__}: {exc}"]
            for problem in found:
                if isinstance(problem, checks.CheckMessage):
                    out.append(problem)
                else:
                    out.append(checks.Error(f"{instance.key}: {problem}", obj=self.setting, id=E_CHECK))
        return out

    def _hint(self, name: str) -> str:
        keys = ", ".join(self._providers) or "none"
        return f"Providers of {self.setting}: {keys}. See docs/plugins.md."


class Hook(Generic[T]):
    """An in-process seam: entries other modules contribute (by key) when their app loads.

    Entries come back ordered by `order`, then key, so the result does not depend on the order apps load in.
    Adding an entry under a key already present replaces it.
    """

    def __init__(self, name: str, *, entry_type: type | None = None, doc: str = "") -> None:
        self.name = name
        self.entry_type = entry_type
        self.doc = doc
        self._entries: dict[str, tuple[int, T]] = {}
        self._sorted: list[tuple[str, T]] | None = None
        _declare(self)

    def __repr__(self) -> str:
        return f"<Hook {self.name} ({len(self._entries)} entries)>"

    def add(self, key: str, entry: T, *, order: int = 100) -> T:
        """Contributes `entry` under `key` (call it from AppConfig.ready()); returns the entry."""
        if self.entry_type is not None and not isinstance(entry, self.entry_type):
            raise TypeError(f"hook {self.name}: {entry!r} is not a {self.entry_type.__name__}")
        with _lock:
            self._entries[key] = (order, entry)
            self._sorted = None
        return entry

    def remove(self, key: str) -> None:
        with _lock:
            self._entries.pop(key, None)
            self._sorted = None

    @contextlib.contextmanager
    def contributed(self, key: str, entry: T, *, order: int = 100) -> Iterator[T]:
        """Adds an entry for the duration of a block (tests), then puts back what was there."""
        before = self._entries.get(key)
        self.add(key, entry, order=order)
        try:
            yield entry
        finally:
            if before is None:
                self.remove(key)
            else:
                self.add(key, before[1], order=before[0])

    def items(self) -> list[tuple[str, T]]:
        """(key, entry) pairs in order."""
        ordered = self._sorted
        if ordered is None:
            with _lock:
                ordered = [(k, e) for k, (_o, e) in sorted(self._entries.items(), key=lambda kv: (kv[1][0], kv[0]))]
                self._sorted = ordered
        return list(ordered)

    def entries(self) -> list[T]:
        return [e for _k, e in self.items()]

    def keys(self) -> list[str]:
        return [k for k, _e in self.items()]

    def get(self, key: str, default: T | None = None) -> T | None:
        found = self._entries.get(key)
        return found[1] if found is not None else default

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)
