"""Electronic supervision (电子监察): deadline warnings and yellow/red cards, correction orders, the watch list and
real-time monitoring (cards side); indicators, rollups, rankings, exports and dashboards (statistics side).

It hears what cases, ratings, halls and hotline record through their outbox events; it never reads their tables.
"""
