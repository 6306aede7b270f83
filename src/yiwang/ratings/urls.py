"""Ratings pages; namespace "ratings"."""

from django.urls import path

from .views import portal, public, workbench

app_name = "ratings"
urlpatterns = [
    # People: rate a case, the SMS link, a visit's phone link, the window pad; my ratings; complaints.
    path("my/cases/<str:case_number>/rate/", portal.rate_case, name="rate_case"),
    path("rate/t/<str:token>/", portal.by_token, name="by_token"),
    path("rate/visit/", portal.by_visit, name="by_visit"),
    path("rate/pad/<str:key>/", portal.pad, name="pad"),
    path("my/ratings/", portal.my_ratings, name="my_ratings"),
    path("my/complaints/new/", portal.complain, name="complain"),
    path("my/complaints/<str:number>/", portal.my_complaint, name="my_complaint"),
    # Public figures.
    path("ratings/", public.index, name="public"),
    path("ratings/departments/<int:org_id>/", public.department, name="public_department"),
    # Staff.
    path("workbench/ratings/", workbench.home, name="wb_home"),
    path("workbench/ratings/rectifications/<int:pk>/", workbench.rect_detail, name="wb_rect"),
    path("workbench/ratings/rectifications/<int:pk>/files/<int:file_id>/", workbench.rect_file, name="wb_rect_file"),
    path("workbench/ratings/rectifications/<int:pk>/<str:action>/", workbench.rect_act, name="wb_rect_act"),
    path("workbench/ratings/complaints/<str:number>/", workbench.complaint_detail, name="wb_complaint"),
    path("workbench/ratings/complaints/<str:number>/<str:action>/", workbench.complaint_act, name="wb_complaint_act"),
    path("workbench/ratings/stats/", workbench.stats_page, name="wb_stats"),
    path("workbench/ratings/mine/", workbench.mine, name="wb_mine"),
    path("workbench/ratings/pads/", workbench.pads, name="wb_pads"),
    path("workbench/ratings/hotline/", workbench.hotline, name="wb_hotline"),
]
