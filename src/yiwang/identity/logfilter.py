"""A logging filter that masks ID numbers and mobile numbers in every log line, whoever wrote it.

Logs leave the database's protection (files, collectors, screenshots in tickets), so personal data must not
reach them in clear: an 18-character ID number (GB 11643 shape, also residence permits and 2023 permanent
residence cards) keeps its first and last four characters, an 11-digit mainland mobile its first three and
last four (``identity.masking`` rules). The filter rewrites the message, its arguments and any traceback.
"""

from __future__ import annotations

import logging
import re

from .masking import mask_id_number, mask_phone

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:(?:\+|00)?86[- ]?)?(1[3-9]\d{9})(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """The text with every ID-number-shaped and mobile-number-shaped run masked."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return MOBILE.sub(lambda m: mask_phone(m.group(1)), text)


class MaskPersonalData(logging.Filter):
    """Attach to handlers (see LOGGING in conf/base.py) so every record is masked before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
