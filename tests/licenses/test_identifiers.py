"""GB/T 36904 identifiers and the ISO 7064 MOD 37,36 check character (pure functions)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.licenses import identifiers
from yiwang.licenses.identifiers import ALPHABET, IdentifierError

part = st.text(alphabet=ALPHABET, min_size=1, max_size=24)


def test_known_identifier_round_trip():
    ident = identifiers.build("11100000MB0143028R001", "113403001000000084", "0000000001", 1)
    assert ident.startswith("1.2.156.3005.2.11100000MB0143028R001.113403001000000084.0000000001.001.")
    parsed = identifiers.parse(ident)
    assert parsed.check_ok and str(parsed) == ident


def test_check_character_reduces_to_one():
    # ISO 7064 hybrid system: after the body, (P + check) mod 36 must be 1.
    body = "11100000MB0143028R001113403001000000084" + "0000000001" + "001"
    p = 36
    for ch in body:
        p = (((p + ALPHABET.index(ch)) % 36 or 36) * 2) % 37
    assert (p + ALPHABET.index(identifiers.check_character(body))) % 36 == 1


@given(part, part, part, st.integers(min_value=1, max_value=999))
def test_build_parse_round_trip(t, i, s, v):
    ident = identifiers.build(t, i, s, v)
    parsed = identifiers.parse(ident)
    assert (parsed.type_code, parsed.issuer_code, parsed.serial, parsed.version) == (t, i, s, v)
    assert parsed.check_ok


@given(part, st.integers(min_value=0, max_value=100), st.sampled_from(ALPHABET))
def test_every_single_substitution_is_caught(body, pos, replacement):
    pos %= len(body)
    if body[pos] == replacement:
        return
    changed = body[:pos] + replacement + body[pos + 1 :]
    assert not identifiers.is_valid_check(changed, identifiers.check_character(body))


def test_adjacent_transpositions_are_almost_always_caught():
    """ISO 7064's hybrid MOD 37,36 catches every single substitution (above) but not quite every adjacent swap
    (e.g. IJ ↔ JI at the start): exhaustively over every pair of characters, before several prefixes, all but
    a fifth of a percent are caught."""
    total = missed = 0
    for prefix in ("", "1", "Z9", "440300"):
        for a in ALPHABET:
            for b in ALPHABET:
                if a == b:
                    continue
                body = prefix + a + b + "7"
                swapped = prefix + b + a + "7"
                total += 1
                missed += identifiers.is_valid_check(swapped, identifiers.check_character(body))
    assert missed / total < 0.003, (missed, total)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "bad_prefix"),
        ("1.2.156.3005.1.A.B.C.001.X", "bad_prefix"),
        ("1.2.156.3005.2.A.B.C.001", "bad_shape"),
        ("1.2.156.3005.2.A.B.C.1.X", "bad_version"),
        ("1.2.156.3005.2.A.B.C.000.X", "bad_version"),
        ("1.2.156.3005.2.A-1.B.C.001.X", "bad_type"),
        ("1.2.156.3005.2.A.B.C.001.XY", "bad_check"),
    ],
)
def test_malformed_identifiers(text, code):
    with pytest.raises(IdentifierError) as exc:
        identifiers.parse(text)
    assert exc.value.code == code


def test_build_refuses_bad_parts():
    with pytest.raises(IdentifierError):
        identifiers.build("营业执照", "X", "1", 1)
    with pytest.raises(IdentifierError):
        identifiers.build("A", "B", "1", 1000)
