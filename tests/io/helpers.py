"""Builders of catalog files for the import tests (the JSON item shape, written as xlsx or JSON)."""

from __future__ import annotations

import copy
import io
import itertools
import json
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook

from tests.factories import DEFAULT_STEPS, item_code_for, material_data, version_data
from yiwang.catalog.io.writer import write_xlsx
from yiwang.orgs.models import Organisation

_codes = itertools.count(1)


def item_obj(org: Organisation, catalog_code: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A complete, valid item of `org` in the JSON shape of the file format."""
    code = catalog_code or f"01{900000000 + next(_codes):010d}"
    obj: dict[str, Any] = {
        "item_code": item_code_for(org, code),
        "catalog_code": code,
        "handling_item": "",
        "credit_code": org.credit_code,
        **version_data(level=org.division.level),
        "change_note": "",
        "themes": [],
        "fees": [],
        "materials": [
            {
                **material_data(),
                "order": 1,
                "license_type_code": "",
                "data_resource_code": "",
                "condition": "",
                "notes": "",
            }
        ],
        "steps": [
            {**s, "order": i, "description": "", "countersign_credit_code": ""} for i, s in enumerate(DEFAULT_STEPS, 1)
        ],
    }
    obj.update(overrides)
    return obj


def json_file(objs: list[dict[str, Any]], name: str = "catalog.json") -> io.BytesIO:
    buf = io.BytesIO(json.dumps({"format": "yiwang-catalog", "items": objs}, ensure_ascii=False).encode())
    buf.name = name
    return buf


def xlsx_file(objs: list[dict[str, Any]], name: str = "catalog.xlsx") -> io.BytesIO:
    buf = io.BytesIO()
    write_xlsx(copy.deepcopy(objs), buf)
    buf.seek(0)
    buf.name = name
    return buf


def edit_xlsx(buf: io.BytesIO, change: Callable) -> io.BytesIO:
    """Opens a workbook, lets `change(wb)` edit it, and returns the saved result."""
    buf.seek(0)
    wb = load_workbook(buf)
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "catalog.xlsx"
    return out


def column_of(ws, key: str) -> int:
    """1-based column number of a machine key (row 2) in a sheet."""
    for cell in ws[2]:
        if cell.value == key:
            return cell.column
    raise KeyError(key)


def set_cell(wb, sheet: str, row: int, key: str, value: Any) -> None:
    ws = wb[sheet]
    ws.cell(row=row, column=column_of(ws, key), value=value)


def problems_of(exc) -> list[dict[str, Any]]:
    return exc.as_list() if hasattr(exc, "as_list") else exc


def spots(problems: list[dict[str, Any]]) -> set[tuple]:
    """(sheet, row, key) of each problem."""
    return {(p.get("sheet"), p.get("row"), p.get("key")) for p in problems}


def sign_in(client, user) -> None:
    """Signs `user` in (saved first: the shared factory sets the password without saving it)."""
    user.save()
    client.force_login(user)
