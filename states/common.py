"""Transitions every procedure shares. A stored notice is immutable (RULES §8): an error in it is
put right by a new notice that cites the old one, numbered, logged and hash-chained like any other."""

from __future__ import annotations

from .spec import Input, Notice, State, Transition


def correction(series: str, states: tuple[State, ...]) -> Transition:
    """`correct_notice` (handler): issue a correction notice (更正通知书) citing an earlier notice of the case.

    Allowed in every state, final ones included; it changes no state and no deadline. The service
    fills `corrected_title` and `corrected_issued_on` from the stored notice."""
    return Transition(
        trigger="correct_notice", source=tuple(s.name for s in states), dest=None, role="handler",
        label="更正已发文书", notice=Notice("common/correction.html.j2", "文书更正通知书", series, "subject"),
        inputs=(Input("notice", "str", label="被更正文书的文号"), Input("correction", "text", label="更正内容"),
                Input("corrected_title", "str", label="被更正文书的标题"),
                Input("corrected_issued_on", "date", label="被更正文书的印发日期")),
    )
