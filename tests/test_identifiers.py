"""GB 32100-2015 and GB 11643-1999 check characters, and the masking rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from states.identifiers import (
    IdentifierError,
    id_check_digit,
    uscc_check_char,
    validate_id_number,
    validate_subject,
    validate_uscc,
)


def test_known_valid_codes():
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("code,fragment", [
    ("91350100M000100Y44", "校验码错误"),
    ("91350100M000100Y4", "18位"),
    ("91350100M0001O0Y43", "非法字符"),
])
def test_bad_uscc(code, fragment):
    with pytest.raises(IdentifierError, match=fragment):
        validate_uscc(code)


@pytest.mark.parametrize("number,fragment", [
    ("110105194912310021", "校验码错误"),
    ("110105194902300021", "出生日期"),
    ("11010519491231002", "17位数字"),
])
def test_bad_id_numbers(number, fragment):
    with pytest.raises(IdentifierError, match=fragment):
        validate_id_number(number)


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_uscc_any_single_change_of_check_char_is_caught(first17):
    good = first17 + uscc_check_char(first17)
    assert validate_uscc(good) == good
    for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if c != good[-1]:
            with pytest.raises(IdentifierError):
                validate_uscc(first17 + c)


@given(st.dates(), st.text(alphabet="0123456789", min_size=6, max_size=6), st.text(alphabet="0123456789", min_size=3, max_size=3))
def test_id_number_round_trip(born, area, serial):
    if born.year < 1900:
        return
    first17 = area + born.strftime("%Y%m%d") + serial
    assert validate_id_number(first17 + id_check_digit(first17)).startswith(first17)


def test_subject_type_needs_the_right_identifier():
    with pytest.raises(IdentifierError, match="--uscc"):
        validate_subject("hospital", None, "11010519491231002X")
    with pytest.raises(IdentifierError, match="--id-number"):
        validate_subject("insured", "91350100M000100Y43", None)
    with pytest.raises(IdentifierError, match="未知的信用主体类型"):
        validate_subject("spaceship", "91350100M000100Y43", None)


def test_mask_id_number():
    from notices.privacy import mask_id  # the one masking rule (Art. 4, 28)

    assert mask_id("41010519491231123X") == "4101**********123X"
