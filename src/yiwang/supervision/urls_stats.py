"""Supervision pages, stats side: statistics, drill-down, exports, dashboards, rankings."""

from django.urls import path

from . import stats_views as v

urlpatterns: list = [
    path("supervision/stats/", v.stats_page, name="stats"),
    path("supervision/stats/cases/", v.cases_page, name="stats_cases"),
    path("supervision/stats/export.xlsx", v.export_xlsx, name="stats_export"),
    path("supervision/stats/report/<str:month>.pdf", v.report_pdf, name="stats_report"),
    path("supervision/dashboard/", v.dashboard_page, name="stats_dashboard"),
    path("supervision/dashboard/wall/", v.dashboard_page, {"wall": True}, name="stats_wall"),
    path("supervision/dashboard/data.json", v.dashboard_data, name="stats_dashboard_data"),
    path("supervision/rankings/", v.rankings_page, name="stats_rankings"),
    path("supervision/rankings/<int:pk>/", v.ranking_page, name="stats_ranking"),
    path("supervision/rankings/models/", v.models_page, name="stats_models"),
    path("supervision/rankings/publish/", v.publish_ranking, name="stats_publish"),
]
