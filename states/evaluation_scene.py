"""The demo bureau's evaluation results (`creditflow demo`): the scene of states/evaluation.py.

Pure: it plans steps on the stage workflows/demo.py hands it (`SCENE(stage)`) and never touches the
database; the stage plays every scene's steps in time order through the real services. W(n) is the
n-th working day before the demo's today; windows are 15 working days (Henan measure Art. 26).

Results that no objection touches (objections play theirs in states/objection_scene.py):

* final: the window ended at W(30) without objection; the sweep of W(22) made the result final;
* a person's result, not published (Art. 29): told in writing on W(15), served on W(13); its window
  runs from service (policy `objection_window_from_service_for_persons`) and ends at W(-2): due soon;
* published, the window ended at W(1): due for the next sweep;
* a person's result told in writing on W(2) and not yet served: its window has not started.
"""

from __future__ import annotations

KIND = "evaluation"


def publish(stage, key: str, n: int, score: str, note: str, *, hm: str = "09:00", served: int | bool = True,
            actor: str = "zhangmin"):
    """The result for last year of subject `key`, issued at W(n) hh:mm (a year's results come out during the next).

    A person's result is not published but served on them (`stage.serve`): in person the same day when
    `served` is True, at W(served) 10:00 when it is a day, not yet when it is False. An institution's is
    published; `served` does not apply to it."""
    subject = stage.subject(key)
    with stage.at(n, hm):
        case = stage.open(KIND, actor, {"year": stage.day(n).year - 1, "score": score}, subject=subject, note=note)
        if subject.person and served is True:
            stage.serve(case, "direct", stage.day(n), actor)
    if subject.person and served is not True and served is not False:
        with stage.at(served, "10:00"):
            stage.serve(case, "direct", stage.day(served), actor)
    return case


def SCENE(stage) -> None:
    publish(stage, "first_hospital", 45, "92.5", "异议期届满无异议，结果已确定（A级）")
    publish(stage, "qianqi", 15, "88", "评价结果书面告知，送达后异议期起算，即将届满", served=13)
    publish(stage, "huimin", 16, "81", "已公布，异议期已届满（待定时任务确定结果）")
    publish(stage, "zhoujiu", 2, "75", "评价结果已书面告知，尚未送达，异议期尚未起算", served=False)
