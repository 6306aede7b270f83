"""License pages."""

app_name = "licenses"
urlpatterns: list = []
