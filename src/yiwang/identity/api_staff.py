"""Identity API: staff."""

from ninja import Router

router = Router(tags=["identity"])
