"""GB 11643, GB 32100 and GB/T 2260 checks, with property-based tests over the whole input space."""

import string

from hypothesis import given
from hypothesis import strategies as st

from yiwang.core.codes import (
    CREDIT_ALPHABET,
    citizen_check_char,
    citizen_id_error,
    credit_check_char,
    credit_code_error,
    division_code_error,
    division_level,
    division_parent_error,
    make_credit_code,
)

# Published examples.
KNOWN_CREDIT_CODES = ["91350100M000100Y43", "11100000000013127D", "91110108551385082Q"]
KNOWN_CITIZEN_IDS = ["11010519491231002X"]


def test_known_credit_codes_are_valid():
    for code in KNOWN_CREDIT_CODES:
        assert credit_code_error(code) is None, code


def test_known_citizen_ids_are_valid():
    for number in KNOWN_CITIZEN_IDS:
        assert citizen_id_error(number) is None, number


def test_credit_code_messages_name_the_problem():
    from django.utils import translation

    translation.activate("en")
    assert "18" in str(credit_code_error("9135010"))
    assert credit_code_error("91350100M000100Y4I") is not None  # I is not in the alphabet
    assert "check" in str(credit_code_error("91350100M000100Y44")).lower()
    assert credit_code_error("Z1350100M000100Y43") is not None  # unknown authority
    translation.activate("zh-hans")
    assert "校验" in str(credit_code_error("91350100M000100Y44"))


@given(st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17))
def test_any_single_character_change_of_a_credit_code_is_caught(first17):
    code = "91" + first17[2:8].translate(str.maketrans(CREDIT_ALPHABET[10:], "0" * 21)) + first17[8:]
    code = code[:17]
    full = code + credit_check_char(code)
    if not full[2:8].isdigit():
        return
    assert credit_code_error(full) is None
    wrong = next(c for c in CREDIT_ALPHABET if c != full[17])
    assert credit_code_error(full[:17] + wrong) is not None


@given(st.text(alphabet=string.digits, min_size=8, max_size=8))
def test_make_credit_code_round_trips(org8):
    assert credit_code_error(make_credit_code("1", "1", "340300", org8)) is None


@given(
    st.dates(min_value=__import__("datetime").date(1900, 1, 1), max_value=__import__("datetime").date(2020, 12, 31)),
    st.integers(0, 999),
)
def test_citizen_id_check_digit(born, seq):
    first17 = f"340302{born:%Y%m%d}{seq:03d}"
    number = first17 + citizen_check_char(first17)
    assert citizen_id_error(number) is None
    for other in "0123456789X":
        if other != number[17]:
            assert citizen_id_error(first17 + other) is not None


def test_citizen_id_rejects_impossible_dates_and_shapes():
    assert citizen_id_error("340302202302300011") is not None  # 30 February
    assert citizen_id_error("34030219900101001x") is not None  # lower-case x
    assert citizen_id_error("3403021990010100") is not None
    assert citizen_id_error("000000199001010011") is not None


def test_division_codes_and_levels():
    assert division_code_error("340000") is None and division_level("340000") == 2
    assert division_level("340300") == 3
    assert division_level("340302") == 4
    assert division_level("340302001000") == 5
    assert division_level("340302001001") == 6
    assert division_code_error("34030") is not None
    assert division_code_error("990000") is not None
    assert division_code_error("340302000001") is not None
    assert division_parent_error("340300", "340000") is None
    assert division_parent_error("350300", "340000") is not None
    assert division_parent_error("340302", "340000") is not None  # skips the city
    assert division_parent_error("340302001000", "340302") is None
    assert division_parent_error("340302001001", "340302001000") is None
    assert division_parent_error("340302002001", "340302001000") is not None
