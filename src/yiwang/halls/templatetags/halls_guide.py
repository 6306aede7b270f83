"""`{% halls_for_item item as halls %}`: where and when an item is handled, for the guide page's include."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def halls_for_item(item: Any) -> list[Any]:
    from yiwang.halls.queries import where_item

    if item is None or not getattr(item, "pk", None):
        return []
    return where_item(item)
