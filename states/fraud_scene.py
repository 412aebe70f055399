"""The demo bureau's fraud cases (`creditflow demo`): the scene of states/fraud.py.

Pure: it plans steps on the stage workflows/demo.py hands it (`SCENE(stage)`) and never touches the database.
W(n) is the n-th working day before the demo's today; the bureau's sweeps (every ten working days from W(210) to
W(40), then W(22) and W(3)) record the advance notices whose 5 working days ran out. Every fraud state is reached:

* a clue from intelligent monitoring (W(4)), its filing decision due in 15 working days; a filing proposed;
* a named report found untrue: no case (the reporter sealed);
* filed and under investigation: officers assigned, evidence kept by 先行登记保存 and decided, the case deadline
  extended once by the head;
* in the defence period after the advance notice of W(1) (its 5 working days end after the days due soon); a
  hearing asked for and notified for a day after today (the case deadline suspended for it); a major penalty
  proposed, legally reviewed, awaiting the approver;
* decided at W(2): a police transfer and a clue transfer to the discipline inspectors, both just opened (the
  transfer awaits the case team's report, the letter to the inspectors is being drafted); the transfers' and the
  referrals' own courses are the scenes of states/transfer_scene.py and states/referral_scene.py;
* closed: a named report, a penalty served and not challenged for 6 months: final, its 失信 record opened by
  itself; closed after its child.
"""

from __future__ import annotations

KIND = "fraud"
OFFICERS = "张敏,刘洋"


def SCENE(stage) -> None:
    def at(n: int, hm: str, trigger: str, case, actor: str, **inputs) -> None:
        with stage.at(n, hm):
            stage.act(case, trigger, actor, inputs)

    def clue(key: str, n: int, facts: str, note: str, *, source: str = "monitoring", **extra):
        with stage.at(n, "09:00"):
            return stage.open(KIND, "zhangmin", {"source": source, "facts": facts, **extra}, subject=stage.subject(key),
                              note=note)

    def filed(key: str, n: int, facts: str, note: str, **extra):
        """A clue of W(n), proposed the next working day, filed the day after; two officers assigned."""
        case = clue(key, n, facts, note, **extra)
        at(n - 1, "10:00", "propose_file", case, "zhangmin", findings="线索具体，经核对结算数据属实，符合立案标准")
        at(n - 2, "10:00", "approve", case, "wangfang")
        at(n - 2, "14:00", "assign_officers", case, "zhangmin", officers=OFFICERS)
        return case

    def notify(case, n: int, penalty: str, facts: str) -> None:
        at(n, "10:00", "notify_intended_penalty", case, "zhangmin", penalty=penalty, facts=facts)

    clue("renhe", 4, "智能监控提示该店同一参保人一日内多次购买同类药品结算医保基金", "线索登记，待核查")
    c = clue("huimin", 9, "飞行检查发现该店进销存记录与医保结算数据不符", "拟立案，待审批", source="inspection_flying")
    at(7, "10:00", "propose_file", c, "liuyang", findings="进销存差异涉及医保结算3.2万元，符合立案标准")

    c = clue("baicaotang", 60, "举报该店以日用品串换药品结算医保基金", "举报经核查不实，不予立案", source="report",
             reporter="王某，电话139xxxx0000")
    at(55, "10:00", "propose_no_case", c, "zhangmin", findings="经现场核查和调取结算明细，未发现串换行为，举报不实")
    at(54, "10:00", "approve", c, "wangfang")

    c = filed("kangning", 40, "专项检查发现该院康复理疗项目结算次数与治疗记录不符", "立案调查中（已先行登记保存病历）",
              source="inspection_special")
    with stage.at(35, "10:00"):
        stage.act(c, "add_evidence", "zhangmin", {"what": "康复治疗记录本12册", "collected_by": "张敏",
                                                  "collected_on": stage.day(35).isoformat(), "preserve": "yes",
                                                  "approved_by": "王芳"})
    at(33, "10:00", "decide_preservation", c, "zhangmin", item="1", decision="复制并经当事人签字确认后退还原件")
    at(20, "10:00", "extend_case", c, "wangfang", reason="涉及外院转诊病历，需延伸调查")

    c = filed("jishitang", 43, "智能监控发现该店为非参保人员刷卡结算", "已告知拟作出的行政处罚，陈述申辩期内")
    notify(c, 1, "责令退回骗取的医保基金2.4万元，处骗取金额2倍的罚款4.8万元", "该店2025年为他人冒用参保人医保凭证结算2.4万元")

    c = filed("county_hospital", 48, "举报该院虚记护理费用", "当事人要求听证，已通知听证时间", source="report")
    notify(c, 12, "责令退回骗取的医保基金9.8万元，处骗取金额3倍的罚款29.4万元", "该院2025年虚记二级护理费用9.8万元")
    with stage.at(10, "10:00"):
        stage.act(c, "request_hearing", "zhangmin", {"received": stage.day(10).isoformat()})
    hearing = stage.calendar.nth_working_day_after(stage.day(5), 7)  # after today: the hearing is still to come
    at(5, "10:00", "notify_hearing", c, "zhangmin", hearing_on=hearing.isoformat(), place="示例市医疗保障局听证室",
       chair="王芳")
    at(5, "11:00", "suspend", c, "zhangmin", reason="hearing", note="听证期间不计入办案期限")

    c = filed("tcm_hospital", 55, "智能监控发现该院中药饮片结算量异常", "拟作出重大行政处罚，已经法制审核，待审批")
    notify(c, 20, "责令退回骗取的医保基金21.6万元，处骗取金额2倍的罚款43.2万元，暂停中药房6个月涉及医保基金使用的医药服务",
           "该院2025年虚增中药饮片用量骗取医保基金21.6万元")
    at(2, "10:00", "propose_outcomes", c, "zhangmin", outcomes="penalty", suspected_crime="false", amount="216000",
       fine_multiple="2", suspend_months="6", category="fraudulent_billing", address="示例市城区示例路18号",
       findings="该院虚增中药饮片用量骗取医保基金21.6万元，事实清楚，陈述申辩期内未提出申辩",
       discussion=f"{stage.day(2).isoformat()}局长办公会集体讨论同意")
    at(1, "10:00", "legal_review", c, "zhougang", opinion="事实清楚，证据确凿，适用依据正确，程序合法", result="passed")

    c = filed("second_hospital", 45, "专项检查发现该院虚构住院病历", "已决定移送公安机关并向纪检监察机关移送问题线索，移送办理中",
              source="inspection_special")
    at(3, "10:00", "propose_outcomes", c, "zhangmin", outcomes="police_transfer,discipline_transfer",
       suspected_crime="true", amount="386000", police_organ="示例市公安局",
       crime_facts="涉嫌诈骗罪：2025年虚构住院病历127份，骗取医保基金38.6万元",
       discipline_body="中共示例市纪律检查委员会、示例市监察委员会", matters="该院院长授意虚构住院病历的问题线索",
       findings="虚构住院病历127份，骗取医保基金38.6万元，达到诈骗罪追诉标准")
    at(2, "10:00", "approve", c, "wangfang")

    # Closed: a named report; the penalty served on W(197) was not challenged for 6 months (the sweep of about W(60)
    # made it final and opened its record); closed once its child was.
    c = clue("first_hospital", 215, "举报该院为未住院人员办理挂床住院结算医保基金", "处罚决定已确定并记入信用档案，举报查实，已结案",
             source="report", reporter="孙某（该院医师），电话137xxxx0000")
    at(214, "10:00", "propose_file", c, "zhangmin", findings="举报具体，经核对住院结算数据属实")
    at(213, "10:00", "approve", c, "wangfang")
    at(213, "14:00", "assign_officers", c, "zhangmin", officers=OFFICERS)
    notify(c, 212, "责令退回骗取的医保基金1.9万元，处骗取金额2倍的罚款3.8万元", "该院2025年为3名未住院人员办理挂床住院，结算医保基金1.9万元")
    at(199, "10:00", "propose_outcomes", c, "zhangmin", outcomes="penalty", suspected_crime="false", amount="19000",
       fine_multiple="2", category="fictitious_services", address="示例市城区人民路1号",
       findings="挂床住院3人次，骗取医保基金1.9万元，事实清楚，陈述申辩期内未提出申辩")
    at(198, "10:00", "approve", c, "wangfang")
    penalty = stage.opened(c, "penalty_decision")
    with stage.at(197, "10:00"):
        stage.act(penalty, "serve_decision", "zhangmin", {"method": "direct", "served_on": stage.day(197).isoformat()})
    at(30, "10:00", "close", c, "wangfang", summary="罚款已缴纳，医保基金已退回；处罚决定已确定并记入信用档案")
