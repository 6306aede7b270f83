"""Rule pages (included at the site root); namespace "rules"."""

from django.urls import path

from . import views

app_name = "rules"
urlpatterns = [
    path("workbench/rules/", views.index, name="index"),
    path("workbench/rules/<str:item_code>/", views.editor, name="editor"),
]
