"""Policy pages (included at the site root); namespace "policies"."""

app_name = "policies"
urlpatterns: list = []
