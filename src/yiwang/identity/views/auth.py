"""Identity pages: auth (filled in by its owner)."""

urlpatterns: list = []
