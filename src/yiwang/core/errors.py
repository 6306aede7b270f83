"""One shape for every user-facing error: which field, what is wrong, in Chinese and in English.

Forms, the API and the importers all report problems as `Problem` objects so a person sees the
same words whatever door they came through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation


def render(message: Any, params: dict[str, Any] | None = None) -> str:
    """Renders a lazy message in the active language, then fills in its %(name)s parameters."""
    text = str(message)
    if params:
        text = text % {k: str(v) for k, v in params.items()}
    return text


def both_languages(message: Any, params: dict[str, Any] | None = None) -> dict[str, str]:
    """Renders a lazy translatable message in Chinese and in English."""
    with translation.override("zh-hans"):
        zh = render(message, params)
    with translation.override("en"):
        en = render(message, params)
    return {"message": zh, "message_en": en}


@dataclass
class Problem:
    """One thing wrong with one field (and, for files, one sheet, row and column)."""

    field: str
    message: Any
    code: str = "invalid"
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    params: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self.message, self.params)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "code": self.code, **both_languages(self.message, self.params)}
        for key in ("sheet", "row", "column"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out.update(self.extra)
        return out


def problems_from_validation_error(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """Flattens Django's ValidationError (dict or list form) into Problems."""
    out: list[Problem] = []
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            fname = f"{prefix}{name}" if name != "__all__" else (prefix.rstrip(".") or "__all__")
            for err in errors:
                out.append(Problem(fname, err.message, err.code or "invalid", params=err.params))
    else:
        for err in exc.error_list:
            out.append(Problem(prefix.rstrip(".") or "__all__", err.message, err.code or "invalid", params=err.params))
    return out


class ProblemsError(Exception):
    """Raised by service functions when input is refused; carries every problem at once."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {render(p.message, p.params)}" for p in problems))
        self.problems = problems

    def as_list(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in self.problems]
