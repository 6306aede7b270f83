"""Identity pages: staff (filled in by its owner)."""

urlpatterns: list = []
