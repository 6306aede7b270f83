"""Translations: catalog errors in Chinese and English, the .po reader/editor behind bin/i18n, the parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import make_item
from yiwang.core import pofile
from yiwang.core.errors import ProblemsError
from yiwang.core.management.commands.i18n import load_parts

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "src" / "yiwang" / "locale"


def test_a_catalog_validation_error_reads_in_chinese_and_english():
    with pytest.raises(ProblemsError) as err:
        make_item(statutory_limit=10, promised_limit=15)
    problem = next(p for p in err.value.as_list() if p["field"] == "promised_limit")
    assert problem["message"] == "承诺时限不得超过法定时限。"
    assert problem["message_en"] == "The promised time limit cannot be longer than the statutory time limit."
    assert problem["message"] != problem["message_en"]


def test_a_parameterised_error_keeps_its_parameters_in_both_languages():
    with pytest.raises(ProblemsError) as err:
        make_item(result_type="license", result_license_type="NO_SUCH_TYPE")
    problem = next(p for p in err.value.as_list() if "NO_SUCH_TYPE" in p["message_en"])
    assert problem["message"] == "证照类型 NO_SUCH_TYPE 不在证照目录中。"


def test_every_core_translation_keeps_its_placeholders():
    parts = json.loads((LOCALE / "parts" / "core.json").read_text(encoding="utf-8"))
    for msgid, text in parts.items():
        assert pofile.format_specs(msgid) == pofile.format_specs(text), msgid


PO = r"""# header comment
msgid ""
msgstr ""
"Language: zh_Hans\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#: catalog/models.py
msgid "Home"
msgstr ""

#: catalog/io.py
#, fuzzy, python-format
#| msgid "Row %(row)s"
msgid "Row %(row)s is wrong"
msgstr "第 %(row)s 行"

msgctxt "verb"
msgid "Open"
msgstr "打开"

msgid "%(n)s item"
msgid_plural "%(n)s items"
msgstr[0] ""

msgid ""
"A long line "
"with a \"quote\"\n"
msgstr ""
"""


def test_po_parse_reads_every_kind_of_entry():
    entries = pofile.parse(PO)
    header, home, row, open_, plural, long = entries
    assert header.is_header and "Plural-Forms" in header.msgstr[0]
    assert home.msgid == "Home" and not home.translated
    assert row.fuzzy and "python-format" in row.flags and not row.translated
    assert open_.key == "verb\x04Open" and open_.translated
    assert plural.msgid_plural == "%(n)s items" and plural.msgstr == {0: ""}
    assert long.msgid == 'A long line with a "quote"\n'


def test_set_translation_clears_fuzzy_and_round_trips():
    entries = pofile.parse(PO)
    entries[1].set_translation("首页")
    entries[2].set_translation("第 %(row)s 行有误")
    entries[4].set_translation("%(n)s 个事项")
    again = pofile.parse(pofile.dump(entries))
    assert again[1].msgstr == {0: "首页"}
    assert again[2].translated and again[2].flags == ["python-format"]
    assert "#|" not in again[2].render()
    assert again[4].msgstr == {0: "%(n)s 个事项"}
    assert again[5].msgid == entries[5].msgid


@pytest.mark.parametrize(
    ("msgid", "msgstr", "bad"),
    [
        ("%(code)s is unknown", "%(code)s 未知", False),
        ("%(code)s is unknown", "%(cod)s 未知", True),
        ("%(code)s is unknown", "未知", True),
        ("About %(p)s%% shorter", "缩短约 %(p)s%%", False),
        ("About %(p)s%% shorter", "缩短约 %(p)s%", True),
    ],
)
def test_placeholder_problems(msgid, msgstr, bad):
    assert (pofile.placeholder_problem(msgid, msgstr, ["python-format"]) is not None) is bad


def test_parts_that_disagree_or_are_broken_are_reported(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"Home": "首页", "Search": "搜索"}), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"Home": "主页", "Empty": ""}), encoding="utf-8")
    (tmp_path / "c.json").write_text("{broken", encoding="utf-8")
    merged, problems = load_parts(tmp_path)
    assert merged == {"Home": "首页", "Search": "搜索"}
    assert any("translate 'Home' differently" in p for p in problems)
    assert any("'Empty'" in p for p in problems)
    assert any(p.startswith("c.json: not valid JSON") for p in problems)
