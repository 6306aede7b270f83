"""Supervision pages (included at the site root); namespace "supervision"."""

from . import urls_cards, urls_stats

app_name = "supervision"
urlpatterns = [*urls_cards.urlpatterns, *urls_stats.urlpatterns]
