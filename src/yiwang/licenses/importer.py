"""Bulk import of licenses from CSV or xlsx: every bad row reported, nothing half-written.

Pass 1 reads and validates every row without writing (types, issuers and holders looked up once per distinct
value, not per row). Only when no row has a problem does pass 2 reserve serials, sign each license with its
issuer's current key and insert licenses and their events in batches (core.bulk.insert_rows) inside one
transaction. Columns may be named in English or Chinese; field columns are the type's field names or labels.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.bulk import insert_rows
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity.documents import DocType
from yiwang.identity.models import Enterprise, Person
from yiwang.orgs.models import Organisation

from . import numbering, services
from .models import HolderKind, License, LicenseEvent, LicenseType, TrustLevel

MAX_ROWS = 1_000_000
MAX_BYTES = 200 * 1024 * 1024
BATCH = 5000
PARALLEL_MIN = 20_000  # below this, forking signing workers costs more than it saves

COLUMNS = {
    "license_type": ("license_type", "type", "证照类型代码", "证照类型"),
    "issuer": ("issuer", "issuer_code", "颁发机构代码", "发证机关代码"),
    "holder_number": ("holder_number", "持证主体代码", "证件号码", "统一社会信用代码"),
    "holder_name": ("holder_name", "持证主体", "持证主体名称", "姓名", "名称"),
    "holder_doc_type": ("holder_doc_type", "证件类型"),
    "issued_on": ("issued_on", "颁证日期", "发证日期"),
    "expires_on": ("expires_on", "有效期至", "截止日期"),
    "trust_level": ("trust_level", "可信等级"),
    "case_number": ("case_number", "办件编号"),
}
ALIASES = {alias.lower(): key for key, names in COLUMNS.items() for alias in names}
REQUIRED = ("license_type", "issuer", "holder_number", "holder_name")


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    problems: list[Problem] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    license_type: LicenseType
    issuer: Organisation
    holder_number: str
    holder_name: str
    holder_doc_type: str
    fields: dict[str, str]
    issued_on: dt.date
    expires_on: dt.date | None
    trust_level: str
    case_number: str


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(data: bytes | BinaryIO, filename: str) -> Iterator[list[str]]:
    """Rows of cells as text from a CSV (UTF-8, with or without BOM; GB18030 accepted) or an xlsx file."""
    raw = data if isinstance(data, bytes) else data.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ProblemsError([Problem("file", _("The file is larger than 200 MB."), "too_large")])
    if filename.lower().endswith(".xlsx") or raw[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:
            raise ProblemsError([Problem("file", _("The file is not a readable xlsx workbook."), "bad_file")]) from exc
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in row]
        wb.close()
        return
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ProblemsError([Problem("file", _("The CSV file is neither UTF-8 nor GB18030 text."), "bad_encoding")])
    for row in csv.reader(io.StringIO(text)):
        yield [c.strip() for c in row]


class _Lookups:
    """Types and issuers read once per distinct code."""

    def __init__(self, allowed: set[str] | None = None) -> None:
        self.allowed = allowed
        self.types: dict[str, LicenseType | None] = {}
        self.issuers: dict[str, Organisation | None] = {}
        self.type_issuers: dict[int, set[int]] = {}
        self.columns_by_type: dict[int, dict[str, str]] = {}

    def license_type(self, code: str) -> LicenseType | None:
        if code not in self.types:
            lt = LicenseType.objects.filter(code=code.upper()).first()
            self.types[code] = lt
            if lt is not None:
                self.type_issuers[lt.pk] = lt.issuer_ids()
                cols = {}
                for spec in lt.field_specs():
                    cols[spec["name"].lower()] = spec["name"]
                    cols[spec["label"].lower()] = spec["name"]
                self.columns_by_type[lt.pk] = cols
        return self.types[code]

    def issuer(self, code: str) -> Organisation | None:
        if code not in self.issuers:
            self.issuers[code] = Organisation.objects.filter(credit_code=code.upper()).first()
        return self.issuers[code]


def _problem(row: int, column: str, message: Any, code: str, params: dict | None = None) -> Problem:
    return Problem(column, message, code, row=row, column=column, params=params)


def validate(rows: Iterable[list[str]], allowed: set[str] | None = None) -> tuple[list[_Row], list[Problem], int]:
    """Pass 1: every row checked, nothing written. Returns the good rows, all problems and the row count."""
    it = iter(rows)
    header = next(it, None)
    if not header or not any(header):
        return [], [Problem("file", _("The file is empty."), "empty")], 0
    names = [h.strip() for h in header]
    known = [ALIASES.get(n.lower()) for n in names]
    problems: list[Problem] = []
    for key in REQUIRED:
        if key not in known:
            problems.append(
                Problem("file", _("The column %(column)s is missing."), "missing_column", row=1, params={"column": key})
            )
    if problems:
        return [], problems, 0
    look = _Lookups(allowed)
    good: list[_Row] = []
    count = 0
    for number, cells in enumerate(it, start=2):
        if not any(cells):
            continue
        count += 1
        if count > MAX_ROWS:
            problems.append(Problem("file", _("At most 1,000,000 rows per file."), "too_many_rows", row=number))
            break
        values: dict[str, str] = {}
        extra: dict[str, str] = {}
        for i, cell in enumerate(cells):
            if i >= len(names) or not cell:
                continue
            if known[i]:
                values[known[i]] = cell
            else:
                extra[names[i]] = cell
        row_problems = _check_row(number, values, extra, look)
        if isinstance(row_problems, list):
            problems += row_problems
        else:
            good.append(row_problems)
    return good, problems, count


def _check_row(number: int, values: dict[str, str], extra: dict[str, str], look: _Lookups) -> _Row | list[Problem]:
    out: list[Problem] = []
    lt = look.license_type(values.get("license_type", ""))
    if lt is None:
        out.append(_problem(number, "license_type", _("Unknown license type code."), "unknown_type"))
    issuer = look.issuer(values.get("issuer", ""))
    if issuer is None:
        out.append(_problem(number, "issuer", _("No organisation has this credit code."), "unknown_issuer"))
    elif look.allowed is not None and issuer.credit_code not in look.allowed:
        out.append(_problem(number, "issuer", _("You do not issue licenses for this organisation."), "not_yours"))
    if lt is None:
        return out
    if issuer is not None and look.type_issuers[lt.pk] and issuer.pk not in look.type_issuers[lt.pk]:
        out.append(
            _problem(
                number,
                "issuer",
                _("%(issuer)s does not issue %(type)s."),
                "not_an_issuer",
                {"issuer": issuer.name, "type": lt.name},
            )
        )
    doc_type = values.get("holder_doc_type") or DocType.RESIDENT_ID
    for p in services.holder_problems(
        lt.holder_kind, values.get("holder_number", ""), values.get("holder_name", ""), doc_type
    ):
        out.append(_problem(number, p.field, p.message, p.code, p.params))
    cols = look.columns_by_type[lt.pk]
    fields: dict[str, str] = {}
    for name, cell in extra.items():
        key = cols.get(name.lower())
        if key is None:
            out.append(
                _problem(number, name, _("This license type has no field %(name)s."), "unknown_field", {"name": name})
            )
        else:
            fields[key] = cell
    clean, field_problems = services.field_problems(lt, fields)
    for p in field_problems:
        out.append(_problem(number, p.field.removeprefix("fields."), p.message, p.code, p.params))
    issued = services.parse_date(values["issued_on"]) if values.get("issued_on") else timezone.localdate()
    if issued is None:
        out.append(_problem(number, "issued_on", _("The issue date must be a date like 2024-01-31."), "bad_date"))
    expires = services.parse_date(values["expires_on"]) if values.get("expires_on") else None
    if values.get("expires_on") and expires is None:
        out.append(_problem(number, "expires_on", _("The expiry date must be a date like 2024-01-31."), "bad_date"))
    elif expires is None and issued is not None:
        expires = services.default_expiry(lt, issued)
    if issued and expires and expires < issued:
        out.append(
            _problem(number, "expires_on", _("The expiry date cannot be before the issue date."), "before_issue")
        )
    trust = (values.get("trust_level") or lt.default_trust).upper()
    if trust not in TrustLevel.values:
        out.append(_problem(number, "trust_level", _("The trust level is one of A, B, C, D."), "bad_trust"))
    if out:
        return out
    return _Row(
        number=number,
        license_type=lt,
        issuer=issuer,  # type: ignore[arg-type]
        holder_number=values["holder_number"],
        holder_name=values["holder_name"],
        holder_doc_type=doc_type if lt.holder_kind == HolderKind.PERSON else "",
        fields=clean,
        issued_on=issued,  # type: ignore[arg-type]
        expires_on=expires,
        trust_level=trust,
        case_number=values.get("case_number", "")[:64],
    )


_LICENSE_FIELDS = [f for f in License._meta.concrete_fields if not f.primary_key]
# Adapted in the inserting process: their database wrappers (JSON, binary) do not cross a process boundary.
_LATE = [i for i, f in enumerate(_LICENSE_FIELDS) if f.get_internal_type() in ("JSONField", "BinaryField")]


def _portable_rows(objs: list[License]) -> list[list[Any]]:
    """Database-ready rows, except the _LATE columns, which keep their Python value (a dict, bytes)."""
    out = []
    for obj in objs:
        row = []
        for i, f in enumerate(_LICENSE_FIELDS):
            value = f.pre_save(obj, True)
            row.append(value if i in _LATE else f.get_db_prep_save(value, connection))
        out.append(row)
    return out


def _finish_rows(rows: list[list[Any]]) -> list[list[Any]]:
    for row in rows:
        for i in _LATE:
            row[i] = _LICENSE_FIELDS[i].get_db_prep_save(row[i], connection)
    return rows


@dataclass
class _Group:
    """The rows of one (type, issuer) pair with the serials reserved for them and the key that signs them."""

    rows: list[_Row]
    serials: list[str]
    signer: services.Signer


# What forked signing workers read (copy-on-write from the parent): set just before the pool starts.
_JOB: dict[str, Any] = {}


def _signed_rows(group: _Group, start: int, end: int, persons: dict[str, int], enterprises: dict[str, int]):
    """Builds and signs rows[start:end] of a group; returns (first serial, last serial, database-ready rows).

    Pure computation (canonical payload, SM2 signature, SM3 hash, holder hash, SM4 encryption of the holder's
    number, database adaptation): no query, so it runs unchanged in a forked worker.
    """
    objs = []
    first = group.rows[0]
    lt, issuer = first.license_type, first.issuer
    for r, serial in zip(group.rows[start:end], group.serials[start:end], strict=True):
        lic = services.build(
            license_type=lt,
            issuer=issuer,
            serial=serial,
            version=1,
            holder_kind=lt.holder_kind,
            holder_number=r.holder_number,
            holder_name=r.holder_name,
            holder_doc_type=r.holder_doc_type,
            fields=r.fields,
            issued_on=r.issued_on,
            expires_on=r.expires_on,
            signer=group.signer,
            trust_level=r.trust_level,
            case_number=r.case_number,
        )
        lic.person_id = persons.get(lic.holder_number_hash) if lic.holder_number_hash else None
        lic.enterprise_id = enterprises.get(lic.holder_code) if lic.holder_code else None
        objs.append(lic)
    return objs[0].serial, objs[-1].serial, [o.identifier for o in objs], _portable_rows(objs)


def _sign_in_worker(task: tuple[int, int, int]):
    index, start, end = task
    return index, *_signed_rows(_JOB["groups"][index], start, end, _JOB["persons"], _JOB["enterprises"])


def workers_for(count: int) -> int:
    """Signing processes for `count` rows: every core (LICENSE_IMPORT_WORKERS caps it) once there is enough work."""
    import os

    from django.conf import settings

    cores = getattr(settings, "LICENSE_IMPORT_WORKERS", None) or os.cpu_count() or 1
    if count < PARALLEL_MIN or cores < 2:
        return 1
    return max(1, min(int(cores), count // BATCH + 1))


def _signed_batches(groups: list[_Group], persons: dict[str, int], enterprises: dict[str, int], workers: int):
    """(group index, first serial, last serial, identifiers, rows) per batch, in order; signed on `workers` cores.

    With more than one worker, forked processes sign while this process inserts what they return: the signing
    keys, rows and lookups are inherited at fork, nothing touches the database outside this process, and the
    caller's transaction (all-or-nothing) stays here.
    """
    tasks = [
        (i, start, min(start + BATCH, len(g.rows)))
        for i, g in enumerate(groups)
        for start in range(0, len(g.rows), BATCH)
    ]
    if workers <= 1:
        for i, start, end in tasks:
            yield i, *_signed_rows(groups[i], start, end, persons, enterprises)
        return
    import multiprocessing

    _JOB.update(groups=groups, persons=persons, enterprises=enterprises)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_sign_in_worker, tasks)
    finally:
        _JOB.clear()


def write(rows: list[_Row], *, actor: Any = None, progress: Any = None, workers: int | None = None) -> list[str]:
    """Pass 2, inside the caller's transaction: serials, signatures (on every core), licenses and their events."""
    by_pair: dict[tuple[int, int], list[_Row]] = defaultdict(list)
    for r in rows:
        by_pair[(r.license_type.pk, r.issuer.pk)].append(r)
    signers: dict[int, services.Signer] = {}
    groups = []
    for group in by_pair.values():
        lt, issuer = group[0].license_type, group[0].issuer
        signer = signers.get(issuer.pk) or signers.setdefault(issuer.pk, services.Signer.for_issuer(issuer))
        _fill_numbers(lt, issuer, group)
        groups.append(_Group(group, services.take_serials(lt, issuer, len(group)), signer))
    persons = _persons(rows)
    enterprises = _enterprises(rows)
    created: list[str] = []
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    columns = [f.column for f in _LICENSE_FIELDS]
    done = 0
    workers = workers or workers_for(len(rows))
    for index, first, last, identifiers_, db_rows in _signed_batches(groups, persons, enterprises, workers):
        lt, issuer = groups[index].rows[0].license_type, groups[index].rows[0].issuer
        insert_rows(License._meta.db_table, columns, _finish_rows(db_rows))
        ids = License.objects.filter(
            license_type=lt, issuer=issuer, version=1, serial__gte=first, serial__lte=last
        ).values_list("id", flat=True)
        now = timezone.now()
        insert_rows(
            LicenseEvent._meta.db_table,
            ["license_id", "kind", "actor_id", "reason", "case_number", "at"],
            [[i, LicenseEvent.Kind.IMPORTED, user_id, "", "", now] for i in ids],
        )
        created += identifiers_
        done += len(db_rows)
        if progress:
            progress(done, len(rows))
    return created


def _fill_numbers(lt: LicenseType, issuer: Organisation, rows: list[_Row]) -> None:
    """Rows of a numbered type without a certificate number get the next ones of the issuer's rule."""
    if not lt.is_numbered:
        return
    by_year: dict[int, list[_Row]] = defaultdict(list)
    yearly = numbering.uses_year(lt.number_pattern)
    for r in rows:
        if not r.fields.get(lt.number_field):
            by_year[r.issued_on.year if yearly else 0].append(r)
    specs = lt.field_specs()
    for year, todo in by_year.items():
        first = numbering.take(lt, issuer, year, len(todo))
        for i, r in enumerate(todo):
            number = numbering.render(lt.number_pattern, first + i, issuer, r.issued_on, r.fields, specs)
            r.fields = {**r.fields, lt.number_field: number}


def _persons(rows: list[_Row]) -> dict[str, int]:
    hashes = sorted(
        {services.holder_hash(HolderKind.PERSON, r.holder_doc_type, r.holder_number) for r in rows if r.holder_doc_type}
    )
    out: dict[str, int] = {}
    for start in range(0, len(hashes), 900):
        out.update(
            Person.objects.filter(doc_number_hash__in=hashes[start : start + 900]).values_list("doc_number_hash", "id")
        )
    return out


def _enterprises(rows: list[_Row]) -> dict[str, int]:
    codes = sorted({r.holder_number.upper() for r in rows if not r.holder_doc_type})
    out: dict[str, int] = {}
    for start in range(0, len(codes), 900):
        out.update(
            Enterprise.objects.filter(credit_code__in=codes[start : start + 900]).values_list("credit_code", "id")
        )
    return out


def import_licenses(
    data: bytes | BinaryIO,
    filename: str,
    *,
    actor: Any = None,
    progress: Any = None,
    allowed: set[str] | None = None,
) -> ImportResult:
    """Validates the whole file, then writes all of it in one transaction — or nothing, with every problem.

    `allowed` limits the issuers (credit codes) rows may name: a staff member imports only for their own bodies.
    """
    good, problems, count = validate(read_rows(data, filename), allowed)
    result = ImportResult(rows=count, problems=problems)
    if problems:
        return result
    if not good:
        result.problems = [Problem("file", _("The file has no license rows."), "empty")]
        return result
    with transaction.atomic():
        result.identifiers = write(good, actor=actor, progress=progress)
    result.created = len(result.identifiers)
    return result
