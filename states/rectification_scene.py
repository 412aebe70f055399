"""The demo bureau's interview-and-rectification cases (`creditflow demo`): the scene of states/rectification.py.

Pure: it plans steps on the stage workflows/demo.py hands it (`SCENE(stage)`) and never touches the
database. W(n) is the n-th working day before the demo's today; an interview notice goes out at least 3
working days before the interview, a rectification deadline is 15 working days, the statement-and-defence
period 5 (policy numbers). The bureau's sweeps (every ten working days until W(40), then W(22) and W(3))
fire the deadlines that ran out. Every rectification state is reached:

* opened: the D grades of the objection scene that became final opened warning-interview cases by themselves
  (their 失信 records did, states/record.py); and a violation registered at W(1), its interview not yet notified;
* interview notified: an interview ahead (beyond the next 3 working days); one whose day (W(6)) passed with
  nothing recorded, flagged 督办 to the handlers by the sweep of W(3); one held and recorded, the order to come;
* rectifying (one in its second round, after a failed verification); report received; a pass and a failure
  proposed, awaiting the approver;
* passed; awaiting the sanction after two failed rounds; in the defence period; a sanction proposed;
* sanctioned: a hospital's services suspended for 6 months after a no-show and a failed verification, the
  defence heard; an employer referred for an administrative penalty after two deadlines passed with no
  report and a defence period that ran out;
* ended: a D grade made final, then corrected to C on a timely objection (partly upheld): its 失信 record was
  corrected away and the case ended by itself.
"""

from __future__ import annotations

KIND = "rectification"

FINDINGS = {
    "excessive": "2025年第四季度超标准收取一次性医用耗材费用46笔，涉及医保基金1.38万元",
    "split": "2025年将27名参保人的住院分解为两次结算，涉及医保基金9.6万元",
    "records": "未按照规定保管处方、药品进销存记录，药品追溯码采集不全",
    "duplicate": "重复收取中药饮片加工费218人次",
    "substitution": "将自费药品串换为医保目录内药品结算37笔",
    "agency": "医疗费用审核服务中未按协议复核高额费用，差错率超过约定标准",
    "employer": "为12名非本单位职工虚构劳动关系参加职工医疗保险",
    "practitioner": "为未到诊的参保人开具诊疗项目处方6张",
    "lending": "将本人医疗保障凭证交由他人冒名使用2次",
    "resale": "利用享受医疗保障待遇的机会转卖药品",
    "lab": "2025年度检验项目重复收费1,260人次",
}
PLACE = "示例市医疗保障局三楼约谈室"
INSTITUTION = "法定代表人（主要负责人）及医保管理部门负责人"
PERSON = "本人"


def SCENE(stage) -> None:
    def at(n, hm, trigger, case, actor, **inputs):
        with stage.at(n, hm):
            stage.act(case, trigger, actor, inputs)

    def case(key: str, n: int, finding: str, note: str, *, level: str = "reminder", actor: str = "zhangmin"):
        inputs = {"reason": "violation", "facts": FINDINGS[finding], "level": level}
        with stage.at(n, "09:00"):
            return stage.open(KIND, actor, inputs, subject=stage.subject(key), note=note)

    def notify(c, n: int, interview, who: str = INSTITUTION, actor: str = "zhangmin", matters: str = ""):
        day = interview if not isinstance(interview, int) else stage.day(interview)
        at(n, "10:00", "notify_interview", c, actor, interview_on=day.isoformat(), place=PLACE, attendees=who,
           matters=matters or "通报检查发现的问题，听取情况说明，提出整改要求")

    def held(c, n: int, actor: str = "zhangmin", record: str = "被约谈方承认所列问题属实，表示立即整改，已退回部分违规费用"):
        at(n, "15:00", "record_interview", c, actor, record=record)

    def order(c, n: int, actor: str = "zhangmin", matters: str = "全额退回违规结算的医保基金，建立收费自查制度并提交整改报告"):
        at(n, "16:00", "order_rectification", c, actor, matters=matters)

    def report(c, n: int, actor: str = "zhangmin"):
        at(n, "10:00", "submit_report", c, actor, received=stage.day(n).isoformat())

    def round_held(c, notified: int, interview: int, ordered: int | None = None, **kw):
        notify(c, notified, interview, **kw)
        held(c, interview)
        order(c, ordered if ordered is not None else interview)

    # Passed: interviewed, ordered, the report verified and approved.
    c = case("first_hospital", 60, "excessive", "整改合格，已结案")
    round_held(c, 58, 54)
    report(c, 45)
    at(43, "10:00", "propose_pass", c, "zhangmin", findings="违规费用已全额退回，收费自查制度已建立并运行，现场抽查无同类问题")
    at(42, "10:00", "approve", c, "wangfang")

    # Sanctioned: a no-show, a second (warning) round failed on verification, the defence heard, services
    # suspended for 6 months (Order 735 Art. 38).
    c = case("second_hospital", 110, "split", "两轮约谈整改不合格，经陈述申辩，决定暂停相关责任部门医药服务6个月")
    notify(c, 108, 104)
    at(104, "16:00", "no_show", c, "zhangmin", note="经电话联系，该院称未安排人员到场")
    round_held(c, 100, 96)
    report(c, 85)
    at(84, "10:00", "propose_fail", c, "zhangmin", findings="抽查整改后的住院病历，仍有9例分解住院，违规费用未退回")
    at(83, "10:00", "approve", c, "wangfang")
    at(82, "10:00", "notify_defence", c, "zhangmin", sanction="suspend_service", months="6")
    at(79, "15:00", "record_defence", c, "zhangmin", received=stage.day(79).isoformat(),
       statement="该院书面申辩称分解住院系病情变化所致，请求从轻处理")
    at(76, "10:00", "propose_sanction", c, "zhangmin",
       findings="申辩所称病情变化与病历记载不符，申辩理由不成立；该院经两轮约谈整改拒不改正，依照条例第三十八条暂停住院部相关医药服务6个月")
    at(75, "10:00", "approve", c, "wangfang")

    # Sanctioned: two deadlines passed with no report (fired by the sweeps of W(100) and W(70)), the defence
    # period ran out (the sweep of W(60)), referred for an administrative penalty.
    c = case("hongda", 130, "employer", "两轮整改期限届满未提交整改报告，陈述申辩期满，转入行政处罚程序", level="warning",
             actor="liuyang")
    round_held(c, 128, 124, actor="liuyang")
    round_held(c, 99, 95, actor="liuyang")
    at(68, "10:00", "notify_defence", c, "liuyang", sanction="penalty_referral")
    at(59, "10:00", "propose_sanction", c, "liuyang", findings="该单位经两轮约谈整改，均逾期未提交整改报告，陈述申辩期限内未提出陈述申辩")
    at(58, "10:00", "approve", c, "zhougang")

    # Awaiting the sanction: two rounds, both failed on verification.
    c = case("kangning", 50, "lab", "两轮整改核查不合格，待拟定处理措施", level="warning")
    round_held(c, 48, 44)
    report(c, 35)
    at(33, "10:00", "propose_fail", c, "zhangmin", findings="重复收费的退费仅完成三成，收费系统未改造")
    at(32, "10:00", "approve", c, "wangfang")
    round_held(c, 30, 26)
    report(c, 14)
    at(13, "10:00", "propose_fail", c, "zhangmin", findings="收费系统仍未改造，抽查发现同类重复收费")
    at(12, "10:00", "approve", c, "wangfang")

    # Defence: two no-shows, the intended penalty referral notified at W(1) (5 working days: ends at W(-4)).
    c = case("agency", 20, "agency", "两轮未到场接受约谈，已告知拟转入行政处罚程序，陈述申辩期内", actor="liuyang")
    notify(c, 18, 14, actor="liuyang")
    at(14, "16:00", "no_show", c, "liuyang")
    notify(c, 12, 8, actor="liuyang")
    at(8, "16:00", "no_show", c, "liuyang", note="第二次约谈仍未到场，未说明理由")
    at(1, "10:00", "notify_defence", c, "liuyang", sanction="penalty_referral")

    # A sanction proposed: a no-show, then a deadline passed with no report (the sweep of W(22)), the defence
    # heard; suspension of the service agreement awaits the approver.
    c = case("jishitang", 60, "substitution", "拟暂停医保服务协议，待审核")
    notify(c, 58, 55)
    at(55, "16:00", "no_show", c, "zhangmin")
    notify(c, 50, 46)
    held(c, 46)
    order(c, 40)
    at(20, "10:00", "notify_defence", c, "zhangmin", sanction="suspend_agreement")
    at(16, "15:00", "record_defence", c, "zhangmin", received=stage.day(16).isoformat(),
       statement="该店书面陈述称已停止串换药品，请求不暂停服务协议")
    at(10, "10:00", "propose_sanction", c, "zhangmin", findings="该店逾期未提交整改报告，陈述所称停止串换药品无证据支持")

    # A pass proposed; a failure proposed; a report received; rectifying.
    c = case("tcm_hospital", 30, "duplicate", "拟认定整改合格，待审核")
    round_held(c, 28, 25)
    report(c, 12)
    at(2, "10:00", "propose_pass", c, "zhangmin", findings="重复收取的加工费已全额退回，收费项目已调整")
    c = case("huimin", 25, "records", "拟认定整改不合格，待审核", actor="liuyang")
    round_held(c, 23, 20, actor="liuyang")
    report(c, 8, actor="liuyang")
    at(4, "10:00", "propose_fail", c, "liuyang", findings="药品追溯码采集率仍不足六成，处方保管制度未落实")
    c = case("renhe", 24, "substitution", "已收到整改报告，待核查")
    round_held(c, 22, 18)
    report(c, 6)
    c = case("county_hospital", 15, "lab", "责令限期整改，整改期限内")
    round_held(c, 13, 10, ordered=9)
    # Rectifying in its second round: the first report failed verification.
    c = case("lisi", 30, "practitioner", "第一轮整改核查不合格，第二轮警示约谈后限期整改中", actor="liuyang")
    round_held(c, 28, 24, who=PERSON, actor="liuyang")
    report(c, 11, actor="liuyang")
    at(10, "10:00", "propose_fail", c, "liuyang", findings="整改报告未说明6张处方的退费情况")
    at(9, "10:00", "approve", c, "zhougang")
    round_held(c, 8, 5, ordered=4, who=PERSON, actor="liuyang")

    # Interview notified: one ahead; one whose day passed unrecorded (flagged 督办 by the sweep of W(3)); one
    # held and recorded, the order still to come.
    c = case("wangwu", 5, "practitioner", "已通知约谈，待约谈")
    notify(c, 2, stage.calendar.nth_working_day_after(stage.day(0), 6), who=PERSON)
    c = case("zhaoliu", 14, "lending", "约谈日期已过未登记约谈情况，已督办", actor="liuyang")
    notify(c, 10, 6, who=PERSON, actor="liuyang")
    c = case("qianqi", 12, "resale", "已约谈并记录，待责令限期整改")
    notify(c, 9, 5, who=PERSON)
    held(c, 5, record="被约谈人承认转卖药品2次，表示不再发生")
    # Opened by a handler, the interview not yet notified.
    case("zhoujiu", 1, "lending", "已立案，待发出约谈通知")

    # Ended: a D grade that became final (the sweep of W(40)) opened its record and a warning-interview case;
    # a timely objection (received on the window's last day, registered after) was partly upheld: D → C 73.
    # The record was corrected away and the case ended by itself.
    county = stage.subject("county_hospital")
    with stage.at(62, "09:00"):
        ev = stage.open("evaluation", "zhangmin", {"year": stage.day(62).year - 2, "score": "65"}, subject=county,
                        note="D级结果确定后经异议部分成立更正为C级，约谈整改随之终止")
    with stage.at(39, "10:00"):
        obj = stage.open("objection", "liuyang", {
            "grounds": "2", "received": stage.day(47).isoformat(),
            "materials": "信用评价结果异议申请表,营业执照（执业许可证）复印件,整改报告",
            "reason": "评价所扣“检验项目重复收费”一项中，多数明细系同日不同标本的检验，不属于重复收费"},
            parent=ev, note="异议部分成立（D→C），失信记录更正，约谈整改终止")
    at(38, "10:00", "accept", obj, "liuyang")
    at(36, "15:00", "propose_partial", obj, "liuyang", score="73",
       findings="经核对检验报告，所扣明细中多数系同日不同标本的检验，该部分扣分应予撤销；其余重复收费事实清楚")
    at(35, "10:00", "approve", obj, "wangfang")
