"""Every schema the API uses has its own name: the OpenAPI document keys components by class name, so two classes
called `StepOut` silently become one and the document describes the wrong shape for one of them."""

from __future__ import annotations

import json
import typing
from collections import defaultdict

from pydantic import BaseModel

from yiwang.api import api
from yiwang.core.management.commands.export_openapi import openapi_text

# Models django-ninja builds for every operation (parameter groups, response wrappers); never components.
SYNTHETIC = {"NinjaResponseSchema", "Input"}


def _models_in(annotation: typing.Any) -> typing.Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def reachable_models() -> set[type[BaseModel]]:
    """Every pydantic model an operation's parameters or responses reach, nested fields included."""
    todo: list[type[BaseModel]] = []
    for _prefix, router in api._routers:
        for view in router.path_operations.values():
            for op in view.operations:
                for model in [*op.models, *op.response_models.values()]:
                    todo += list(_models_in(model))
    seen: set[type[BaseModel]] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for field in model.model_fields.values():
            todo += list(_models_in(field.annotation))
    return seen


def clashes(models: set[type[BaseModel]]) -> dict[str, list[str]]:
    by_name: dict[str, set[type[BaseModel]]] = defaultdict(set)
    for model in models:
        if model.__module__.startswith("yiwang") and model.__name__ not in SYNTHETIC:
            by_name[model.__name__].add(model)
    return {
        name: sorted(f"{m.__module__}.{m.__qualname__}" for m in classes)
        for name, classes in by_name.items()
        if len(classes) > 1
    }


def test_every_schema_name_is_unique():
    models = reachable_models()
    assert len(models) > 50, "the walk found the API's schemas"
    assert clashes(models) == {}


def test_the_check_sees_a_clash():
    class StepOut(BaseModel):
        x: int

    from yiwang.cases.api import StepOut as CaseStepOut

    StepOut.__module__ = "yiwang.example"
    assert "StepOut" in clashes({StepOut, CaseStepOut})


def test_the_item_document_describes_the_catalog_steps_not_the_case_steps():
    schemas = json.loads(openapi_text())["components"]["schemas"]
    item_steps = schemas["VersionOut"]["properties"]["steps"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert item_steps == "ProcessStepOut"
    assert "role" not in schemas[item_steps]["properties"]  # a guide's step has no case role or state
    assert {"id", "role", "state"} <= set(schemas["StepOut"]["required"])  # a case's step
