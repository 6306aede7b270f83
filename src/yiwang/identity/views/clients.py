"""Identity pages: clients (filled in by its owner)."""

urlpatterns: list = []
