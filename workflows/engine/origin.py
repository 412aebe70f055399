"""Who may fire a transition: nobody forges the clock.

A deadline's expiry decides for or against the subject by itself, so only the sweep fires it, only
through the timer's own `on_expiry` and only once it is due. Transitions fired by another case (a
declared link, opening or notification) are the system's too. `system` is never a person's name.
"""

from __future__ import annotations

from calendars import SHANGHAI
from states.spec import PUBLIC_ACTOR, RECOMPUTE_TRIGGER, REMINDER_TRIGGER, Transition

from .. import clock
from ..errors import Refused as RefusedError

SYSTEM_ACTOR = "system"
CLOCK_ARTICLE = ("creditflow policy: 期限届满、到期提醒和期限重算只由系统按日历自动处理，"
                 "任何人不得代为触发")
PUBLIC_ARTICLE = "河南省医疗保障基金使用信用管理办法 Art. 41（公示期间的异议）；creditflow policy: 公众异议只经公示栏受理"


def check_origin(candidates: list[Transition], req, timer_rows) -> None:
    """Refuse a system transition not fired by the clock (or another case), an expiry through the wrong
    trigger or before it is due, and a person acting as `system`. Refusals change nothing."""
    if (req.actor.casefold() == PUBLIC_ACTOR) != req.from_the_board:
        # the board's account is the public board's alone: no person (nor the clock) acts in the public's name
        raise RefusedError("“public”是公示栏受理公众异议所用的账户，不是用户，不能以其名义办理；"
                           "公众异议请经公示栏提交，工作人员登记异议请以本人用户名办理（--as 用户名）",
                           code="PUBLIC-ACTOR", article=PUBLIC_ARTICLE)
    if not req.from_the_clock:
        if req.actor.casefold() == SYSTEM_ACTOR:
            raise RefusedError("“system”是系统定时任务的执行者，不是用户，不能以其名义办理；请以本人用户名办理（--as 用户名）",
                               code="CLOCK-ACTOR", article=CLOCK_ARTICLE)
        if candidates and all(t.role == "system" for t in candidates):
            raise RefusedError(f"“{candidates[0].label}”只能由系统在期限届满时自动处理，不能人工触发；"
                               "到期事项由定时任务（creditflow sweep）处理",
                               code="CLOCK-SYSTEM-TRIGGER", article=CLOCK_ARTICLE)
        return
    if req.actor != SYSTEM_ACTOR or any(t.role != "system" for t in candidates):
        raise RefusedError(f"{req.trigger}：系统触发只用于系统操作", code="CLOCK-ORIGIN", article=CLOCK_ARTICLE)
    now = clock.now()
    by_id = {r.id: r for r in timer_rows}
    if req.fired_timer is not None:
        timer = by_id.get(req.fired_timer)
        if timer is None or timer.on_expiry != req.trigger:
            raise RefusedError(f"{req.trigger} 不是该期限届满时的处理", code="CLOCK-WRONG-TIMER", article=CLOCK_ARTICLE)
        if timer.ends_at > now:
            raise RefusedError(f"期限 {timer.name} 至 {timer.ends_at.astimezone(SHANGHAI).isoformat()} 才届满，现在不能按届满处理",
                               code="CLOCK-NOT-DUE", article=CLOCK_ARTICLE)
    if req.fired_reminder is not None:
        timer = by_id.get(req.fired_reminder)
        if timer is None or req.trigger != REMINDER_TRIGGER:
            raise RefusedError(f"{req.trigger} 不是到期提醒", code="CLOCK-WRONG-TIMER", article=CLOCK_ARTICLE)
        if timer.remind_at is not None and timer.remind_at > now:
            raise RefusedError(f"期限 {timer.name} 的提醒至 {timer.remind_at.astimezone(SHANGHAI).isoformat()} 才到期",
                               code="CLOCK-NOT-DUE", article=CLOCK_ARTICLE)
    if req.recompute_timer is not None and req.trigger != RECOMPUTE_TRIGGER:
        raise RefusedError(f"{req.trigger} 不是期限重算", code="CLOCK-WRONG-TIMER", article=CLOCK_ARTICLE)
