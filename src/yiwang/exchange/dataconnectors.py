"""Data connectors: where a resource's records come from when a data service is called (a plugin slot).

Each resource names one connector (`DataResource.connector`) and that connector's per-resource options
(`connector_options`, checked when the resource is saved); the deployment enables connectors and gives their
secrets and limits in `DATA_CONNECTORS` / `DATA_CONNECTOR_OPTIONS` (docs/plugins.md, docs/exchange.md):

- ``table`` (embedded default): records the provider keeps in Yiwang, imported from CSV or xlsx (`store`),
  encrypted at rest, found by keyed hash. Healthy when it holds records.
- ``http``: the provider's own HTTP/JSON service — POST {"resource", "keys"} to the resource's URL, answer
  {"records": [...]} (or a list; 404 means no record). Every outgoing URL goes through core.netguard (public
  addresses, or networks the deployment allows), over a connection pinned to the address checked.
- ``database``: a view in the provider's PostgreSQL database (a DSN named in the deployment options, never in the
  catalog), queried by its key columns with a statement timeout.
- ``filedrop``: the provider drops a CSV or xlsx file in a directory, imported into the table store with the same
  checks as an upload (`store.import_checked`; the scheduled import command is not written yet), and calls read
  the table. Unhealthy when the file is older than the resource's update frequency allows.

Every connector reports its health (`health`): ok or not, what it found, how long it took. A connector's failure at
run time is a `ConnectorError` with a short code, which the caller logs and turns into "try again later".
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field, ValidationError

from yiwang.core import netguard, plugins
from yiwang.core.errors import Problem

from .models import DataResource, Frequency, ProvidedRecord


class ConnectorError(Exception):
    """The provider could not answer: `code` is short and safe to log (never a value of the request)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code[:80]


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str
    latency_ms: int = 0


class DataConnector(plugins.Provider):
    """Interface: fetch a resource's records by key values; report the source's health."""

    ResourceOptions: ClassVar[type[BaseModel]] = plugins.NoOptions
    label: ClassVar[Any] = ""

    def fetch(self, resource: DataResource, options: BaseModel, keys: dict[str, str], *, many: bool) -> list[dict]:
        raise NotImplementedError  # pragma: no cover - interface

    def health(self, resource: DataResource, options: BaseModel) -> Health:
        raise NotImplementedError  # pragma: no cover - interface


DATA_CONNECTORS: plugins.Slot[DataConnector] = plugins.Slot(
    "exchange.data_connector",
    DataConnector,
    setting="DATA_CONNECTORS",
    options_setting="DATA_CONNECTOR_OPTIONS",
    default=["table", "http", "database", "filedrop"],
    many=True,
    doc="Where a shared resource's records come from; each resource chooses one of the enabled connectors.",
)


def enabled() -> dict[str, DataConnector]:
    """The connectors this deployment enabled, by key."""
    return {c.key: c for c in DATA_CONNECTORS.all()}


def connector_for(resource: DataResource) -> tuple[DataConnector, BaseModel]:
    """The resource's connector and its validated per-resource options (ConnectorError when unusable)."""
    conn = enabled().get(resource.connector)
    if conn is None:
        raise ConnectorError("connector_disabled")
    try:
        opts = conn.ResourceOptions.model_validate(resource.connector_options or {})
    except ValidationError:
        raise ConnectorError("connector_options") from None
    return conn, opts


def connector_problems(key: str, options: Any) -> list[Problem]:
    """What is wrong with a resource's choice of connector and its options (for the resource's form)."""
    conns = enabled()
    if key not in conns:
        return [
            Problem(
                "connector",
                _("Choose one of the connectors this platform enables: %(keys)s."),
                "invalid",
                params={"keys": ", ".join(conns)},
            )
        ]
    if not isinstance(options, dict):
        return [Problem("connector_options", _("Connector options are a JSON object."), "invalid")]
    try:
        opts = conns[key].ResourceOptions.model_validate(options)
    except ValidationError as exc:
        return [
            Problem(f"connector_options.{where}", message, "invalid") for where, message in plugins.option_errors(exc)
        ]
    check = getattr(conns[key], "resource_problems", None)
    return check(opts) if check else []


def check_health(resource: DataResource) -> Health:
    """Runs the resource's health check and keeps the answer on the resource (and an event when it fails)."""
    started = time.monotonic()
    try:
        conn, opts = connector_for(resource)
        found = conn.health(resource, opts)
    except ConnectorError as exc:
        found = Health(False, exc.code)
    except Exception as exc:  # a connector's bug must not stop the other checks
        found = Health(False, f"error: {type(exc).__name__}")
    latency = found.latency_ms or int((time.monotonic() - started) * 1000)
    was_ok = resource.health_ok
    DataResource.objects.filter(pk=resource.pk).update(
        health_ok=found.ok,
        health_detail=found.detail[:300],
        health_latency_ms=latency,
        health_checked_at=timezone.now(),
    )
    resource.health_ok, resource.health_detail, resource.health_latency_ms = found.ok, found.detail[:300], latency
    if not found.ok and was_ok is not False:
        from .events import record
        from .models import EventKind

        record(EventKind.HEALTH_FAILED, resource.provider, resource.code, {"detail": found.detail[:200]})
    return Health(found.ok, found.detail, latency)


# How old a provider's data may be before its health check says so (a tenth over the frequency's period).
MAX_AGE = {
    Frequency.REALTIME: dt.timedelta(days=1),
    Frequency.DAILY: dt.timedelta(days=2),
    Frequency.WEEKLY: dt.timedelta(days=8),
    Frequency.MONTHLY: dt.timedelta(days=33),
    Frequency.QUARTERLY: dt.timedelta(days=100),
    Frequency.YEARLY: dt.timedelta(days=400),
}


# ----------------------------------------------------------------------------------------------------------------
# table: records kept in Yiwang
# ----------------------------------------------------------------------------------------------------------------


@DATA_CONNECTORS.register("table")
class TableConnector(DataConnector):
    """Records the provider keeps in Yiwang (imported from CSV or xlsx), encrypted, found by keyed hash."""

    label = _("Records kept in Yiwang (import)")

    def fetch(self, resource: DataResource, options: BaseModel, keys: dict[str, str], *, many: bool) -> list[dict]:
        from . import store

        return store.lookup(resource, keys, limit=50 if many else 2)

    def health(self, resource: DataResource, options: BaseModel) -> Health:
        started = time.monotonic()
        latest = (
            ProvidedRecord.objects.filter(resource=resource)
            .order_by("-updated_at")
            .values_list("updated_at", flat=True)
        ).first()
        ms = int((time.monotonic() - started) * 1000)
        if latest is None:
            return Health(False, "no records imported", ms)
        return Health(True, f"records imported, latest {timezone.localtime(latest):%Y-%m-%d %H:%M}", ms)


# ----------------------------------------------------------------------------------------------------------------
# http: the provider's own service
# ----------------------------------------------------------------------------------------------------------------


class HttpOptions(plugins.Options):
    allowed_networks: list[str] = Field(default_factory=list)
    allow_http: bool = False
    tokens: dict[str, str] = Field(default_factory=dict)
    ca_bundle: str = ""
    max_timeout: float = Field(default=10, gt=0, le=60)


class HttpResourceOptions(plugins.Options):
    url: str = Field(min_length=8, max_length=300)
    token: str = Field(default="", max_length=40, description="the name of a token in DATA_CONNECTOR_OPTIONS")
    timeout: float = Field(default=3, gt=0, le=60)
    records: str = Field(default="records", max_length=40)
    health_url: str = Field(default="", max_length=300)


def _send(method: str, url: str, *, opts: HttpOptions, timeout: float, **kw: Any) -> requests.Response:
    """One request to a checked, pinned address (core.netguard), no proxies, no redirects."""
    destination = netguard.check_url(
        url, allow_http=opts.allow_http or settings.DEBUG, allowed=netguard.parse_networks(opts.allowed_networks)
    )
    with requests.Session() as session:
        session.trust_env = False
        adapter = netguard.PinnedAdapter(destination)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session.request(
            method,
            destination.url,
            timeout=timeout,
            allow_redirects=False,
            verify=opts.ca_bundle or True,
            **kw,
        )


@DATA_CONNECTORS.register("http")
class HttpConnector(DataConnector):
    """The provider's HTTP/JSON service: POST {"resource", "keys"} → {"records": [...]}."""

    Options = HttpOptions
    ResourceOptions = HttpResourceOptions
    label = _("The provider's HTTP/JSON service")

    def check(self) -> list[str]:
        try:
            netguard.parse_networks(self.options.allowed_networks)
        except ValueError as exc:
            return [f"allowed_networks: {exc}"]
        return []

    def resource_problems(self, opts: HttpResourceOptions) -> list[Problem]:
        out = []
        plain_ok = self.options.allow_http or settings.DEBUG
        for name in ("url", "health_url"):
            url = getattr(opts, name)
            scheme = url.split(":", 1)[0] if url else "https"
            if scheme != "https" and not (scheme == "http" and plain_ok):
                out.append(
                    Problem(
                        f"connector_options.{name}",
                        _("The provider's service must be an https:// address."),
                        "insecure",
                    )
                )
        if opts.token and opts.token not in self.options.tokens:
            out.append(
                Problem(
                    "connector_options.token",
                    _("No token of this name is configured (DATA_CONNECTOR_OPTIONS http.tokens)."),
                    "invalid",
                )
            )
        return out

    def _headers(self, opts: HttpResourceOptions) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": "Yiwang-Exchange/1"}
        token = self.options.tokens.get(opts.token) if opts.token else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def fetch(self, resource: DataResource, options: BaseModel, keys: dict[str, str], *, many: bool) -> list[dict]:
        import json

        opts: HttpResourceOptions = options  # type: ignore[assignment]
        body = json.dumps({"resource": resource.code, "keys": keys}, ensure_ascii=False).encode()
        timeout = min(opts.timeout, self.options.max_timeout)
        try:
            r = _send("POST", opts.url, opts=self.options, timeout=timeout, data=body, headers=self._headers(opts))
        except netguard.Refused as refused:
            raise ConnectorError(f"refused_{refused.code}") from None
        except requests.Timeout:
            raise ConnectorError("timeout") from None
        except requests.RequestException as exc:
            raise ConnectorError(type(exc).__name__) from None
        if r.status_code == 404:
            return []
        if not 200 <= r.status_code < 300:
            raise ConnectorError(f"http_{r.status_code}")
        try:
            answer = r.json()
        except ValueError:
            raise ConnectorError("not_json") from None
        records = answer.get(opts.records, []) if isinstance(answer, dict) else answer
        if not isinstance(records, list) or not all(isinstance(x, dict) for x in records):
            raise ConnectorError("bad_answer")
        return records[: 50 if many else 2]

    def health(self, resource: DataResource, options: BaseModel) -> Health:
        opts: HttpResourceOptions = options  # type: ignore[assignment]
        started = time.monotonic()
        url = opts.health_url or opts.url
        try:
            r = _send("GET", url, opts=self.options, timeout=min(opts.timeout, self.options.max_timeout))
        except netguard.Refused as refused:
            return Health(False, f"refused: {refused.code}")
        except requests.RequestException as exc:
            return Health(False, type(exc).__name__, int((time.monotonic() - started) * 1000))
        ms = int((time.monotonic() - started) * 1000)
        return Health(r.status_code < 500, f"HTTP {r.status_code}", ms)


# ----------------------------------------------------------------------------------------------------------------
# database: a view in the provider's PostgreSQL
# ----------------------------------------------------------------------------------------------------------------

IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$")


class DatabaseOptions(plugins.Options):
    databases: dict[str, str] = Field(default_factory=dict, description="name → PostgreSQL DSN")
    statement_timeout_ms: int = Field(default=2000, gt=0, le=60000)


class DatabaseResourceOptions(plugins.Options):
    database: str = Field(min_length=1, max_length=40)
    view: str = Field(min_length=1, max_length=127)
    columns: dict[str, str] = Field(default_factory=dict, description="field name → column (same name when absent)")


_connections = threading.local()


@DATA_CONNECTORS.register("database")
class DatabaseConnector(DataConnector):
    """A view in the provider's PostgreSQL database, read by its key columns (psycopg, one connection per thread
    and database, reopened after an error)."""

    Options = DatabaseOptions
    ResourceOptions = DatabaseResourceOptions
    label = _("A view in the provider's PostgreSQL database")

    def resource_problems(self, opts: DatabaseResourceOptions) -> list[Problem]:
        out = []
        if opts.database not in self.options.databases:
            out.append(
                Problem(
                    "connector_options.database",
                    _("No database of this name is configured (DATA_CONNECTOR_OPTIONS database.databases)."),
                    "invalid",
                )
            )
        names = [opts.view, *opts.columns.values()]
        if not all(IDENT.match(n) for n in names):
            out.append(
                Problem(
                    "connector_options.view",
                    _("View and column names are lower-case identifiers (schema.view allowed)."),
                    "invalid",
                )
            )
        return out

    def _conn(self, name: str):
        import psycopg

        dsn = self.options.databases.get(name)
        if dsn is None:
            raise ConnectorError("unknown_database")
        cache = getattr(_connections, "open", None)
        if cache is None:
            cache = _connections.open = {}
        conn = cache.get(dsn)
        if conn is None or conn.closed:
            try:
                conn = psycopg.connect(dsn, autocommit=True, connect_timeout=3)
            except psycopg.Error:
                raise ConnectorError("connect_failed") from None
            with conn.cursor() as cur:
                cur.execute(f"SET statement_timeout = {int(self.options.statement_timeout_ms)}")
            cache[dsn] = conn
        return conn

    def _query(self, opts: DatabaseResourceOptions, resource: DataResource, keys: dict[str, str], limit: int):
        import psycopg
        from psycopg import sql

        if not IDENT.match(opts.view):
            raise ConnectorError("bad_view")
        fields = [f["name"] for f in _fields(resource)]
        column = {f: opts.columns.get(f, f) for f in fields}
        if not all(IDENT.match(c) for c in column.values()):
            raise ConnectorError("bad_column")
        view = sql.SQL(".").join(sql.Identifier(p) for p in opts.view.split("."))
        select = sql.SQL(", ").join(
            sql.SQL("{} AS {}").format(sql.Identifier(column[f]), sql.Identifier(f)) for f in fields
        )
        where = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(column[k])) for k in keys) or sql.SQL(
            "FALSE"
        )
        query = sql.SQL("SELECT {} FROM {} WHERE {} LIMIT {}").format(select, view, where, sql.Literal(limit))
        conn = self._conn(opts.database)
        try:
            with conn.cursor() as cur:
                cur.execute(query, list(keys.values()))
                names = [d.name for d in cur.description or []]
                return [
                    {n: (v.isoformat() if isinstance(v, dt.date) else v) for n, v in zip(names, row, strict=True)}
                    for row in cur.fetchall()
                ]
        except psycopg.errors.QueryCanceled:
            raise ConnectorError("timeout") from None
        except psycopg.Error as exc:
            conn.close()
            raise ConnectorError(f"db_{type(exc).__name__}") from None

    def fetch(self, resource: DataResource, options: BaseModel, keys: dict[str, str], *, many: bool) -> list[dict]:
        return self._query(options, resource, keys, 50 if many else 2)  # type: ignore[arg-type]

    def health(self, resource: DataResource, options: BaseModel) -> Health:
        from psycopg import sql

        opts: DatabaseResourceOptions = options  # type: ignore[assignment]
        started = time.monotonic()
        try:
            conn = self._conn(opts.database)
            view = sql.SQL(".").join(sql.Identifier(p) for p in opts.view.split("."))
            with conn.cursor() as cur:
                cur.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(view))
                found = cur.fetchone()
        except ConnectorError as exc:
            return Health(False, exc.code)
        except Exception as exc:
            return Health(False, f"db_{type(exc).__name__}", int((time.monotonic() - started) * 1000))
        ms = int((time.monotonic() - started) * 1000)
        return Health(True, "view answers" if found else "view answers (empty)", ms)


# ----------------------------------------------------------------------------------------------------------------
# filedrop: a file the provider drops, imported into the table store
# ----------------------------------------------------------------------------------------------------------------


class FiledropOptions(plugins.Options):
    root: str = ""

    def directory(self) -> Path:
        return Path(self.root) if self.root else Path(settings.VAR_DIR) / "filedrop"


class FiledropResourceOptions(plugins.Options):
    file: str = Field(min_length=1, max_length=200, description="path of the dropped file, under the drop directory")


@DATA_CONNECTORS.register("filedrop")
class FiledropConnector(DataConnector):
    """A CSV or xlsx file the provider drops in a directory; `yiwang exchange_filedrop` imports it."""

    Options = FiledropOptions
    ResourceOptions = FiledropResourceOptions
    label = _("A file the provider drops (CSV or xlsx)")

    def check(self) -> list[str]:
        root = self.options.directory()
        if root.exists() and not root.is_dir():
            return [f"root: {root} is not a directory"]
        return []

    def resource_problems(self, opts: FiledropResourceOptions) -> list[Problem]:
        if self.path(opts) is None:
            return [
                Problem(
                    "connector_options.file",
                    _("Give a path inside the drop directory, ending in .csv or .xlsx."),
                    "invalid",
                )
            ]
        return []

    def path(self, opts: FiledropResourceOptions) -> Path | None:
        root = self.options.directory().resolve()
        candidate = (root / opts.file).resolve()
        if root not in candidate.parents or candidate.suffix.lower() not in (".csv", ".xlsx"):
            return None
        return candidate

    def fetch(self, resource: DataResource, options: BaseModel, keys: dict[str, str], *, many: bool) -> list[dict]:
        from . import store

        return store.lookup(resource, keys, limit=50 if many else 2)

    def health(self, resource: DataResource, options: BaseModel) -> Health:
        path = self.path(options)  # type: ignore[arg-type]
        if path is None:
            return Health(False, "bad path")
        if not path.exists():
            return Health(False, "no file dropped")
        age = dt.timedelta(seconds=time.time() - path.stat().st_mtime)
        limit = MAX_AGE.get(resource.frequency)
        if limit is not None and age > limit:
            return Health(False, f"file is {age.days} days old")
        if not ProvidedRecord.objects.filter(resource=resource).exists():
            return Health(False, "file not imported yet")
        return Health(True, f"file {age.days} days old, imported")


def _fields(resource: DataResource) -> list[dict]:
    from . import fielddefs

    return fielddefs.normalise(resource.fields)
