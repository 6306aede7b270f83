"""The home, search and departments pages render, work without JavaScript and refuse bad input kindly."""

from yiwang.catalog.views.search import highlight


def test_home_page(city, client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="search"' in html and 'for="search-q"' in html
    assert "/search/?theme=birth&amp;audience=person" in html
    assert "/search/?theme=startup&amp;audience=enterprise" in html
    assert "营业执照核发" in html  # popular: offered in three places
    assert 'href="/departments/"' in html


def test_search_page_results(city, client):
    response = client.get("/search/", {"q": "yyzz"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="status"' in html
    assert f'href="/items/{city["license_city"].item_code}/"' in html
    assert "<mark>营业执照</mark>核发" in html
    assert "catalog_code=010000000001" in html  # link to every place offering it


def test_search_page_filters_and_pages(city, client):
    html = client.get("/search/", {"q": "营业执照", "division": "340321"}).content.decode()
    assert "怀远县市场监督管理局" in html and "蚌埠市市场监督管理局" not in html
    html = client.get("/search/", {"organisation": city["id_card"].organisation_id}).content.decode()
    assert "居民身份证申领" in html and "蚌埠市公安局" in html
    html = client.get("/search/", {"level": "4", "page": "1"}).content.decode()
    assert "营业执照核发" in html


def test_search_page_bad_input_is_explained_not_500(city, client):
    response = client.get("/search/", {"q": "x", "level": "9", "division": "nope", "page": "-3"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    response = client.get("/search/", {"organisation": "424242"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_empty_search_page_invites_a_query(city, client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert "result-count" not in response.content.decode()


def test_departments_page(city, client):
    response = client.get("/departments/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "蚌埠市市场监督管理局" in html and "怀远县" in html
    assert f"/search/?organisation={city['id_card'].organisation_id}" in html


def test_highlight_escapes_and_marks():
    assert highlight("<b>营业执照</b>核发", ["营业执照"]) == "&lt;b&gt;<mark>营业执照</mark>&lt;/b&gt;核发"
    assert highlight("营业执照核发", ["营业", "执照"]) == "<mark>营业执照</mark>核发"
    assert highlight("食品", []) == "食品"
