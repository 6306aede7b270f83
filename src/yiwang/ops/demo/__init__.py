"""Deterministic demo city (蚌埠市) for `make demo`, benchmarks and the import/export tests.

`generate_city(seed, items)` returns a `CityPlan` of plain data; `write_city(plan)` writes it to the
database in bulk after running the catalog's own validation on every item.
"""

from .generate import DemoError, generate_city, universe_size
from .plan import CityPlan, ItemPlan

__all__ = ["CityPlan", "DemoError", "ItemPlan", "generate_city", "universe_size", "write_city"]


def write_city(plan: CityPlan, **kwargs):
    """See `writer.write_city` (imported lazily so plain-data generation needs no app registry)."""
    from .writer import write_city as _write

    return _write(plan, **kwargs)
