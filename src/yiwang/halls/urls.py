"""Hall pages (included at the site root)."""

from django.urls import path

from .views import assist, booking, public, surveys, workbench

app_name = "halls"
urlpatterns = [
    path("halls/", public.hall_list, name="list"),
    path("halls/<int:hall_id>/", public.hall_page, name="hall"),
    path("halls/items/<str:item_code>/", public.item_where, name="item"),
    path("halls/<int:hall_id>/qr.svg", public.qr, name="qr"),
    path("halls/<int:hall_id>/take/", public.take, name="take"),
    path("halls/<int:hall_id>/display/", public.display, name="display"),
    path("halls/<int:hall_id>/display/state/", public.display_state, name="display_state"),
    path("halls/t/<str:key>/", public.ticket_page, name="ticket"),
    path("halls/t/<str:key>/state/", public.ticket_state, name="ticket_state"),
    path("halls/t/<str:key>/cancel/", public.ticket_cancel, name="ticket_cancel"),
    path("halls/kiosk/<str:key>/", public.kiosk, name="kiosk"),
    path("halls/book/", booking.book, name="book"),
    path("halls/book/hold/<str:token>/", booking.confirm, name="confirm"),
    path("my/appointments/", booking.mine, name="mine"),
    path("my/appointments/<str:code>/", booking.appointment, name="appointment"),
    path("my/appointments/<str:code>/cancel/", booking.cancel, name="cancel"),
    path("my/appointments/<str:code>/change/", booking.change, name="change"),
    path("my/surveys/<int:pk>/", surveys.survey_mine, name="survey_mine"),
    path("survey/<str:token>/", surveys.survey_token, name="survey_token"),
    path("workbench/halls/", workbench.index, name="workbench"),
    path("workbench/halls/windows/<int:window_id>/", workbench.console, name="console"),
    path("workbench/halls/windows/<int:window_id>/state/", workbench.console_state, name="console_state"),
    path("workbench/halls/windows/<int:window_id>/<str:action>/", workbench.act, name="act"),
    path("workbench/halls/<int:hall_id>/desk/", workbench.desk, name="desk"),
    path("workbench/halls/<int:hall_id>/manage/", workbench.manage, name="manage"),
    path("workbench/halls/assist/", assist.home, name="assist"),
    path("workbench/halls/assist/consent/<int:consent_id>/", assist.consent_page, name="assist_consent"),
    path("workbench/halls/assist/consent/<int:consent_id>/apply/", assist.apply_helper, name="assist_apply"),
    path("workbench/halls/assist/bank/apply/", assist.apply_bank, name="assist_bank_apply"),
    path("workbench/halls/assist/cases/<str:case_number>/", assist.done, name="assist_done"),
    path("workbench/surveys/", surveys.survey_list, name="surveys"),
    path("workbench/surveys/<int:pk>/", surveys.survey_staff, name="survey_staff"),
    path("workbench/surveys/<int:pk>/photos/<int:photo_id>/", surveys.survey_photo, name="survey_photo"),
]
