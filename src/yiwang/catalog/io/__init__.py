"""Import and export of the whole catalog as xlsx and JSON (see docs/catalog-file-format.md)."""

from .service import ImportResult, check_may_import, import_catalog
from .writer import iter_json, published_versions, write_json, write_xlsx

__all__ = [
    "ImportResult",
    "check_may_import",
    "import_catalog",
    "iter_json",
    "published_versions",
    "write_json",
    "write_xlsx",
]
