"""Tokenizer, pinyin and query segmentation."""

from yiwang.catalog.searching.indexer import document_tokens
from yiwang.catalog.searching.text import (
    compact,
    matched_surfaces,
    normalise,
    pinyin_of,
    query_segments,
    segment,
    text_tokens,
)


def test_pinyin_and_initials_of_a_word():
    assert pinyin_of("营业执照") == ("yingyezhizhao", "yyzz")
    assert pinyin_of("身份证") == ("shenfenzheng", "sfz")
    assert pinyin_of("绿化")[0] == "lvhua"  # ü typed as v


def test_name_tokens_carry_words_pinyin_initials_and_exact_forms():
    tokens = dict(text_tokens("营业执照核发", chars=False, pinyin="all", exact=True))
    for token in ("营业执照", "营业", "执照", "核发", "yingyezhizhao", "yyzz", "hefa", "=营业执照核发", "=yyzzhf"):
        assert token in tokens, token
    assert tokens["营业执照"] > tokens["yyzz"]


def test_normalise_full_width_and_case():
    assert normalise("ＹＹＺＺ　营业") == "yyzz 营业"
    assert compact(" 营业·执照！") == "营业执照"
    assert query_segments("yyzz, 注销") == ["yyzz", "注销"]


def test_segment_prefers_fewest_and_longest_known_pieces():
    vocab = {
        "yingyezhizhao": 1,
        "yingye": 1,
        "zhizhao": 1,
        "biangeng": 1,
        "yyzz": 1,
        "营业执照": 1,
        "营业": 1,
        "注销": 1,
    }
    assert segment("yingyezhizhao", vocab) == ["yingyezhizhao"]
    assert segment("yingyezhizhaobiangeng", vocab) == ["yingyezhizhao", "biangeng"]
    assert segment("yyzz注销", vocab) == ["yyzz", "注销"]
    assert segment("营业执照x注销", vocab) == ["营业执照", "注销"]  # unknown characters are skipped
    assert segment("qqqq", vocab) == []


def test_document_weights_name_over_alias_over_material():
    tokens = document_tokens("居民身份证申领", ["补办身份证"], ["户口簿"], ["蚌埠市公安局"])
    assert tokens["身份证"] > tokens["补办"] > tokens["d:公安局"] > tokens["m:户口簿"]
    assert "公安局" not in tokens  # department and material words are kept apart from name words
    assert tokens["=居民身份证申领"] > tokens["=补办身份证"] > tokens["身份证"]


def test_matched_surfaces_maps_pinyin_back_to_words():
    assert matched_surfaces("营业执照核发", frozenset({"yyzz"})) == ["营业执照"]
    assert matched_surfaces("营业执照核发", frozenset({"hefa", "营业"})) == ["核发", "营业"] or matched_surfaces(
        "营业执照核发", frozenset({"hefa", "营业"})
    ) == ["营业", "核发"]
