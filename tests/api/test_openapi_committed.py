"""The committed docs/openapi.json is the document the code serves: regenerate it with
`.venv/bin/yiwang export_openapi` when an endpoint changes."""

import json
from pathlib import Path

from django.test import Client

from yiwang.core.management.commands.export_openapi import openapi_text

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_is_up_to_date():
    assert COMMITTED.exists(), "docs/openapi.json is missing: run `.venv/bin/yiwang export_openapi`"
    assert COMMITTED.read_text(encoding="utf-8") == openapi_text(), (
        "docs/openapi.json is out of date: run `.venv/bin/yiwang export_openapi` and commit it"
    )


def test_served_document_matches_the_generated_one(db):
    served = Client().get("/api/v1/openapi.json").json()
    assert served == json.loads(openapi_text())
