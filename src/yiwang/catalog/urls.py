"""Public catalog pages (search, guides) and the staff catalog editor, one file of views each."""

from .views import editor, guide, search

app_name = "catalog"
urlpatterns = [*search.urlpatterns, *guide.urlpatterns, *editor.urlpatterns]
