"""Search dictionaries load when a server worker starts, not in a user's first search."""

from yiwang.catalog import searching
from yiwang.catalog.searching import text
from yiwang.core.management.commands.serve import Command as ServeCommand
from yiwang.core.management.commands.serve import YiwangApplication, post_worker_init

OPTIONS = {
    "workers": 1,
    "bind": "127.0.0.1:1",
    "threads": 1,
    "timeout": 30,
    "max_requests": 0,
    "access_log": "",
    "forwarded_allow_ips": "127.0.0.1",
    "preload": False,
}


def test_warm_up_loads_the_dictionaries():
    searching.warm_up()
    assert text._jieba_ready
    assert text.pinyin_of("营业执照") == ("yingyezhizhao", "yyzz")


def test_gunicorn_workers_warm_up_after_start(monkeypatch):
    calls = []
    monkeypatch.setattr(searching, "warm_up", lambda: calls.append("warm"))
    config = ServeCommand().gunicorn_options(dict(OPTIONS))
    assert config["post_worker_init"] is post_worker_init
    app = YiwangApplication(config)
    app.cfg.post_worker_init(object())  # what gunicorn calls in each new worker
    assert calls == ["warm"]
