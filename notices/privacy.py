"""The one masking rule (Henan measure Art. 4, 28; docs/rules.md §1.3 "Privacy").

A notice meant for the public (公示, lists) or sent to a third party masks personal names and
personal ID numbers; only the subject's own notices, the department's internal records (which
never leave the file) and the notices to an `authority` carry them in full. An authority (公安机关、
检察机关、纪检监察机关) receives a case transferred to it: the transfer letter names the suspect and
the ID number in full (行政执法机关移送涉嫌犯罪案件的规定 Art. 6), and the receiving body is bound by
its own secrecy rules. Institutions are not masked: their name and unified social credit code are
public by law (GB 32100-2015).

Templates never test the audience themselves: they show a subject through the base layout's
``party()`` macro (which calls `party_view`) and any other person through the ``person_name`` /
``person_id`` filters with the notice's audience. `tests/test_notices.py` renders every template
for the public audience and checks that no full name or ID number survives.
"""

from __future__ import annotations

from collections.abc import Mapping

MASKED_AUDIENCES = frozenset({"public", "third_party"})


def needs_masking(audience: str) -> bool:
    """The public and third parties see personal data masked; the subject, the file (internal, approvers,
    handlers) and an authority a case is transferred to see it in full."""
    return audience in MASKED_AUDIENCES


def mask_id(value: str | None) -> str:
    """Resident ID and similar numbers: keep the first 4 and last 4, e.g. 4101**********123X."""
    value = value or ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str | None) -> str:
    """A person's name: keep the surname (first character), e.g. 张三丰 → 张**."""
    value = value or ""
    if len(value) <= 1:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 1)


def person_name(value: str | None, audience: str) -> str:
    """A natural person's name as a notice for `audience` may show it."""
    return mask_name(value) if needs_masking(audience) else (value or "")


def person_id(value: str | None, audience: str) -> str:
    """A natural person's ID number as a notice for `audience` may show it."""
    return mask_id(value) if needs_masking(audience) else (value or "")


def party_view(subject: Mapping, audience: str) -> dict:
    """What a notice for `audience` shows of a credit subject: name, identifier and its label."""
    if not subject["is_person"]:
        return {"name": subject["name"], "identifier": subject["identifier"], "identifier_label": "统一社会信用代码",
                "masked": False}
    return {"name": person_name(subject["name"], audience), "identifier": person_id(subject["identifier"], audience),
            "identifier_label": "公民身份号码", "masked": needs_masking(audience)}
