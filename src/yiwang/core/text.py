"""Text that is not text is refused at the edge: NUL characters and lone UTF-16 surrogates.

JSON lets a caller write "\\ud800", a surrogate with no partner. Python keeps it in a `str`, the database
stores it, and the record breaks every page that later has to encode it as UTF-8 (a 500 on the staff
workbench, long after the request that brought it in). NUL is refused by PostgreSQL text columns and
truncates strings in C libraries. Neither ever belongs in what a person types, so no text field takes them.

One check serves the whole platform: `TextCheckMiddleware` looks at every request's path and query string, and
at the form fields of pages; the API's parser (`yiwang.api.JsonParser`) looks at its bodies, JSON to any depth
(dictionary keys and values included) and form fields alike. The API leaves its bodies to the parser because a
multipart body read in a middleware could no longer be read as JSON by an endpoint that takes JSON. Each refusal
names the field, in Chinese and English: 422 from the API, the 400 page for a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .errors import Problem, ProblemsError
from .errors import render as render_message

# NUL and the surrogate range U+D800–U+DFFF: never Unicode scalar values (or, for NUL, never text).
_INVALID = re.compile("[\x00\ud800-\udfff]")

INVALID_TEXT = _("This text contains a character that is not allowed (a NUL character or a broken UTF-16 code).")
CODE = "invalid_characters"
API_PREFIX = "/api/"


def is_clean(text: str) -> bool:
    """True when `text` holds only Unicode scalar values other than NUL."""
    return _INVALID.search(text) is None


def invalid_text_fields(value: Any, path: str = "") -> Iterator[str]:
    """The dotted paths of every string in a parsed JSON value (keys included) that is not clean text."""
    if isinstance(value, str):
        if not is_clean(value):
            yield path or "__all__"
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            if not is_clean(key_text):
                # The key itself is the bad text: name the object holding it, never echo the key.
                yield path or "__all__"
                continue
            yield from invalid_text_fields(item, f"{path}.{key_text}" if path else key_text)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from invalid_text_fields(item, f"{path}.{index}" if path else str(index))


def text_problems(value: Any, path: str = "") -> list[Problem]:
    """One problem per field holding text that is not clean (each field once, in order)."""
    fields = dict.fromkeys(invalid_text_fields(value, path))
    return [Problem(field, INVALID_TEXT, CODE) for field in fields]


class InvalidText(ProblemsError):
    """Text that is not text in a request; the API answers 422."""


def querydict_problems(data: Any) -> list[Problem]:
    """Problems in a QueryDict / MultiValueDict: its keys, its values and uploaded files' names."""
    fields: dict[str, None] = {}
    for key, values in data.lists():
        if not is_clean(key):
            fields["__all__"] = None
            continue
        for item in values:
            text = item if isinstance(item, str) else getattr(item, "name", "") or ""
            if not is_clean(text):
                fields[key] = None
    return [Problem(field, INVALID_TEXT, CODE) for field in fields]


def request_text_problems(request: HttpRequest, forms: bool = True) -> list[Problem]:
    """Problems in the path and the query string, and with `forms` the form fields and file names, of a request."""
    problems: list[Problem] = []
    if not is_clean(request.path):
        problems.append(Problem("path", INVALID_TEXT, CODE))
    problems += querydict_problems(request.GET)
    form_types = ("application/x-www-form-urlencoded", "multipart/form-data")
    if forms and request.method == "POST" and request.content_type in form_types:
        problems += querydict_problems(request.POST)
        problems += querydict_problems(request.FILES)
    return problems


def _api_answer(status: int, problems: list[Problem]) -> JsonResponse:
    return JsonResponse({"detail": [p.as_dict() for p in problems]}, status=status)


class TextCheckMiddleware:
    """Refuses a request whose path, query string or form fields hold NUL or lone surrogates.

    The API answers 422 in its one error shape (its bodies are the parser's); a page answers the 400 page,
    naming each field in the visitor's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith(API_PREFIX)
        problems = request_text_problems(request, forms=not api)
        if not problems:
            return self.get_response(request)
        if api:
            return _api_answer(422, problems)
        shown = [{"field": p.field, "message": render_message(p.message, p.params)} for p in problems]
        response = render(request, "400.html", {"problems": shown}, status=400)
        response["Content-Language"] = translation.get_language() or settings.LANGUAGE_CODE
        return response
