"""Calendar pages."""

app_name = "calendar"
urlpatterns: list = []
