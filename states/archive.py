"""The credit archive (信用档案) and its disclosure periods: Henan measure Art. 10, 30-31.

An archive entry is one of five kinds: basic information (基础信息, registration data: long-term),
good information (守信信息: an A or B grade, 1 year), bad information (不良信息: a D grade or a
失信 determination, 6 months to 1 year, never shorter than a related administrative penalty's term),
an evaluation result that is neither (a C grade: kept until the next year's result supersedes
it), and a supervision record (监管记录: an interview record 约谈记录 written by `record_interview` of
states/rectification.py; Hongqiao plan §19 "将约谈记录记入失信主体信用记录"; long-term like basic
information, not published; the repair and evaluation procedures see it in the subject's archive and
the case behind it through `ctx.subject_cases("rectification")`). Entries are append-only: a
correction is a new entry that supersedes the old one, and a status change (superseded, disputed,
withdrawn) is a new status row that refers to the entry. An entry is *in use* while it has no such
status and its disclosure period has not ended (Art. 31: information past its period must not be
used); every reader sees only entries in use.
"""

from __future__ import annotations

from datetime import date

from calendars.periods import add_months

from .policy import HENAN, SEVERITIES

KINDS = {"basic": "基础信息", "good": "守信信息", "bad": "不良信息", "evaluation": "信用评价结果",
         "supervision": "监管记录"}
STATUSES = {"superseded": "已被更正或取代", "disputed": "异议处理中（暂停使用）",
            "dispute_closed": "异议处理完毕，恢复使用", "withdrawn": "已撤销"}
# Statuses that take an entry out of use (a dispute does until a later `dispute_closed` row ends it, or a
# new entry supersedes the disputed one).
OUT_OF_USE = ("superseded", "disputed", "withdrawn")
DISCLOSURE_ARTICLE = f"{HENAN} Art. 30"


class DisclosureError(ValueError):
    """A disclosure period outside the bounds of Art. 30."""


def bad_disclosure_bounds(policy, severity: str = "general", penalty_term_months: int | None = None) -> tuple[int, int]:
    """The months a 失信 record of `severity` may be disclosed under `policy` (the profile in force on its
    determination day): the profile's bounds (Henan Art. 30(3): 6 months to 1 year; the national classes
    from 2026-04-01), and never for less than the related administrative penalty's term (so a longer
    penalty lengthens the upper bound too)."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    lower = max(policy[f"bad_disclosure_min_months_{severity}"], penalty_term_months or 0)
    upper = max(policy[f"bad_disclosure_max_months_{severity}"], penalty_term_months or 0)
    return lower, upper


def check_bad_disclosure(months: int, penalty_term_months: int | None = None, *, policy=None,
                         severity: str = "general") -> int:
    """Refuse a disclosure period outside `bad_disclosure_bounds` (default policy: the Henan measure as written)."""
    if policy is None:
        from .policy import DEFAULT_POLICY as policy
    lower, upper = bad_disclosure_bounds(policy, severity, penalty_term_months)
    if not isinstance(months, int) or isinstance(months, bool) or not lower <= months <= upper:
        bound = f"{lower}至{upper}个月" + (f"（不得低于相关行政处罚期限{penalty_term_months}个月）" if penalty_term_months else "")
        source = policy.source(f"bad_disclosure_max_months_{severity}")
        raise DisclosureError(f"不良信息（失信程度：{SEVERITIES[severity]}）公开期限应为{bound}，{months!r}个月不在此范围内（{source}）")
    return months


def check_good_disclosure(months: int) -> int:
    """Art. 30(2): good information is disclosed for 1 year in general (一般为1年); the collecting
    department fixes it (our bounds: 1 to 12 months, never longer than the year the measure names)."""
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 12:
        raise DisclosureError(f"守信信息公开期限一般为1年，{months!r}个月不可采用（{DISCLOSURE_ARTICLE}第一款第二项）")
    return months


def disclosed_until(kind: str, determined_on: date, months: int | None) -> date | None:
    """The last day of an entry's disclosure period: `months` months from the determination day (Civil
    Code Art. 202: the corresponding day, or the month's last day); None for long-term entries."""
    if kind not in KINDS:
        raise ValueError(f"unknown archive kind {kind!r}")
    if kind in ("basic", "evaluation", "supervision"):
        return None
    if months is None:
        raise ValueError(f"a {kind} entry needs its disclosure period")
    return add_months(determined_on, months)


def current_statuses(rows) -> set[str]:
    """An entry's statuses now, from its status rows in the order written: a `dispute_closed` ends the
    dispute before it."""
    out: set[str] = set()
    for status in rows:
        if status == "dispute_closed":
            out.discard("disputed")
        else:
            out.add(status)
    return out


def in_use(disclosure_until: date | None, statuses: set[str], today: date) -> bool:
    """Art. 31: an entry is used only while nothing took it out of use and its period has not ended."""
    if statuses & set(OUT_OF_USE):
        return False
    return disclosure_until is None or today <= disclosure_until
