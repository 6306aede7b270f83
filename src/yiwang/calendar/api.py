"""Calendar API."""

from ninja import Router

router = Router(tags=["calendar"])
