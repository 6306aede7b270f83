"""Hotline pages (included at the site root): citizens under /12345/, staff under /workbench/hotline/, and the
Open311 GeoReport v2 endpoint under /open311/v2/."""

from django.urls import path

from . import open311
from .views import citizen, manage, workbench

app_name = "hotline"
urlpatterns = [
    path("12345/", citizen.report, name="report"),
    path("12345/receipt/<str:number>/", citizen.receipt, name="receipt"),
    path("12345/track/", citizen.track, name="track"),
    path("12345/mine/", citizen.my_orders, name="my_orders"),
    path("12345/mine/<str:number>/", citizen.my_order, name="my_order"),
    path("workbench/hotline/", workbench.workbench, name="workbench"),
    path("workbench/hotline/intake/", workbench.intake_page, name="intake"),
    path("workbench/hotline/grid/", workbench.grid_report, name="grid"),
    path("workbench/hotline/orders/<str:number>/", workbench.order_page, name="order"),
    path("workbench/hotline/orders/<str:number>/photos/<int:pk>/", workbench.photo, name="photo"),
    path("workbench/hotline/orders/<str:number>/<str:action>/", workbench.order_action, name="order_action"),
    path("workbench/hotline/knowledge/", manage.knowledge_list, name="knowledge"),
    path("workbench/hotline/knowledge/new/", manage.knowledge_new, name="knowledge_new"),
    path("workbench/hotline/knowledge/<str:key>/", manage.knowledge_entry, name="knowledge_entry"),
    path("workbench/hotline/knowledge/<str:key>/<str:action>/", manage.knowledge_act, name="knowledge_act"),
    path("workbench/hotline/rules/", manage.rules, name="rules"),
    path("workbench/hotline/stats/", manage.statistics, name="stats"),
    path("open311/v2/services.<str:fmt>", open311.services_list, name="o311_services"),
    path("open311/v2/services/<str:code>.<str:fmt>", open311.service_definition, name="o311_service"),
    path("open311/v2/requests.<str:fmt>", open311.requests_view, name="o311_requests"),
    path("open311/v2/requests/<str:number>.<str:fmt>", open311.request_detail, name="o311_request"),
    path("open311/v2/tokens/<str:token>.<str:fmt>", open311.token_detail, name="o311_token"),
]
