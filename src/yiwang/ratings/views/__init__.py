"""Ratings pages: people's (portal.py), public figures (public.py), the staff workbench (workbench.py)."""
