"""A provider department with a shared resource (records kept in Yiwang), and helpers to grant and query it."""

from __future__ import annotations

from typing import Any

from tests.factories import OrganisationFactory
from yiwang.exchange import catalog, grants, store
from yiwang.exchange.models import DataResource, DataService

HUKOU_FIELDS = [
    {"name": "gmsfhm", "label": "公民身份号码", "type": "id_number", "sensitivity": "sensitive"},
    {"name": "xm", "label": "姓名", "type": "text", "sensitivity": "internal"},
    {"name": "hjdz", "label": "户籍地址", "type": "text", "sensitivity": "sensitive"},
    {"name": "hh", "label": "户号", "type": "text", "sensitivity": "internal"},
]


def hukou(
    provider: Any = None, *, code: str = "HJ.RKXX", sharing: str = "conditional"
) -> tuple[DataResource, DataService]:
    """The population register (户籍人口基本信息) kept by the public security bureau, queried by ID number."""
    provider = provider or OrganisationFactory(name="蚌埠市公安局")
    resource = catalog.save_resource(
        None,
        {
            "code": code,
            "name": "户籍人口基本信息",
            "provider": provider,
            "sharing": sharing,
            "sharing_basis": "《中华人民共和国居民身份证法》第十九条" if sharing != "unconditional" else "",
            "fields": HUKOU_FIELDS,
            "subject_kind": "person",
            "subject_field": "gmsfhm",
            "description": "本市户籍人口的基本信息",
        },
    )
    service = catalog.save_service(resource, code=f"{code}.BY-ID", name="按身份证号查询户籍", keys=["gmsfhm"])
    return resource, service


def keep(resource: DataResource, *people: Any) -> None:
    """The provider's records about these people (Person objects), kept by the embedded table connector."""
    store.put_records(
        resource,
        [
            {"gmsfhm": p.doc_number, "xm": p.name, "hjdz": "安徽省蚌埠市龙子湖区东海大道1号", "hh": f"H{i:05d}"}
            for i, p in enumerate(people)
        ],
    )


def grant(resource: DataResource, consumer: Any, fields: list[str] | None = None):
    return grants.grant_platform_use(resource, consumer, fields=fields)
