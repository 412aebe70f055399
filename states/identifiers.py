"""Subject identifiers (Henan measure Art. 10): USCC for institutions, resident ID for individuals."""

from __future__ import annotations

from datetime import date, datetime

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

# GB 32100-2015 with its amendments (A and N were added after 2015): character 1 is the registration authority
# (登记管理部门代码), character 2 the type of organization it registers (机构类别代码). Y 其他 does not
# divide its organizations into types and always uses 1.
USCC_AUTHORITIES = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构", "5": "仲裁委员会",
                   "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商（市场监管）", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "不再具体划分机构类别"}),
}

# GB/T 2260 province-level divisions (the first 2 digits of a 6-digit division code).
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}
_MAINLAND = {p: name for p, name in PROVINCES.items() if p not in ("71", "81", "82")}

# USCC characters 3-8 are the division of the registration authority (登记管理机关行政区划码). Authorities
# at the central level (国务院各部门, 民政部 for national social organizations, 中央编办 ...) use 100000,
# which is not in GB/T 2260's list but is what they issue: e.g. 11100000000013338W (住房和城乡建设部) and
# 51100000500002862F (a national society registered with 民政部). 71, 81 and 82 are left out: no
# registration authority that issues USCCs sits in Taiwan, Hong Kong or Macao (organizations from there
# are registered, and coded, where they are registered on the mainland).
USCC_DIVISION_PREFIXES = {"10": "中央级登记管理机关", **_MAINLAND}

# Resident ID numbers (GB 11643-1999) carry the holder's household division: a mainland province. 71, 81
# and 82 never appear on a 居民身份证, but the residence permits of Hong Kong, Macao and Taiwan residents
# (港澳台居民居住证, 国务院办公厅 2018), with which they may enrol in medical insurance, carry an 18-digit
# number built by the same rule with 810000, 820000 or 830000 (not 71); those are accepted.
ID_DIVISION_PREFIXES = {**_MAINLAND, "81": "香港居民居住证", "82": "澳门居民居住证", "83": "台湾居民居住证"}

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
    """GB 32100-2015: 18 characters from 0-9A-HJ-NPQRTUWXY (no I, O, S, V, Z): a registration authority
    and one of its organization types, a division beginning with a province (or 10, central level), and
    a check character last."""
    code = (code or "").strip().upper()
    if len(code) != 18:
        raise IdentifierError(f"统一社会信用代码应为18位，“{code}”为{len(code)}位（GB 32100-2015），请核对代码")
    bad = [c for c in code if c not in _USCC_CHARS]
    if bad:
        raise IdentifierError(
            f"统一社会信用代码含非法字符 {''.join(sorted(set(bad)))}（GB 32100-2015 不使用 I、O、S、V、Z），请核对代码")
    if code[0] not in USCC_AUTHORITIES:
        raise IdentifierError(
            f"统一社会信用代码第1位登记管理部门代码“{code[0]}”不在GB 32100-2015规定的代码集"
            f"（{'、'.join(USCC_AUTHORITIES)}）中，请核对代码")
    authority, types = USCC_AUTHORITIES[code[0]]
    if code[1] not in types:
        raise IdentifierError(
            f"统一社会信用代码第2位机构类别代码“{code[1]}”不是GB 32100-2015为登记管理部门“{code[0]}”（{authority}）"
            f"规定的机构类别（{'、'.join(types)}），请核对代码")
    if code[2:4] not in USCC_DIVISION_PREFIXES:
        raise IdentifierError(
            f"统一社会信用代码第3-8位登记管理机关行政区划码“{code[2:8]}”不以GB/T 2260的省级代码或中央级的10开头"
            f"（GB 32100-2015），请核对代码")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError(
            f"统一社会信用代码校验码错误：第18位应为 {expected}，实为 {code[17]}（GB 32100-2015），请核对代码")
    return code


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def _check_today(today: date) -> None:
    if not isinstance(today, date) or isinstance(today, datetime):
        raise TypeError(f"today must be a datetime.date (the day in Asia/Shanghai), not {type(today).__name__}")


def validate_id_number(number: str, *, today: date) -> str:
    """GB 11643-1999: 17 digits beginning with a province (or 81-83, residence permits), a real birth date
    in positions 7-14 that is not after `today`, and a check digit 0-9 or X."""
    _check_today(today)
    number = (number or "").strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdentifierError(
            f"居民身份证号码应为17位数字加1位校验码（0-9或X），“{number}”不符合（GB 11643-1999），请核对号码")
    if number[:2] not in ID_DIVISION_PREFIXES:
        raise IdentifierError(
            f"居民身份证号码前6位行政区划代码“{number[:6]}”不以GB/T 2260的内地省级代码开头，也不是港澳台居民居住证的"
            f"81、82、83（GB 11643-1999），请核对号码")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(
            f"居民身份证号码中的出生日期 {number[6:14]} 不是有效日期（GB 11643-1999），请核对号码") from None
    if born.year < 1900:
        raise IdentifierError(f"居民身份证号码中的出生日期 {number[6:14]} 不合理（GB 11643-1999），请核对号码")
    if born > today:
        raise IdentifierError(
            f"居民身份证号码中的出生日期 {number[6:14]} 晚于今天 {today:%Y%m%d}（GB 11643-1999），请核对号码")
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise IdentifierError(
            f"居民身份证号码校验码错误：第18位应为 {expected}，实为 {number[17]}（GB 11643-1999），请核对号码")
    return number


def validate_subject(subject_type: str, uscc: str | None, id_number: str | None, *, today: date) -> tuple[str, str]:
    """Return (identifier kind, normalised identifier) or raise IdentifierError with the reason.
    `today` is the day in Asia/Shanghai (the caller reads the clock; this module does not)."""
    _check_today(today)
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
    return "id_number", validate_id_number(id_number, today=today)

