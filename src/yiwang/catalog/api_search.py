"""Placeholder until this part lands."""

from ninja import Router

router = Router()
