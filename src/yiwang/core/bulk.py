"""Bulk row inserts for the paths that write tens of thousands of rows (index rebuilds, demo city).

The ORM's bulk_create compiles one parameter per value per row; these callers already hold values in
database form, so rows go straight in: COPY on PostgreSQL (psycopg 3), executemany in batches elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    batch: int = 5000,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Inserts `rows` (values in `columns` order, already prepared for the database) into `table`."""
    if not rows:
        return
    connection = connections[using]
    qn = connection.ops.quote_name
    table_sql = qn(table)
    columns_sql = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", cursor)
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            with raw.copy(f"COPY {table_sql} ({columns_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table_sql} ({columns_sql}) VALUES ({placeholders})"  # noqa: S608 - identifiers quoted
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])
