"""Case pages: applying and following a case (apply, track) and the staff workbench; namespace "cases"."""

from importlib import import_module

app_name = "cases"
urlpatterns: list = []
for _name in ("apply", "track", "workbench"):
    try:
        urlpatterns += import_module(f"yiwang.cases.views.{_name}").urlpatterns
    except ModuleNotFoundError as _exc:  # a views module not written yet
        if _exc.name != f"yiwang.cases.views.{_name}":
            raise
