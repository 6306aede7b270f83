"""Supervision tables, cards side."""

__all__: list[str] = []
