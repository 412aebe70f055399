"""A living demo bureau (issue 7): `fill_demo` fills an empty database with a clearly labelled,
fictitious prefecture bureau whose cases are dated relative to `today`.

Everything goes through the real services, acting at past instants (`clock.frozen_at`), so every
notice, log row, timer and archive entry is what the system itself would have written; the audit
trail verifies. Dates are counted on the deployment's working calendar (`services.engine.calendar`):
"W(n)" below is the n-th working day before `today` (W(0): `today` if it is a working day, else
the last working day before it), so the story keeps its shape across weekends, the Spring Festival
and make-up working days.

The story (15 subjects, 15 evaluations, 12 objections; every objection state is present):

* evaluations final after their window (swept), final after an objection, under objection,
  published with the window open for weeks, published with the window ending within 2 working
  days, and one whose window ended yesterday and is due for the sweep;
* objections received, asked to complete their material (补正), under review (one due within 2 working days, one overdue and flagged
  督办 by an earlier sweep), suspended for expert review, proposed to be upheld (its handling
  period ended yesterday: overdue, left for the sweep), proposed to be dismissed, upheld after a
  returned proposal, dismissed, refused for form, refused as late (视为无异议), withdrawn.

The simulated deadline sweeps last ran in the small hours of W(3), as after a few days of downtime:
timers due since then are left running on purpose, for the sweep of whoever calls (`creditflow
serve` sweeps at start-up; or `creditflow sweep`). The summary names them.

Demo users (pinyin user names; the users table holds only the user name and roles):
zhangmin 张敏 and liuyang 刘洋 (handlers, 信用管理科经办人), wangfang 王芳 (approver, 科长),
zhougang 周刚 (handler and approver, 副科长), zhaolei 赵磊 (auditor, read only).

Subjects are fictitious: names say 示例 or are the placeholder names 张三、李四、王五、赵六、钱七;
identifiers use the unassigned division code 419900 and carry valid check characters (GB 32100-2015
USCC with a GB 11714 organization code inside; GB 11643-1999 resident ID numbers).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable

from sqlalchemy import func, inspect, select

from calendars import SHANGHAI, WorkingCalendar
from states.identifiers import SUBJECT_TYPES, id_check_digit, uscc_check_char

from . import clock
from .errors import BadInput, CreditflowError
from .store.tables import cases, notices, subjects, timers, users

DEPARTMENT = {
    "department_name": "示例市医疗保障局（演示数据）",
    "number_prefix": "示医保",
    "reconsideration_body": "示例市人民政府",
    "court": "示例市城区人民法院",
}
DEMO_DIVISION = "419900"  # fictitious: 41 is Henan, 9900 is no assigned division

USERS = (
    ("zhangmin", "张敏", ("handler",), "信用管理科经办人"),
    ("liuyang", "刘洋", ("handler",), "信用管理科经办人"),
    ("wangfang", "王芳", ("approver",), "信用管理科科长"),
    ("zhougang", "周刚", ("handler", "approver"), "信用管理科副科长"),
    ("zhaolei", "赵磊", ("auditor",), "审计监督人员（只读）"),
)

DUE_SOON_WORKING_DAYS = 3
_SWEEPS_AT = (22, 3)  # W(n) 00:05: the simulated nightly sweeps that ran before the "downtime"


# -- identifiers ----------------------------------------------------------------------------------------

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(first8: str) -> str:
    """GB 11714-1997 organization code check character (the 9th character, positions 9-17 of a USCC)."""
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def demo_uscc(registry: str, org8: str) -> str:
    """A USCC in the demo division: registry and category (e.g. 12 public institution, 91 company)."""
    first17 = registry + DEMO_DIVISION + org8 + org_code_check(org8)
    return first17 + uscc_check_char(first17)


def demo_id_number(birth: str, sequence: str) -> str:
    """A resident ID number in the demo division; an odd sequence is a man, an even one a woman."""
    first17 = DEMO_DIVISION + birth + sequence
    return first17 + id_check_digit(first17)


@dataclass(frozen=True)
class _Subject:
    key: str
    name: str
    type: str
    uscc: str | None = None
    id_number: str | None = None


SUBJECTS = (
    _Subject("first_hospital", "示例市第一人民医院", "hospital", uscc=demo_uscc("12", "41990001")),
    _Subject("tcm_hospital", "示例市中医院", "hospital", uscc=demo_uscc("12", "41990002")),
    _Subject("second_hospital", "示例市第二人民医院", "hospital", uscc=demo_uscc("12", "41990003")),
    _Subject("kangning", "示例市康宁医院有限公司", "hospital", uscc=demo_uscc("91", "MA9X0K1N")),
    _Subject("county_hospital", "示例县人民医院", "hospital", uscc=demo_uscc("12", "41990105")),
    _Subject("baicaotang", "示例市百草堂大药房有限公司", "pharmacy", uscc=demo_uscc("91", "MA9X0B2C")),
    _Subject("renhe", "示例市仁和药店", "pharmacy", uscc=demo_uscc("92", "MA9X0R3H")),
    _Subject("huimin", "示例市惠民大药房连锁有限公司第三分店", "pharmacy", uscc=demo_uscc("91", "MA9X0H4M")),
    _Subject("hongda", "示例市宏达机械制造有限公司", "employer", uscc=demo_uscc("91", "MA9X0D5A")),
    _Subject("agency", "示例市健保通医疗费用审核服务有限公司", "agency", uscc=demo_uscc("91", "MA9X0J6B")),
    _Subject("zhangsan", "张三", "practitioner", id_number=demo_id_number("19780512", "031")),
    _Subject("lisi", "李四", "practitioner", id_number=demo_id_number("19850923", "042")),
    _Subject("wangwu", "王五", "practitioner", id_number=demo_id_number("19910307", "064")),
    _Subject("zhaoliu", "赵六", "insured", id_number=demo_id_number("19620118", "015")),
    _Subject("qianqi", "钱七", "insured", id_number=demo_id_number("19990630", "028")),
)
SUBJECT_BY_KEY = {subj.key: subj for subj in SUBJECTS}

MATERIALS = {  # what each kind of subject encloses with its written objection (Art. 25, form 附件1)
    "institution": "信用评价结果异议申请表,营业执照（执业许可证）复印件,法定代表人授权委托书",
    "person": "信用评价结果异议申请表,居民身份证复印件",
}


# -- the working-day ladder -------------------------------------------------------------------------------

def working_days_back(cal: WorkingCalendar, today: date, count: int) -> list[date]:
    """[W(0), W(1), ..., W(count)]: W(0) is `today` if it is a working day, else the last one before it."""
    day = today
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    ladder = [day]
    while len(ladder) <= count:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            ladder.append(day)
    return ladder


class _Story:
    """Steps at W(n) hh:mm, run in time order, each inside `clock.frozen_at` of its instant."""

    def __init__(self, services, today: date):
        self.services = services
        self.cal = services.engine.calendar
        self.today = today
        self.ladder = working_days_back(self.cal, today, 60)
        self.steps: list[tuple[datetime, int, Callable[[], None]]] = []
        self.subject_ids: dict[str, int] = {}
        self.evaluations: dict[str, int] = {}
        self.years: dict[str, int] = {}
        self.objections: dict[str, int] = {}
        self.notes: dict[int, str] = {}

    def day(self, n: int) -> date:
        return self.ladder[n]

    def at(self, n: int, hm: str) -> datetime:
        return datetime.combine(self.day(n), time.fromisoformat(hm), tzinfo=SHANGHAI)

    def on(self, n: int, hm: str, step: Callable[[], None]) -> None:
        self.steps.append((self.at(n, hm), len(self.steps), step))

    # -- what people (and the nightly sweep) did -----------------------------------------------------

    def publish(self, key: str, n: int, hm: str, score: str, note: str) -> None:
        year = self.years[key] = self.day(n).year - 1  # a year's results are published during the next

        def step():
            out = self.services.cases.open("evaluation", "zhangmin", {"year": year, "score": score},
                                           subject=str(self.subject_ids[key]))
            if SUBJECT_BY_KEY[key].id_number:  # a person's result is not published: served in person the same day
                self.services.documents.serve(out["notice"], "direct", self.day(n), "zhangmin")
            self.evaluations[key] = out["case_id"]
            self.notes[out["case_id"]] = note
        self.on(n, hm, step)

    def object(self, key: str, n: int, hm: str, received: int, actor: str, note: str, *, grounds: str = "1,2",
               evidence: str = "", reason: str = "", bare: bool = False) -> None:
        """An objection received on W(received), registered at W(n) hh:mm; `bare`: no reason, no material."""
        kind = "person" if SUBJECT_BY_KEY[key].id_number else "institution"
        materials = "" if bare else ",".join(m for m in (MATERIALS[kind], evidence) if m)

        def step():
            inputs = {"grounds": grounds, "received": self.day(received).isoformat(), "materials": materials,
                      "reason": "" if bare else reason.format(year=self.years[key])}
            out = self.services.cases.open("objection", actor, inputs, parent=self.evaluations[key])
            self.objections[key] = out["case_id"]
            self.notes[out["case_id"]] = note
        self.on(n, hm, step)

    def act(self, key: str, n: int, hm: str, trigger: str, actor: str, **inputs) -> None:
        self.on(n, hm, lambda: self.services.cases.act(self.objections[key], trigger, actor, inputs))

    def sweep(self, n: int) -> None:
        def step():
            out = self.services.sweep.run_once(self.at(n, "00:05"))
            trouble = out.get("skipped") or out.get("failed")
            if trouble:  # the story after it would not be the one told: stop here
                raise CreditflowError(f"the demo's deadline sweep of {self.day(n)} did not run cleanly: {trouble}")
        self.on(n, "00:05", step)

    def run(self) -> None:
        for instant, _, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            with clock.frozen_at(instant):
                step()


def _plan(s: _Story) -> None:
    """The demo story; see the module docstring. Windows and handling periods are 15 working days."""
    # Final: the window ended without objection (W(30)); the sweep of W(22) made it final.
    s.publish("first_hospital", 45, "09:00", "92.5", "异议期届满无异议，结果已确定（A级）")

    # Upheld: a dismissal proposal was returned by the approver, then the objection was upheld (C → B).
    s.publish("tcm_hospital", 40, "09:00", "76", "异议成立，评价结果已更正为82分（B级）")
    s.object("tcm_hospital", 30, "10:00", received=31, actor="zhangmin", note="异议成立（拟办意见曾被退回重审）",
             evidence="退款凭证,结算明细对账单",
             reason="评价扣分所依据的“重复收取静脉输液费”98条结算明细已于{year}年6月30日前全额退回医保基金")
    s.act("tcm_hospital", 29, "09:30", "accept", "zhangmin")
    s.act("tcm_hospital", 24, "15:00", "propose_dismiss", "zhangmin",
          findings="经核查，扣分事实清楚，异议理由不成立")
    s.act("tcm_hospital", 23, "10:00", "return", "wangfang",
          reason="申请人提交的退款凭证未予核对，请核实退款是否在评价周期内完成后重新提出意见")
    s.act("tcm_hospital", 21, "16:00", "propose_uphold", "zhangmin", score="82",
          findings="经与医保经办机构核对，98条明细已于评价周期内全额退回，相应扣分应予撤销")
    s.act("tcm_hospital", 20, "10:30", "approve", "wangfang")

    # Late objection: the window of this result ended at W(25) and the W(22) sweep made it final.
    s.publish("hongda", 40, "09:20", "72", "异议期届满无异议，结果已确定；逾期异议不予受理")
    s.object("hongda", 19, "10:00", received=20, actor="liuyang", note="超过异议期，视为无异议，不予受理",
             grounds="2", evidence="缴费基数核定表", reason="对缴费基数核查结论有异议")

    # Dismissed, decided by the deputy head (four eyes: not the handler who proposed it).
    s.publish("baicaotang", 38, "09:00", "65.5", "异议不成立，评价结果已确定（D级）")
    s.object("baicaotang", 29, "11:00", received=29, actor="liuyang", note="异议不成立",
             evidence="收银系统故障报修记录", reason="串换药品系收银系统故障所致，非主观故意")
    s.act("baicaotang", 28, "10:00", "accept", "liuyang")
    s.act("baicaotang", 22, "15:30", "propose_dismiss", "liuyang",
          findings="收银系统日志显示相关交易系人工录入，异议理由不能成立")
    s.act("baicaotang", 21, "09:30", "approve", "zhougang")

    # Refused for form: no reason and no supporting material, not supplied after being asked.
    s.publish("zhangsan", 36, "09:00", "68", "异议不予受理（形式不符），结果已确定（D级）")
    s.object("zhangsan", 27, "14:00", received=27, actor="liuyang", note="不符合书面申请形式要求，不予受理",
             grounds="2", bare=True)
    s.act("zhangsan", 22, "10:00", "refuse", "liuyang",
          reason="异议申请未附理由及证明材料，经两次电话告知补正，申请人逾期未补正")

    # Withdrawn in writing.
    s.publish("renhe", 33, "09:00", "79.5", "异议已撤回，结果已确定（C级）")
    s.object("renhe", 25, "10:00", received=26, actor="zhangmin", note="申请人书面撤回异议",
             grounds="1", evidence="处方数量统计表", reason="评价所列“超量开药”一项的处方数量统计有误")
    s.act("renhe", 24, "09:30", "accept", "zhangmin")
    s.act("renhe", 18, "14:00", "withdraw", "zhangmin",
          statement="申请人提交书面撤回申请，称经与医保经办机构核对，处方数量统计无误")

    # Under review, handling period ended at W(6): the W(3) sweep flagged it overdue (督办).
    s.publish("second_hospital", 32, "09:00", "74", "异议处理中")
    s.object("second_hospital", 20, "11:00", received=21, actor="zhangmin", note="审查中，处理期限已届满，已督办",
             evidence="12例病历摘要",
             reason="评价所扣“分解住院”一项中，12例病例系病情变化确需再次入院")
    s.act("second_hospital", 19, "09:30", "accept", "zhangmin")

    # Under review, received on the last day of the window: handling period ends at W(-2).
    s.publish("kangning", 28, "09:00", "69", "异议处理中（异议于异议期最后一日收到）")
    s.object("kangning", 12, "09:30", received=13, actor="liuyang", note="审查中，处理期限即将届满",
             evidence="护理记录,费用清单", reason="评价认定的“挂床住院”病例均有护理记录和费用清单为证")
    s.act("kangning", 12, "15:00", "accept", "liuyang")

    # Suspended for expert review (Art. 26: not counted in the handling period).
    s.publish("lisi", 18, "09:00", "66", "异议处理中")
    s.object("lisi", 8, "14:00", received=8, actor="zhangmin", note="专家评审期间中止计算处理期限",
             evidence="处方及医师签字的临床用药说明",
             reason="被认定为超适应症调配的处方，均有医师签字确认的临床用药依据")
    s.act("lisi", 7, "10:00", "accept", "zhangmin")
    s.act("lisi", 5, "16:00", "suspend", "zhangmin", reason="expert_review")

    # Proposed to be upheld, awaiting the approver; the handling period ended at W(1): due for the sweep.
    s.publish("zhaoliu", 26, "09:00", "60", "异议处理中")
    s.object("zhaoliu", 16, "15:00", received=16, actor="liuyang", note="拟认定异议成立，待审核；处理期限已届满（待督办）",
             grounds="1", evidence="外地住院病历",
             reason="被认定冒名就医的3次门诊记录发生时本人在外地住院，附住院病历")
    s.act("zhaoliu", 15, "11:00", "accept", "liuyang")
    s.act("zhaoliu", 3, "10:00", "propose_uphold", "liuyang", score="85",
          findings="经调取外地住院病历及就诊监控，3次门诊记录系他人冒用医保凭证，相应扣分应予撤销")

    # Proposed to be dismissed by the deputy head; another approver must decide.
    s.publish("agency", 20, "09:00", "77", "异议处理中")
    s.object("agency", 8, "10:00", received=9, actor="zhougang", note="拟认定异议不成立，待审核",
             evidence="医疗费用审核服务协议", reason="审核差错率统计口径与服务协议约定不一致")
    s.act("agency", 7, "09:30", "accept", "zhougang")
    s.act("agency", 2, "15:00", "propose_dismiss", "zhougang",
          findings="审核差错率按服务协议附件3约定口径统计，异议理由不成立")

    # Received yesterday's post, registered today's morning: awaiting the form check.
    s.publish("wangwu", 10, "09:00", "70.5", "异议处理中")
    s.object("wangwu", 1, "10:30", received=2, actor="zhangmin", note="已登记，待形式审查",
             grounds="1,5", evidence="整改情况报告",
             reason="被扣分的护理记录书写问题已于{year}年底全部整改完毕")

    # Received without reason or material: asked to complete it within 5 working days (ends at W(-4)).
    s.publish("county_hospital", 2, "09:00", "90", "已公布，异议期内；异议材料待补正")
    s.object("county_hospital", 1, "10:00", received=1, actor="liuyang", note="异议材料不全，已通知补正",
             grounds="1", bare=True)
    s.act("county_hospital", 1, "15:00", "request_completion", "liuyang",
          missing="异议理由说明及相关证明材料（信用评价结果异议申请表第三栏未填写，未附证明材料）")

    # Published, window open: ends at W(-2) (due soon), at W(1) (over, due for the sweep).
    s.publish("qianqi", 13, "09:00", "88", "已公布，异议期即将届满")
    s.publish("huimin", 16, "09:00", "81", "已公布，异议期已届满（待定时任务确定结果）")

    for n in _SWEEPS_AT:
        s.sweep(n)


# -- the use case ----------------------------------------------------------------------------------------------

def _refuse_unless_empty(services) -> None:
    """Refuse, changing nothing, unless the store holds no cases and no subjects (or has no schema yet)."""
    insp = inspect(services.db)
    if not insp.has_table("cases"):
        return
    with services.db.connect() as conn:
        n_cases = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        n_subjects = conn.execute(select(func.count()).select_from(subjects)).scalar_one()
        existing = {r.name: set(r.roles.split(",")) for r in conn.execute(select(users))}
    if n_cases or n_subjects:
        raise BadInput(f"the database already holds {n_cases} case(s) and {n_subjects} subject(s); the demo bureau "
                       "is filled only into an empty database, and nothing was changed "
                       "(use a fresh CREDITFLOW_HOME or CREDITFLOW_DATABASE_URL)", code="not_empty")
    clash = [(name, roles) for name, _, roles, _ in USERS if name in existing and not set(roles) <= existing[name]]
    if clash:
        wanted = "; ".join(f"{name} as {'+'.join(roles)}" for name, roles in clash)
        raise BadInput(f"demo user(s) exist already with other roles (the demo needs {wanted}); nothing was changed",
                       code="not_empty")


def fill_demo(services, today: date | None = None) -> dict:
    """Fill an empty database with the demo bureau as of `today` (default: the clock's today); a summary.

    Refuses with BadInput, changing nothing, when the database holds cases or subjects. Otherwise
    runs `init` with the demo department (relabelling an initialised but empty deployment), adds the
    demo users and subjects, and plays the story through the services. Timers due since the last
    simulated sweep are left running: the summary lists them under `overdue` (`due_for_sweep`)."""
    today = today or clock.today()
    _refuse_unless_empty(services)
    story = _Story(services, today)  # computes the ladder first: a date outside the calendar fails here
    init = services.deployment.init(**DEPARTMENT)
    present = {u["name"] for u in services.deployment.list_users()}
    for name, _, roles, _ in USERS:
        if name not in present:
            services.deployment.add_user(name, list(roles))
    for subj in SUBJECTS:
        story.subject_ids[subj.key] = services.deployment.add_subject(subj.name, subj.type, subj.uscc,
                                                                      subj.id_number)["id"]
    _plan(story)
    story.run()
    return _summary(services, story, init["deployment"])


def _summary(services, story: _Story, deployment: dict) -> dict:
    cal, today = story.cal, story.today
    soon_limit = cal.nth_working_day_after(today, DUE_SOON_WORKING_DAYS)
    names = {story.subject_ids[subj.key]: subj.name for subj in SUBJECTS}
    with services.db.connect() as conn:
        case_rows = conn.execute(select(cases).order_by(cases.c.id)).all()
        timer_rows = conn.execute(select(timers).order_by(timers.c.last_day, timers.c.case_id)).all()
        n_notices = conn.execute(select(func.count()).select_from(notices)).scalar_one()
    by_id = {c.id: c for c in case_rows}
    by_kind: dict[str, Counter] = {}
    for c in case_rows:
        by_kind.setdefault(c.kind, Counter())[c.state] += 1

    def entry(t) -> dict:
        c = by_id[t.case_id]
        return {"case_id": c.id, "kind": c.kind, "state": c.state, "subject": names.get(c.subject_id),
                "timer": t.name, "status": t.status, "last_day": t.last_day.isoformat(),
                "ends_at": t.ends_at.astimezone(SHANGHAI).isoformat()}

    due_soon, overdue = [], []
    for t in timer_rows:
        if t.status == "running" and today <= t.last_day <= soon_limit:
            after = cal.working_days_in(today + timedelta(days=1), t.last_day + timedelta(days=1))
            due_soon.append({**entry(t), "working_days_after_today": after})
        elif t.status == "running" and t.last_day < today:
            overdue.append({**entry(t), "flagged": by_id[t.case_id].overdue, "due_for_sweep": True})
        elif t.status == "fired" and by_id[t.case_id].overdue:
            overdue.append({**entry(t), "flagged": True, "due_for_sweep": False})
    subject_types = Counter(subj.type for subj in SUBJECTS)
    return {
        "demo": True,
        "today": today.isoformat(),
        "department": deployment,
        "users": [{"name": n, "display_name": d, "roles": list(r), "post": p} for n, d, r, p in USERS],
        "subjects": {"total": len(SUBJECTS), "by_type": dict(subject_types),
                     "type_labels": {k: SUBJECT_TYPES[k] for k in subject_types}},
        "cases": {"total": len(case_rows), "by_kind": {k: dict(sorted(v.items())) for k, v in by_kind.items()}},
        "notices": n_notices,
        "last_sweep": story.at(_SWEEPS_AT[-1], "00:05").isoformat(),
        "due_soon": due_soon,
        "overdue": overdue,
        "stories": [{"case_id": c.id, "kind": c.kind, "state": c.state, "parent": c.parent_id,
                     "subject": names.get(c.subject_id), "note": story.notes.get(c.id, "")} for c in case_rows],
    }
