"""Issue 18 (Words): the promised time on a search result reads 承诺 N 个工作日内办结, never 个个."""


def test_promised_time_has_one_measure_word(city, client):
    html = client.get("/search/", {"q": "营业执照"}).content.decode()
    assert "个工作日内办结" in html
    assert "个个" not in html
