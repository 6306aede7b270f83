"""Case pages: applying and following a case (apply, track) and the staff workbench; namespace "cases"."""

from .views import apply, track, workbench

app_name = "cases"
urlpatterns: list = [*apply.urlpatterns, *track.urlpatterns, *workbench.urlpatterns]
