"""Identity API: clients."""

from ninja import Router

router = Router(tags=["identity"])
