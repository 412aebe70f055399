"""GB 32100-2015 and GB 11643-1999: structure, check characters, birth dates; and the masking rule."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from states.identifiers import (
    ID_DIVISION_PREFIXES,
    USCC_AUTHORITIES,
    USCC_DIVISION_PREFIXES,
    IdentifierError,
    id_check_digit,
    uscc_check_char,
    validate_id_number,
    validate_subject,
    validate_uscc,
)

TODAY = date(2026, 3, 10)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
AUTHORITY_TYPES = [a + t for a, (_, types) in USCC_AUTHORITIES.items() for t in types]


def uscc(first17: str) -> str:
    """`first17` completed with its correct check character: only the rule under test can fail."""
    return first17 + uscc_check_char(first17)


def id_number(first17: str) -> str:
    return first17 + id_check_digit(first17)


def refused(fn, *args, match: str, **kwargs) -> str:
    with pytest.raises(IdentifierError, match=match) as exc:
        fn(*args, **kwargs)
    message = str(exc.value)
    assert "\n" not in message and "请核对" in message
    return message


def test_known_valid_codes():
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert validate_id_number("11010519491231002x", today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize("code", [
    "11100000000013338W",  # 住房和城乡建设部: central level, division 100000
    "51100000500002862F",  # a national society registered with 民政部: division 100000
    "12410100000000001" + uscc_check_char("12410100000000001"),
])
def test_central_and_provincial_registration_divisions_are_accepted(code):
    assert validate_uscc(code) == code


@pytest.mark.parametrize("code,fragment", [
    ("91350100M000100Y44", "校验码错误"),
    ("91350100M000100Y4", "18位"),
    ("91350100M0001O0Y43", "非法字符"),
])
def test_bad_uscc(code, fragment):
    refused(validate_uscc, code, match=fragment)


@pytest.mark.parametrize("authority", ["0", "B", "C", "X"])
def test_uscc_unknown_registration_authority_is_refused(authority):
    message = refused(validate_uscc, uscc(authority + "1350100M000100Y4"), match="第1位登记管理部门代码")
    assert f"“{authority}”" in message and "GB 32100-2015" in message


@pytest.mark.parametrize("first2", ["94", "99", "9A", "15", "24", "36", "44", "Y2", "Y9", "A2", "N4"])
def test_uscc_type_code_not_defined_by_its_authority_is_refused(first2):
    message = refused(validate_uscc, uscc(first2 + "350100M000100Y4"), match="第2位机构类别代码")
    assert f"“{first2[1]}”" in message and USCC_AUTHORITIES[first2[0]][0] in message


@pytest.mark.parametrize("division", ["000000", "200000", "720100", "710000", "810000", "820000", "990000", "AB0100"])
def test_uscc_division_without_a_province_prefix_is_refused(division):
    message = refused(validate_uscc, uscc("91" + division + "M000100Y4"), match="第3-8位登记管理机关行政区划码")
    assert f"“{division}”" in message


@pytest.mark.parametrize("number,fragment", [
    ("110105194912310021", "校验码错误"),
    ("110105194902300021", "出生日期"),
    ("11010519491231002", "17位数字"),
])
def test_bad_id_numbers(number, fragment):
    refused(validate_id_number, number, today=TODAY, match=fragment)


@pytest.mark.parametrize("area", ["000000", "100000", "200101", "720101", "710000", "840000", "990000"])
def test_id_number_without_a_province_prefix_is_refused(area):
    message = refused(validate_id_number, id_number(area + "19900101001"), today=TODAY, match="前6位行政区划代码")
    assert f"“{area}”" in message


@pytest.mark.parametrize("area", ["810000", "820000", "830000", "419900", "650102"])
def test_id_number_mainland_and_residence_permit_prefixes_are_accepted(area):
    number = id_number(area + "19900101002")
    assert validate_id_number(number, today=TODAY) == number


def test_birth_date_tomorrow_is_refused_and_today_accepted():
    born_today = id_number("410105" + TODAY.strftime("%Y%m%d") + "003")
    assert validate_id_number(born_today, today=TODAY) == born_today
    born_tomorrow = id_number("410105" + (TODAY + timedelta(days=1)).strftime("%Y%m%d") + "003")
    message = refused(validate_id_number, born_tomorrow, today=TODAY, match="出生日期.*晚于今天")
    assert "20260311" in message and "20260310" in message
    assert validate_id_number(born_tomorrow, today=TODAY + timedelta(days=1)) == born_tomorrow
    refused(validate_subject, "insured", None, born_tomorrow, today=TODAY, match="晚于今天")


def test_the_codes_accepted_before_are_refused():
    refused(validate_uscc, "000000000000000000", match="第1位登记管理部门代码“0”不在GB 32100-2015规定的代码集")
    refused(validate_subject, "hospital", "000000000000000000", None, today=TODAY, match="登记管理部门代码“0”")
    refused(validate_id_number, "410102203001010011", today=TODAY, match="出生日期 20300101 晚于今天")
    refused(validate_subject, "insured", None, "410102203001010011", today=TODAY, match="出生日期 20300101")


def test_today_is_required_and_must_be_a_date():
    with pytest.raises(TypeError):
        validate_id_number("11010519491231002X")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        validate_subject("hospital", "91350100M000100Y43", None)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        validate_id_number("11010519491231002X", today=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        validate_id_number("11010519491231002X", today=datetime(2026, 3, 10, 9))


@given(
    st.sampled_from(AUTHORITY_TYPES),
    st.sampled_from(sorted(USCC_DIVISION_PREFIXES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.text(alphabet=USCC_CHARS, min_size=9, max_size=9),
)
def test_uscc_with_valid_structure_validates_and_any_other_check_char_fails(first2, province, rest_of_division, body):
    first17 = first2 + province + rest_of_division + body
    good = uscc(first17)
    assert validate_uscc(good) == good
    assert validate_uscc(good.lower()) == good
    for c in USCC_CHARS:
        if c != good[-1]:
            with pytest.raises(IdentifierError, match="校验码错误"):
                validate_uscc(first17 + c)


@given(st.text(alphabet=USCC_CHARS, min_size=17, max_size=17))
def test_uscc_with_its_check_char_validates_exactly_when_its_prefix_is_valid(first17):
    structure_ok = first17[:2] in AUTHORITY_TYPES and first17[2:4] in USCC_DIVISION_PREFIXES
    try:
        validate_uscc(uscc(first17))
    except IdentifierError:
        assert not structure_ok
    else:
        assert structure_ok


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.sampled_from(sorted(ID_DIVISION_PREFIXES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)
def test_id_number_round_trip(born, province, rest_of_area, serial):
    first17 = province + rest_of_area + born.strftime("%Y%m%d") + serial
    assert validate_id_number(id_number(first17), today=TODAY).startswith(first17)
    with pytest.raises(IdentifierError, match="晚于今天"):
        validate_id_number(id_number(first17), today=born - timedelta(days=1))


def test_subject_type_needs_the_right_identifier():
    with pytest.raises(IdentifierError, match="--uscc"):
        validate_subject("hospital", None, "11010519491231002X", today=TODAY)
    with pytest.raises(IdentifierError, match="--id-number"):
        validate_subject("insured", "91350100M000100Y43", None, today=TODAY)
    with pytest.raises(IdentifierError, match="未知的信用主体类型"):
        validate_subject("spaceship", "91350100M000100Y43", None, today=TODAY)
    assert validate_subject("hospital", "91350100M000100Y43", None, today=TODAY) == ("uscc", "91350100M000100Y43")
    assert validate_subject("insured", None, "11010519491231002X", today=TODAY) == ("id_number", "11010519491231002X")


def test_mask_id_number():
    from notices.privacy import mask_id  # the one masking rule (Art. 4, 28)

    assert mask_id("41010519491231123X") == "4101**********123X"
