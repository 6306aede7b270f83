"""Every log record has its ID numbers and mobile numbers masked, in the message, its arguments and tracebacks."""

from __future__ import annotations

import io
import logging

import pytest

from tests.factories import citizen_id
from yiwang.identity.logfilter import MaskPersonalData, mask_text

ID = citizen_id()


def logger_with_filter() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPersonalData())
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger(f"test.logfilter.{id(stream)}")
    log.propagate = False
    log.handlers = [handler]
    log.setLevel(logging.INFO)
    return log, stream


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"证件号 {ID}", f"证件号 {ID[:4]}**********{ID[-4:]}"),
        ("身份证 34030219900101123x 已提交", "身份证 3403**********123x 已提交"),
        ("手机13900000001发送验证码", "手机139****0001发送验证码"),
        ("phone=+86 13912345678", "phone=139****5678"),
        ("tel:8613912345678", "tel:139****5678"),
    ],
)
def test_mask_text(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "credit code 91340300MA2T00016X",
        "case 2026112300001234 opened",  # 16 digits: not an ID number
        "item 113403000000000000011234567890",  # longer run of digits
        "amount 12345678901234567890",
        "order 23900000001",  # not a mobile (starts with 2)
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_text(text) == text


def test_messages_and_arguments_are_masked():
    log, stream = logger_with_filter()
    log.info("SMS code for %s (person %s)", "13900000001", ID)
    log.info({"phone": "13900000002"})
    out = stream.getvalue()
    assert "13900000001" not in out and ID not in out and "13900000002" not in out
    assert "139****0001" in out and "139****0002" in out


def test_tracebacks_are_masked():
    log, stream = logger_with_filter()
    try:
        raise ValueError(f"bad number {ID}")
    except ValueError:
        log.exception("lookup failed")
    out = stream.getvalue()
    assert "Traceback" in out and ID not in out and ID[:4] in out


def test_the_project_logging_config_masks_the_console(settings):
    handlers = settings.LOGGING["handlers"]
    assert all("mask_pii" in h.get("filters", []) for h in handlers.values())
    assert settings.LOGGING["filters"]["mask_pii"]["()"] == "yiwang.identity.logfilter.MaskPersonalData"


def test_a_bad_format_string_does_not_lose_the_record():
    log, stream = logger_with_filter()
    log.info("broken %s %s", "13900000001")
    assert "broken" in stream.getvalue() and "13900000001" not in stream.getvalue()
