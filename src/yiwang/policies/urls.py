"""Policy pages (included at the site root); namespace "policies"."""

from django.urls import path

from . import views

app_name = "policies"
urlpatterns: list = [
    path("policies/", views.index, name="index"),
    path("policies/<str:policy_code>/", views.detail, name="detail"),
    path("policies/<str:policy_code>/interpretation/", views.interpretation, name="interpretation"),
    path("policies/<str:policy_code>/apply/", views.apply, name="apply"),
    path("my/policies/", views.my_policies, name="mine"),
    path("my/enterprise/<int:enterprise_id>/policies/", views.enterprise_policies, name="enterprise"),
    path("my/enterprise/<int:enterprise_id>/grants/<int:pk>/", views.grant_page, name="grant"),
    path("workbench/policies/", views.workbench, name="wb_index"),
    path("workbench/policies/rounds/<int:pk>/", views.workbench_round, name="wb_round"),
    path("workbench/policies/<str:policy_code>/", views.workbench_policy, name="wb_policy"),
]
