"""Identity API: auth."""

from ninja import Router

router = Router(tags=["identity"])
