"""The embedded `table` connector's store: provider records kept in Yiwang, encrypted, found by keyed hash.

A provider fills it by importing a CSV or xlsx file (the page, the API, or a file drop): the file passes the
platform's one upload check (core.uploads, by content), its header names the resource's fields (by name or by
Chinese label), and either every row is written or none (with every problem by row and column). Each record is
stored SM4-encrypted (identity.crypto); the values of the fields consumers query by (the services' keys and the
data-subject field) are kept as keyed hashes, so a look-up by ID number never needs the number in clear.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core import uploads
from yiwang.core.codes import citizen_id_error, credit_code_error
from yiwang.core.errors import Problem, ProblemsError
from yiwang.identity import crypto

from . import fielddefs
from .models import DataResource, DataService, FieldType, ProvidedKey, ProvidedRecord

USE = "data_import"
uploads.USES.setdefault(
    USE,
    uploads.Use(
        ("csv", "xlsx"),
        "EXCHANGE_IMPORT_MAX_BYTES",
        200 * uploads.MB,
        _("%(file)s is not a CSV or xlsx file (its content was checked, not its name)."),
    ),
)
MAX_PROBLEMS = 50
BATCH = 2000


def key_fields(resource: DataResource) -> list[str]:
    """Fields whose values are hashed for look-ups: every active service's keys, and the data-subject field."""
    names: list[str] = []
    for keys in DataService.objects.filter(resource=resource).values_list("keys", flat=True):
        names += list(keys or [])
    if resource.subject_field:
        names.append(resource.subject_field)
    return list(dict.fromkeys(names))


def key_hash(resource_id: int, field: str, value: Any) -> str:
    return crypto.lookup_hash(f"exchange:{resource_id}:{field}", str(value))


def lookup(resource: DataResource, keys: dict[str, str], limit: int = 50) -> list[dict[str, Any]]:
    """Records whose key fields equal every given value (each key a keyed-hash match), at most `limit`."""
    if not keys:
        return []
    ids: set[int] | None = None
    for field, value in keys.items():
        found = set(
            ProvidedKey.objects.filter(
                resource_id_copy=resource.pk, field=field, value_hash=key_hash(resource.pk, field, value)
            ).values_list("record_id", flat=True)[: limit * 4]
        )
        ids = found if ids is None else ids & found
        if not ids:
            return []
    rows = ProvidedRecord.objects.filter(pk__in=sorted(ids or []))[:limit]
    return [json.loads(r.data) for r in rows]


def _check_value(value: str, field: dict[str, str]) -> Any:
    kind = field["type"]
    if not value:
        return None
    if kind == FieldType.ID_NUMBER and citizen_id_error(value.upper()):
        return _("not a valid citizen ID number")
    if kind == FieldType.CREDIT_CODE and credit_code_error(value.upper()):
        return _("not a valid unified social credit code")
    if kind == FieldType.DATE:
        import datetime as dt

        try:
            dt.date.fromisoformat(value[:10])
        except ValueError:
            return _("not a date (YYYY-MM-DD)")
    if kind == FieldType.NUMBER:
        try:
            float(value)
        except ValueError:
            return _("not a number")
    return None


def parse(resource: DataResource, rows: Iterable[list[str]]) -> tuple[list[dict[str, str]], list[Problem]]:
    """Rows of a file as records (the header names fields by name or label); every problem, by row and column."""
    fields = fielddefs.normalise(resource.fields)
    by_header = {f["name"]: f for f in fields} | {f["label"]: f for f in fields}
    iterator = iter(rows)
    header = next(iterator, None)
    if not header or not any(header):
        return [], [Problem("file", _("The file is empty: its first row names the fields."), "empty")]
    columns: list[dict[str, str] | None] = []
    problems: list[Problem] = []
    for h in header:
        f = by_header.get((h or "").strip())
        if f is None and (h or "").strip():
            problems.append(
                Problem("file", _("Column “%(name)s” is not a field of this resource."), "unknown", params={"name": h})
            )
        columns.append(f)
    keys = key_fields(resource)
    missing = [k for k in keys if not any(c and c["name"] == k for c in columns)]
    if missing:
        problems.append(
            Problem(
                "file",
                _("The file has no column for the key fields %(names)s."),
                "missing",
                params={"names": ", ".join(missing)},
            )
        )
    if problems:
        return [], problems
    records: list[dict[str, str]] = []
    for number, row in enumerate(iterator, start=2):
        if not any(row):
            continue
        rec: dict[str, str] = {}
        for value, f in zip(row, columns, strict=False):
            if f is None:
                continue
            value = (value or "").strip()
            error = _check_value(value, f)
            if error is not None and len(problems) < MAX_PROBLEMS:
                problems.append(
                    Problem(
                        "file",
                        _("Row %(row)s, %(column)s: %(error)s."),
                        "invalid",
                        params={"row": number, "column": f["label"], "error": error},
                    )
                )
            rec[f["name"]] = value.upper() if f["type"] in (FieldType.ID_NUMBER, FieldType.CREDIT_CODE) else value
        if not all(rec.get(k) for k in keys) and len(problems) < MAX_PROBLEMS:
            problems.append(
                Problem("file", _("Row %(row)s has an empty key field."), "required", params={"row": number})
            )
        records.append(rec)
    if not records and not problems:
        problems.append(Problem("file", _("The file has a header but no rows."), "empty"))
    return records, problems


def read_rows(content: bytes) -> list[list[str]]:
    """Rows of cells as text from a CSV (UTF-8 or GB 18030) or the first sheet of an xlsx file (by its content)."""
    from yiwang.identity import libraries

    try:
        raw = (
            libraries._rows_xlsx(io.BytesIO(content)) if content[:4] == b"PK\x03\x04" else libraries._rows_csv(content)
        )
        return [[libraries._text(v) for v in row] for row in raw]
    except ValueError:
        raise ProblemsError(
            [Problem("file", _("The file is neither a CSV text nor a readable xlsx workbook."), "bad_file")]
        ) from None


def _record_key(resource: DataResource, rec: dict[str, str], keys: list[str]) -> str:
    return crypto.lookup_hash(f"exchange:{resource.pk}:record", "|".join(str(rec.get(k, "")) for k in keys))


@transaction.atomic
def put_records(resource: DataResource, records: list[dict[str, Any]], *, replace: bool = False) -> int:
    """Writes records (a record with the same key values replaces the old one); `replace` empties the store first."""
    keys = key_fields(resource)
    if replace:
        ProvidedRecord.objects.filter(resource=resource).delete()
    now = timezone.now()
    written = 0
    for start in range(0, len(records), BATCH):
        chunk = records[start : start + BATCH]
        by_key = {_record_key(resource, rec, keys): rec for rec in chunk}
        if not replace:
            ProvidedRecord.objects.filter(resource=resource, record_key__in=list(by_key)).delete()
        made = ProvidedRecord.objects.bulk_create(
            [
                ProvidedRecord(
                    resource=resource,
                    record_key=rk,
                    data=json.dumps(rec, ensure_ascii=False, sort_keys=True),
                    updated_at=now,
                )
                for rk, rec in by_key.items()
            ]
        )
        if not all(m.pk for m in made):  # backends that do not return ids (older SQLite)
            made = list(ProvidedRecord.objects.filter(resource=resource, record_key__in=list(by_key)))
        ProvidedKey.objects.bulk_create(
            [
                ProvidedKey(record=m, resource_id_copy=resource.pk, field=k, value_hash=key_hash(resource.pk, k, v))
                for m in made
                for k in keys
                if (v := json.loads(m.data).get(k))
            ]
        )
        written += len(by_key)
    return written


def reindex_keys(resource: DataResource) -> None:
    """Rebuilds the key hashes after the resource's services (and so its key fields) changed."""
    keys = key_fields(resource)
    with transaction.atomic():
        ProvidedKey.objects.filter(resource_id_copy=resource.pk).delete()
        rows = []
        for m in ProvidedRecord.objects.filter(resource=resource).iterator(chunk_size=BATCH):
            rec = json.loads(m.data)
            rows += [
                ProvidedKey(record=m, resource_id_copy=resource.pk, field=k, value_hash=key_hash(resource.pk, k, v))
                for k in keys
                if (v := rec.get(k))
            ]
        ProvidedKey.objects.bulk_create(rows, batch_size=BATCH)


def import_checked(resource: DataResource, checked: uploads.Checked, *, replace: bool = True) -> int:
    """Imports a checked file: all rows or none (ProblemsError with every problem)."""
    records, problems = parse(resource, read_rows(checked.content))
    if problems:
        raise ProblemsError(problems)
    return put_records(resource, records, replace=replace)


def import_upload(resource: DataResource, upload: Any, *, replace: bool = True) -> int:
    """An uploaded file through the platform's upload check ("data_import": CSV or xlsx by content), then imported."""
    checked = uploads.check_or_raise(upload, "file", USE)
    return import_checked(resource, checked, replace=replace)


def count(resource: DataResource) -> int:
    return ProvidedRecord.objects.filter(resource=resource).count()
