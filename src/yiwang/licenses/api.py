"""Licenses API."""

from ninja import Router

router = Router(tags=["licenses"])
