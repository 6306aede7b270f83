"""The halls' records in the authorisation matrix's world (tests/access/conftest.build_world calls `extend`).

The city's service centre (where the matrix's clerk works, covering the division) runs a hall with one line and two
windows handling the world's item; citizen A holds an appointment, a hold and the applicant's side of an on-site
survey of A's case (proposed, with a photo); a number waits in the queue.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from yiwang.halls import queries, services
from yiwang.halls.models import SurveyOption, SurveyPhoto, SurveyRequest, SurveyState
from yiwang.orgs.models import Hall, Window, WindowKind

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def extend(w) -> None:
    centre, item, a = w.rec["centre"], w.rec["item"], w.rec["person_a"]
    hall = Hall.objects.create(
        name="蚌埠市政务服务中心大厅", organisation=centre, division=centre.division, address="东海大道 1 号"
    )
    profile = services.ensure_profile(hall, queue_outside_hours=True)
    services.set_weekly_hours(hall, {d: [("08:00", "18:00")] for d in range(7)}, services.SYSTEM)
    line = services.add_line(hall, code="A", name="综合受理")
    windows = []
    for number in ("A01", "A02"):
        window = Window.objects.create(hall=hall, number=number, name="综合受理窗口", kind=WindowKind.COMPREHENSIVE)
        services.set_window_lines(window, [line])
        services.set_window_items(window, [item])
        windows.append(window)
    slots = [s for d in queries.availability(line) for s in d.slots if s.starts_at.date() > timezone.localdate()]
    me = services.Booker(person=a, user=a.user)
    appointment = services.book(line, slots[0].starts_at, items=[item.item_code], booker=me)
    hold = services.hold(line, slots[1].starts_at, 1, me)
    ticket, _created = services.take_ticket(line, source="kiosk", by=services.By(channel="kiosk"))
    case = w.rec["case_a"]
    survey = SurveyRequest.objects.create(
        case=case,
        organisation=case.organisation,
        case_number=case.case_number,
        item_name=case.item_name,
        applicant_name=case.applicant_name,
        state=SurveyState.PROPOSED,
        address="蚌埠市蚌山区涂山路 1 号",
    )
    start = timezone.now() + dt.timedelta(days=2)
    SurveyOption.objects.create(survey=survey, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    photo = SurveyPhoto(survey=survey, content_type="image/png", size=len(PNG), sha256="0" * 64)
    photo.file.save("site.png", ContentFile(PNG), save=True)
    w.rec.update(
        hall=hall,
        hall_profile=profile,
        line=line,
        window=windows[0],
        appointment=appointment,
        hold=hold,
        ticket=ticket,
        survey=survey,
        survey_token=services.survey_token(survey),
        survey_photo=photo,
    )
