"""`yiwang import_population FILE`: load the population library (自然人库) from a CSV or xlsx file.

Columns (header row, Chinese or machine keys): 证件类型 doc_type (optional, default resident_id), 证件号码
doc_number, 姓名 name, 状态 status (optional: 正常 / 注销 / 死亡). All or nothing; numbers are kept as keyed
hashes only.
"""

from __future__ import annotations

from ... import libraries
from ._library_import import LibraryImportCommand


class Command(LibraryImportCommand):
    help = "Load the population library from a CSV or xlsx file (all or nothing; numbers stored as keyed hashes)."
    loader = staticmethod(libraries.load_population)
    what = "population library"
