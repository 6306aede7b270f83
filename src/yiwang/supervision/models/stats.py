"""Supervision tables, stats side."""

__all__: list[str] = []
