"""Public catalog pages (search, guides) and the staff catalog pages, one file of views each."""

from .views import editor, guide, io, search

app_name = "catalog"
urlpatterns = [*search.urlpatterns, *guide.urlpatterns, *editor.urlpatterns, *io.urlpatterns]
