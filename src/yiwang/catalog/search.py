"""Public entry points of catalog search (the work is done in `yiwang.catalog.searching`).

- `rebuild_index()`: rebuild the whole index in bulk (after demo data or a large import);
- `index_items(ids)`: re-index a few items (the publish/retire signal receivers call it);
- `search(q, Filters(...), page=, page_size=)` and `suggest(q)`.
"""

from .searching import Filters, Hit, Result, index_items, rebuild_index, search, suggest

__all__ = ["Filters", "Hit", "Result", "index_items", "rebuild_index", "search", "suggest"]
