"""Calendar pages."""

from django.urls import path

from .views import calendar_page

app_name = "calendar"
urlpatterns = [
    path("workbench/calendar/", calendar_page, name="workbench"),
]
