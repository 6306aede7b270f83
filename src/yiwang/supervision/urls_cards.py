"""Supervision pages, cards side (staff workbench)."""

from django.urls import path

from . import cards_views

urlpatterns: list = [
    path("workbench/supervision/cards/", cards_views.cards_page, name="cards"),
    path("workbench/supervision/corrections/", cards_views.corrections_page, name="corrections"),
    path("workbench/supervision/corrections/<int:pk>/", cards_views.correction_page, name="correction"),
    path(
        "workbench/supervision/corrections/<int:pk>/<str:action>/",
        cards_views.correction_act,
        name="correction_act",
    ),
    path("workbench/supervision/watch/", cards_views.watch_page, name="watch"),
    path("workbench/supervision/watch/<int:pk>/delete/", cards_views.unwatch, name="unwatch"),
    path("workbench/supervision/monitor/", cards_views.monitor_page, name="monitor"),
]
