"""The plugin registry: slots chosen by settings, typed options, start-up checks, hooks in a defined order."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.checks import run_checks
from pydantic import Field

from yiwang.core import plugins
from yiwang.core.warmups import WARM_UPS, run_warm_ups
from yiwang.identity import providers
from yiwang.identity.providers import SMS, HttpSmsSender, LogSmsSender, OutboxSmsSender, SmsSender


@pytest.fixture
def scratch():
    """Slots and hooks declared by a test are forgotten afterwards (the registry is process-wide)."""
    before = dict(plugins._registry)
    yield
    plugins._registry.clear()
    plugins._registry.update(before)


class Greeter(plugins.Provider):
    def greet(self) -> str:
        raise NotImplementedError


def greeter_slot(**kw) -> plugins.Slot[Greeter]:
    slot = plugins.Slot(
        "test.greeter",
        Greeter,
        setting="TEST_GREETER",
        options_setting="TEST_GREETER_OPTIONS",
        default=kw.pop("default", "plain"),
        **kw,
    )

    @slot.register("plain")
    class Plain(Greeter):
        def greet(self) -> str:
            return "你好"

    @slot.register("polite")
    class Polite(Greeter):
        class Options(plugins.Options):
            title: str = Field(min_length=1)
            times: int = Field(default=1, ge=1, le=3)
            secret: str = ""

        def greet(self) -> str:
            return f"{self.options.title}好" * self.options.times

        def check(self) -> list:
            return ["the title 先生 is not polite enough"] if self.options.title == "先生" else []

    return slot


class Unregistered(Greeter):
    """Named by a dotted path only (a city's own provider)."""

    def greet(self) -> str:
        return "hello"


class NotAGreeter:
    pass


def plugin_messages() -> list[checks.CheckMessage]:
    return run_checks(tags=["plugins"])


# -- slots ---------------------------------------------------------------------------------------------------------


def test_the_default_works_with_no_setting(scratch, settings):
    slot = greeter_slot()
    assert not hasattr(settings, "TEST_GREETER")
    g = slot.get()
    assert g.greet() == "你好" and g.key == "plain"


def test_a_settings_override_takes_effect_at_once_and_instances_are_reused_meanwhile(scratch, settings):
    slot = greeter_slot()
    first = slot.get()
    assert slot.get() is first  # same settings: the same instance (e.g. the key store's decrypted keys)
    settings.TEST_GREETER = "polite"
    settings.TEST_GREETER_OPTIONS = {"title": "老师", "times": 2}
    assert slot.get().greet() == "老师好老师好"
    settings.TEST_GREETER_OPTIONS = {"title": "同学"}
    assert slot.get().greet() == "同学好"


def test_unknown_keys_and_bad_paths_are_refused_naming_the_known_keys(scratch, settings):
    slot = greeter_slot()
    settings.TEST_GREETER = "shout"
    with pytest.raises(plugins.PluginError) as err:
        slot.get()
    assert "shout" in str(err.value) and "plain, polite" in str(err.value) and err.value.check_id == "yiwang.E101"
    settings.TEST_GREETER = "tests.core.test_plugins.Missing"
    with pytest.raises(plugins.PluginError, match="cannot be imported"):
        slot.get()
    settings.TEST_GREETER = "tests.core.test_plugins.NotAGreeter"
    with pytest.raises(plugins.PluginError, match="is not a Greeter"):
        slot.get()


def test_a_dotted_path_to_an_unregistered_subclass_works(scratch, settings):
    slot = greeter_slot()
    settings.TEST_GREETER = "tests.core.test_plugins.Unregistered"
    assert slot.get().greet() == "hello"
    assert slot.get().key == "tests.core.test_plugins.Unregistered"


def test_options_are_validated_field_by_field_without_echoing_values(scratch, settings):
    slot = greeter_slot()
    settings.TEST_GREETER = "polite"
    settings.TEST_GREETER_OPTIONS = {"times": 9, "secret": 12345, "colour": "red"}
    with pytest.raises(plugins.PluginError) as err:
        slot.get()
    where = dict(err.value.problems)
    assert set(where) == {
        "TEST_GREETER_OPTIONS.title",
        "TEST_GREETER_OPTIONS.times",
        "TEST_GREETER_OPTIONS.secret",
        "TEST_GREETER_OPTIONS.colour",
    }
    assert where["TEST_GREETER_OPTIONS.title"] == "Field required"
    assert "less than or equal to 3" in where["TEST_GREETER_OPTIONS.times"]
    assert "Extra inputs are not permitted" in where["TEST_GREETER_OPTIONS.colour"]
    assert "12345" not in str(err.value)  # a token or passphrase never appears in a message


def test_a_one_provider_slot_refuses_two_and_odd_shapes(scratch, settings):
    slot = greeter_slot()
    settings.TEST_GREETER = ["plain", "polite"]
    with pytest.raises(plugins.PluginError, match="exactly one") as err:
        slot.get()
    assert err.value.check_id == "yiwang.E104"
    settings.TEST_GREETER = 42
    with pytest.raises(plugins.PluginError, match="must be a provider key"):
        slot.get()
    settings.TEST_GREETER = "polite"
    settings.TEST_GREETER_OPTIONS = ["title"]
    with pytest.raises(plugins.PluginError, match="must be an object"):
        slot.get()


def test_a_many_provider_slot_keeps_the_settings_order_and_options_by_key(scratch, settings):
    slot = plugins.Slot("test.greeters", Greeter, setting="TEST_GREETERS", default=["plain"], many=True)
    slot.register("plain")(type("Plain", (Greeter,), {"greet": lambda self: "你好"}))
    slot.options_setting = "TEST_GREETERS_OPTIONS"

    @slot.register("polite")
    class Polite(Greeter):
        class Options(plugins.Options):
            title: str

        def greet(self) -> str:
            return self.options.title

    assert [g.greet() for g in slot.all()] == ["你好"]
    settings.TEST_GREETERS = "polite, plain"  # the environment's comma list
    settings.TEST_GREETERS_OPTIONS = {"polite": {"title": "您好"}}
    assert [g.greet() for g in slot.all()] == ["您好", "你好"]
    with pytest.raises(TypeError):
        slot.get()


def test_registration_mistakes_are_caught_when_the_module_loads(scratch):
    slot = greeter_slot()
    with pytest.raises(ValueError, match="already taken"):
        slot.register("plain")(Unregistered)
    with pytest.raises(TypeError):
        slot.register("other")(NotAGreeter)
    with pytest.raises(ValueError, match="short word"):
        slot.register("a.b")
    with pytest.raises(ValueError, match="declared twice"):
        plugins.Hook("test.greeter")


# -- the start-up check --------------------------------------------------------------------------------------------


def test_the_check_is_clean_with_every_default():
    assert plugin_messages() == []


def test_the_check_reports_an_unknown_key(scratch, settings):
    greeter_slot()
    settings.TEST_GREETER = "shout"
    found = plugin_messages()
    assert [(m.id, m.obj) for m in found] == [("yiwang.E101", "TEST_GREETER")]
    assert "plain, polite" in found[0].hint


def test_the_check_reports_each_bad_option_with_its_field(scratch, settings):
    greeter_slot()
    settings.TEST_GREETER = "polite"
    settings.TEST_GREETER_OPTIONS = {"times": 0}
    found = plugin_messages()
    assert {m.id for m in found} == {"yiwang.E102"}
    assert sorted(m.msg.split(":")[0] for m in found) == ["TEST_GREETER_OPTIONS.times", "TEST_GREETER_OPTIONS.title"]


def test_the_check_reports_a_failing_provider_check(scratch, settings):
    greeter_slot()
    settings.TEST_GREETER = "polite"
    settings.TEST_GREETER_OPTIONS = {"title": "先生"}
    found = plugin_messages()
    assert [m.id for m in found] == ["yiwang.E103"]
    assert "not polite enough" in found[0].msg and found[0].is_serious()


def test_the_check_reports_the_real_slots_too(settings):
    settings.SMS_PROVIDER = "http"
    settings.SMS_PROVIDER_OPTIONS = {"url": "", "timeout": -1, "tokne": "x"}
    settings.VERIFICATION_PROVIDERS = ["library", "face-o-matic"]
    messages = plugin_messages()
    found = {(m.id, m.msg.split(":")[0]) for m in messages}
    assert ("yiwang.E102", "SMS_PROVIDER_OPTIONS.timeout") in found
    assert ("yiwang.E102", "SMS_PROVIDER_OPTIONS.tokne") in found
    unknown = [m for m in messages if m.id == "yiwang.E101"]
    assert [m.obj for m in unknown] == ["VERIFICATION_PROVIDERS"] and "'face-o-matic'" in unknown[0].msg


def test_a_bad_check_message_does_not_hide_the_others(scratch, settings):
    slot = greeter_slot()

    @slot.register("broken")
    class Broken(Greeter):
        def check(self) -> list:
            raise OSError("disk on fire")

    settings.TEST_GREETER = "broken"
    found = plugin_messages()
    assert [m.id for m in found] == ["yiwang.E103"] and "disk on fire" in found[0].msg


# -- the real slots ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slot", plugins.slots(), ids=lambda s: s.name)
def test_every_slot_works_with_no_set_up(slot, settings):
    """With its settings removed, each slot builds its embedded default and reports nothing."""
    for name in (slot.setting, slot.options_setting):
        if name and hasattr(settings, name):
            delattr(settings, name)
    built = slot.all()
    assert built and all(isinstance(p, slot.interface) for p in built)
    assert [p.key for p in built] == [slot.resolve(n)[0] for n in slot.default_names()]
    assert slot.check_messages() == []


def test_every_slot_and_hook_is_declared():
    assert {s.name for s in plugins.slots()} >= {
        "identity.sms",
        "identity.email",
        "identity.verification",
        "identity.oidc",
        "identity.libraries",
        "licenses.keystore",
        "exchange.department_connector",
    }
    assert {h.name for h in plugins.hooks()} >= {
        "catalog.material_sources",
        "identity.space_panels",
        "cases.license_finders",
        "identity.api_scopes",
        "core.warm_ups",
    }


@pytest.mark.parametrize(
    ("written", "cls"),
    [
        ("log", LogSmsSender),
        ("yiwang.identity.providers.LogSmsSender", LogSmsSender),
        ("outbox", OutboxSmsSender),
        ("yiwang.identity.providers.OutboxSmsSender", OutboxSmsSender),
        ("http", HttpSmsSender),
        ("yiwang.identity.providers.HttpSmsSender", HttpSmsSender),
    ],
)
def test_keys_and_the_dotted_paths_deployed_settings_use_name_the_same_provider(settings, written, cls):
    settings.SMS_PROVIDER = written
    settings.SMS_PROVIDER_OPTIONS = {"url": "https://sms.example.gov.cn/send"} if cls is HttpSmsSender else {}
    sender = providers.sms_sender()
    assert type(sender) is cls and sender.key == SMS.resolve(written)[0]


def test_the_sms_key_outbox_delivers_to_the_outbox(settings):
    settings.SMS_PROVIDER = "outbox"
    OutboxSmsSender.clear()
    providers.send_sms("13900000001", "验证码 123456")
    assert OutboxSmsSender.last_to("13900000001").text == "验证码 123456"
    OutboxSmsSender.clear()


def test_email_goes_through_djangos_backend_with_the_configured_sender(settings, mailoutbox):
    providers.send_email("zhang@example.cn", "办件受理", "您的申请已受理。")
    assert mailoutbox[-1].to == ["zhang@example.cn"] and mailoutbox[-1].from_email == settings.DEFAULT_FROM_EMAIL
    settings.EMAIL_PROVIDER_OPTIONS = {"from_email": "noreply@zwfw.example.gov.cn"}
    providers.send_email("zhang@example.cn", "办结", "已办结。")
    assert mailoutbox[-1].from_email == "noreply@zwfw.example.gov.cn"


def test_an_sms_sender_is_a_provider_with_typed_options():
    assert issubclass(HttpSmsSender, SmsSender) and issubclass(SmsSender, plugins.Provider)
    assert HttpSmsSender(url="https://x.example.cn", timeout="3").options.timeout == 3.0


# -- hooks ---------------------------------------------------------------------------------------------------------


def test_hook_entries_come_in_order_then_key_whatever_the_order_they_were_added(scratch):
    hook: plugins.Hook[str] = plugins.Hook("test.hook")
    hook.add("b", "second", order=10)
    hook.add("z", "last")
    hook.add("a", "first", order=10)
    hook.add("c", "early", order=1)
    assert hook.keys() == ["c", "a", "b", "z"] and hook.entries() == ["early", "first", "second", "last"]
    hook.add("b", "replaced", order=200)
    assert hook.entries() == ["early", "first", "last", "replaced"]
    assert "b" in hook and hook.get("b") == "replaced" and hook.get("nope") is None and len(hook) == 4
    hook.remove("b")
    hook.remove("never there")
    assert list(hook) == ["early", "first", "last"]


def test_a_contribution_for_a_block_puts_back_what_was_there(scratch):
    hook: plugins.Hook[str] = plugins.Hook("test.hook", entry_type=str)
    hook.add("x", "original", order=5)
    with hook.contributed("x", "temporary", order=1), hook.contributed("y", "new"):
        assert hook.entries() == ["temporary", "new"]
    assert hook.items() == [("x", "original")]
    with pytest.raises(TypeError):
        hook.add("n", 1)  # type: ignore[arg-type]


def test_warm_ups_run_in_order_and_one_failing_does_not_stop_the_others():
    ran = []

    def boom():
        raise RuntimeError("cold")

    with (
        WARM_UPS.contributed("test.a", lambda: ran.append("a"), order=1),
        WARM_UPS.contributed("test.boom", boom, order=2),
        WARM_UPS.contributed("test.b", lambda: ran.append("b"), order=3),
    ):
        done = run_warm_ups()
    assert ran == ["a", "b"]
    assert "test.boom" not in done and {"test.a", "test.b", "catalog.search"} <= set(done)


# -- storage: Django's STORAGES is the registry; the check validates it --------------------------------------------


def test_the_configured_storages_are_checked(settings):
    assert plugin_messages() == []
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "nowhere.storage.ObjectStorage"},
        "uploads": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"bucket_name": "x"}},
        "odd": {"BACKEND": "yiwang.core.plugins.Slot"},
        "empty": {},
    }
    found = sorted((m.id, m.msg.split(" ")[0].rstrip(":")) for m in plugin_messages())
    assert found == [
        ("yiwang.E110", "STORAGES['default']"),
        ("yiwang.E110", "STORAGES['empty']"),
        ("yiwang.E110", "STORAGES['odd']"),
        ("yiwang.E111", "STORAGES['uploads']"),
    ]
