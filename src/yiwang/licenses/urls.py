"""License pages (included at the site root): /verify/… is public, /licenses/… needs sign-in."""

from django.urls import path

from . import views

app_name = "licenses"
urlpatterns = [
    path("verify/", views.verify, name="verify_form"),
    path("verify/<str:identifier>/", views.verify, name="verify"),
    path("licenses/", views.mine, name="mine"),
    path("licenses/staff/", views.staff_list, name="staff_list"),
    path("licenses/staff/issue/", views.staff_issue, name="staff_issue"),
    path("licenses/staff/import/", views.staff_import, name="staff_import"),
    path("licenses/<str:identifier>/", views.detail, name="detail"),
    path("licenses/<str:identifier>/pdf/", views.pdf, name="pdf"),
    path("licenses/<str:identifier>/act/", views.act, name="act"),
    path("workbench/licenses/stats/", views.stats, name="stats"),
]
