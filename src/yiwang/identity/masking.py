"""How personal data is shown to someone whose role does not need the full value.

One set of rules for pages, exports, the API and logs, so no screen masks differently from another.
"""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """Keeps the first 4 and last 4 characters: 3403**********1234 (region and check digit stay recognisable)."""
    if not value:
        return ""
    if len(value) <= 8:
        return value[0] + "*" * (len(value) - 2) + value[-1] if len(value) > 2 else "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for mobile numbers; other numbers keep their last 4 digits."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) == 11 and digits.isdigit():
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_name(value: str | None) -> str:
    """张** — the family name stays (for a two-character name 张*); Latin names keep their first letter."""
    if not value:
        return ""
    if value.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in value.split())
    return value[0] + "*" * (len(value) - 1)


def mask_address(value: str | None) -> str:
    """Keeps the first 6 characters (province, city, district) and hides the street and number."""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****"


def mask_email(value: str | None) -> str:
    if not value or "@" not in value:
        return ""
    local, domain = value.split("@", 1)
    return local[:1] + "***@" + domain


MASKS = {
    "doc_number": mask_id_number,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "name": mask_name,
    "address": mask_address,
    "email": mask_email,
}
