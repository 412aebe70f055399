"""Subject identifiers (Henan measure Art. 10): USCC for institutions, resident ID for individuals."""

from __future__ import annotations

from datetime import date

INSTITUTION_TYPES = {
    "hospital": "定点医疗机构",
    "pharmacy": "定点零售药店",
    "employer": "参保单位",
    "agency": "承办经办业务的第三方机构",
    "other_institution": "其他机构",
}
PERSON_TYPES = {
    "practitioner": "医保医师、护士、药师等从业人员",
    "insured": "参保人员",
    "other_person": "其他人员",
}
SUBJECT_TYPES = {**INSTITUTION_TYPES, **PERSON_TYPES}

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class IdentifierError(ValueError):
    pass


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """GB 32100-2015: 18 characters from 0-9A-HJ-NPQRTUWXY (no I, O, S, V, Z); the last is a check character."""
    code = (code or "").strip().upper()
    if len(code) != 18:
        raise IdentifierError(f"统一社会信用代码应为18位，'{code}' 为{len(code)}位（GB 32100-2015）")
    bad = [c for c in code if c not in _USCC_CHARS]
    if bad:
        raise IdentifierError(f"统一社会信用代码含非法字符 {''.join(sorted(set(bad)))}（不使用 I、O、S、V、Z；GB 32100-2015）")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError(f"统一社会信用代码校验码错误：第18位应为 {expected}，实为 {code[17]}（GB 32100-2015）")
    return code


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def validate_id_number(number: str) -> str:
    """GB 11643-1999: 17 digits, a real birth date in positions 7-14, and a check digit 0-9 or X."""
    number = (number or "").strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdentifierError(f"居民身份证号码应为17位数字加1位校验码（0-9或X），'{number}' 不符合（GB 11643-1999）")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(f"居民身份证号码中的出生日期 {number[6:14]} 不是有效日期（GB 11643-1999）") from None
    if born.year < 1900:
        raise IdentifierError(f"居民身份证号码中的出生日期 {number[6:14]} 不合理（GB 11643-1999）")
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise IdentifierError(f"居民身份证号码校验码错误：第18位应为 {expected}，实为 {number[17]}（GB 11643-1999）")
    return number


def validate_subject(subject_type: str, uscc: str | None, id_number: str | None) -> tuple[str, str]:
    """Return (identifier kind, normalised identifier) or raise IdentifierError with the reason."""
    if subject_type not in SUBJECT_TYPES:
        raise IdentifierError(
            f"未知的信用主体类型 '{subject_type}'；可选：{', '.join(SUBJECT_TYPES)}（河南省医疗保障基金使用信用管理办法 Art. 6）"
        )
    if subject_type in INSTITUTION_TYPES:
        if id_number or not uscc:
            raise IdentifierError(f"机构类主体（{INSTITUTION_TYPES[subject_type]}）以统一社会信用代码标识，请用 --uscc（Art. 10）")
        return "uscc", validate_uscc(uscc)
    if uscc or not id_number:
        raise IdentifierError(f"个人类主体（{PERSON_TYPES[subject_type]}）以居民身份证号码标识，请用 --id-number（Art. 10）")
    return "id_number", validate_id_number(id_number)

