"""Exchange workbench pages (included at the site root)."""

from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("workbench/exchange/", views.index, name="index"),
    path("workbench/exchange/statistics/", views.statistics, name="statistics"),
    path("workbench/exchange/resources/<str:code>/", views.resource, name="resource"),
    path("workbench/exchange/requests/<int:pk>/decide/", views.decide, name="decide"),
]
