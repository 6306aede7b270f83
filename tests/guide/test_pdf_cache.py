"""Guide and notice PDFs are rendered once and served from storage afterwards; a change renders anew (issue 18)."""

from __future__ import annotations

import pytest

from tests.cases.workbench_world import build, client_for, submit
from tests.factories import make_item
from yiwang.cases import notices
from yiwang.cases import services as cases
from yiwang.cases.models import Notice
from yiwang.catalog import guides, services
from yiwang.catalog.models import ItemVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch, settings):
    """Counts real WeasyPrint renderings (guides and notices), with storages of their own: the test settings' in-memory
    storages live as long as the worker process, and a PDF kept by an earlier test for a case with the same number
    would be found instead of rendered."""
    settings.STORAGES = {alias: dict(config) for alias, config in settings.STORAGES.items()}
    count = {"guide": 0, "notice": 0}
    guide_render, notice_render = guides.render_pdf, notices._pdf

    def guide(html):
        count["guide"] += 1
        return guide_render(html)

    def notice(html):
        count["notice"] += 1
        return notice_render(html)

    monkeypatch.setattr(guides, "render_pdf", guide)
    monkeypatch.setattr(notices, "_pdf", notice)
    return count


def test_a_guide_pdf_is_rendered_once_per_version(client, renders):
    item = make_item()
    url = f"/items/{item.item_code}/guide.pdf"
    first = client.get(url)
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    second = client.get(url)
    assert second.content == first.content and renders["guide"] == 1

    draft = services.start_draft(item)
    ItemVersion.objects.filter(pk=draft.pk).update(name="食品经营许可（新设）改")
    draft.refresh_from_db()
    services.publish(draft)
    third = client.get(url)
    assert third.status_code == 200 and renders["guide"] == 2 and third.content != first.content
    client.get(url)
    assert renders["guide"] == 2


def test_a_notice_pdf_is_rendered_once_and_kept_private(renders):
    w = build()
    case = submit(w)
    from yiwang.cases.services import Who
    from yiwang.orgs.models import Role

    cases.accept(case, Who(user=w["clerk"], name="王窗口", role=Role.WINDOW_CLERK, organisation_id=w["org"].pk))
    notice = Notice.objects.get(case=case)
    me = client_for(w["applicant"].user)
    url = f"/notices/{notice.number}/pdf/"
    a, b = me.get(url), me.get(url)
    assert a.status_code == 200 and a.content == b.content and renders["notice"] == 1
    from django.core.files.storage import default_storage

    from yiwang.core.storage import private_storage

    _dirs, files = private_storage().listdir(f"notices/{case.case_number}")
    assert len(files) == 1 and not default_storage.exists(f"notices/{case.case_number}/{files[0]}")
