"""Identity pages: space (filled in by its owner)."""

urlpatterns: list = []
