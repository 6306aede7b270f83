"""Bundle pages (included at the site root); namespace "bundles"."""

from django.urls import path

from . import views

app_name = "bundles"
urlpatterns = [
    path("bundles/", views.bundle_list, name="list"),
    path("bundles/<slug:code>/", views.bundle_apply, name="apply"),
    path("my/bundles/", views.my_applications, name="mine"),
    path("my/bundles/<str:number>/", views.my_application, name="mine_one"),
    path("workbench/bundles/", views.workbench, name="workbench"),
    path("workbench/bundles/new/", views.edit, name="new"),
    path("workbench/bundles/<slug:code>/", views.edit, name="edit"),
]
