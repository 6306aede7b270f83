"""Chinese first: the language a person chose (cookie) wins; a browser's Accept-Language does not.

A city's portal speaks Chinese to everyone by default. English is there for those who pick it in the
language switcher (Django's set_language view stores the cookie), not because a visitor's browser
happens to be set to English.
"""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
