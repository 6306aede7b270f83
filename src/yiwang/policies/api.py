"""Policies API (/api/v1/policies/…)."""

from ninja import Router

router = Router(tags=["policies"])
