"""`yiwang import_legal_persons FILE`: load the legal-person library (法人库) from a CSV or xlsx file.

Columns (header row, Chinese or machine keys): 统一社会信用代码 credit_code, 名称 name, 主体类型 kind (optional),
法定代表人 legal_rep_name, 法定代表人证件类型 legal_rep_doc_type (optional), 法定代表人证件号码
legal_rep_doc_number (optional, kept as a keyed hash), 住所 address, 登记状态 status (存续 / 注销 / 吊销),
成立日期 registered_on (YYYY-MM-DD). All or nothing.
"""

from __future__ import annotations

from ... import libraries
from ._library_import import LibraryImportCommand


class Command(LibraryImportCommand):
    help = "Load the legal-person library from a CSV or xlsx file (all or nothing)."
    loader = staticmethod(libraries.load_legal_persons)
    what = "legal-person library"
