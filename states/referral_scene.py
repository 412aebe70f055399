"""The demo bureau's referrals (`creditflow demo`): the scene of states/referral.py.

Pure: it plans steps on the stage workflows/demo.py hands it (`SCENE(stage)`) and never touches the database. W(n) is
the n-th working day before the demo's today. The referrals come from two fraud cases of their own
(states/fraud.py): filed, two officers, the advance notice, its 5 working days run out (recorded by the bureau's
sweep), and a review meeting that decided a penalty and the referrals; the approval opens the penalty decision and
one referral per receiving body (`stage.opened`, in the order the fraud case declares them: discipline, health,
other). The receiving body's 30 days to answer run from the letter. Every referral state is reached:

* a county hospital's case decided at W(12): the letters went out at W(11); the discipline inspectors signed and
  answered (closed); the health commission signed and its answer is awaited (acknowledged); the market regulator's
  receipt is not yet back (sent);
* a pharmacy's case decided at W(1): the letter to the market regulator still to be sent (opened).
"""

from __future__ import annotations

KIND = "referral"
FRAUD = "fraud"


def SCENE(stage) -> None:
    def at(n: int, hm: str, trigger: str, case, actor: str, **inputs) -> None:
        with stage.at(n, hm):
            stage.act(case, trigger, actor, inputs)

    def day(n: int) -> str:
        return stage.day(n).isoformat()

    def fraud(key: str, clue: int, notified: int, decided: int, facts: str, penalty: str, **outcome):
        """A fraud case whose clue came on W(clue), filed two working days later, notified of the intended penalty on
        W(notified) and decided on W(decided) (proposed the working day before)."""
        with stage.at(clue, "09:00"):
            case = stage.open(FRAUD, "liuyang", {"source": outcome.pop("source"), "facts": facts},
                              subject=stage.subject(key), note=outcome.pop("note"))
        at(clue - 1, "10:00", "propose_file", case, "liuyang", findings="经核查属实，符合立案标准")
        at(clue - 2, "10:00", "approve", case, "wangfang")
        at(clue - 2, "14:00", "assign_officers", case, "liuyang", officers="刘洋,张敏")
        at(notified, "10:00", "notify_intended_penalty", case, "liuyang", penalty=penalty, facts=facts)
        at(decided + 1, "10:00", "propose_outcomes", case, "liuyang", suspected_crime="false", fine_multiple="2",
           **outcome)
        at(decided, "10:00", "approve", case, "wangfang")
        return case

    # A county hospital: a penalty, and the three referrals its review meeting decided.
    case = fraud("county_hospital", 60, 30, 12, "专项检查发现该院虚记CT、彩超等检查检验项目结算医保基金",
                 "责令退回骗取的医保基金2.8万元，处骗取金额2倍的罚款5.6万元", source="inspection_special",
                 note="已作出行政处罚决定，问题线索已分别移送纪检监察机关、卫生健康部门和市场监管部门",
                 outcomes="penalty,discipline_transfer,health_referral,other_referral", amount="28000",
                 category="fictitious_services", address="示例县城关镇人民路88号",
                 findings="该院2025年虚记检查检验项目骗取医保基金2.8万元，事实清楚，陈述申辩期内未提出申辩；"
                          "分管副院长授意虚记、医师违规出具报告、违反价格管理规定收费的问题依法移送有关机关",
                 discipline_body="中共示例县纪律检查委员会、示例县监察委员会", health_body="示例县卫生健康委员会",
                 other_body="示例县市场监督管理局",
                 matters="该院分管副院长授意虚记检查项目的问题线索；涉事医师违规出具检查报告的问题；该院违反价格管理规定收费的问题")
    penalty = stage.opened(case, "penalty_decision", "已送达，复议诉讼期间")
    discipline = stage.opened(case, KIND, "纪检监察机关已反馈处理结果，结案")
    health = stage.opened(case, KIND, "卫生健康部门已签收，待反馈处理结果")
    market = stage.opened(case, KIND, "已发出移送函，待市场监管部门签收")
    with stage.at(11, "15:00"):
        stage.act(penalty, "serve_decision", "liuyang", {"method": "direct", "served_on": day(11)})
    at(11, "10:00", "send", discipline, "liuyang",
       materials="问题线索材料一份：授意虚记检查项目的询问笔录、相关检查申请单和结算明细复印件")
    at(11, "10:30", "send", health, "liuyang", materials="涉事医师出具的检查报告和病历复印件、询问笔录")
    at(11, "11:00", "send", market, "liuyang", materials="收费明细、价格公示资料和现场检查笔录复印件")
    at(10, "15:00", "acknowledged", discipline, "liuyang", acknowledged_on=day(10))
    at(9, "15:00", "acknowledged", health, "liuyang", acknowledged_on=day(9))
    at(2, "10:00", "feedback", discipline, "liuyang", received_on=day(2),
       feedback="经初步核实，已对该院分管副院长立案审查调查，处理结果另行函告")

    # A pharmacy decided at W(1): its letter to the market regulator still to be sent.
    case = fraud("baicaotang", 21, 10, 1, "日常监督检查发现该店执业药师不在岗，由非药学技术人员调配处方，并为参保人串换保健品结算医保基金",
                 "责令退回骗取的医保基金9,600元，处骗取金额2倍的罚款19,200元", source="inspection_routine",
                 note="已作出行政处罚决定，决定移送市场监管部门",
                 outcomes="penalty,other_referral", amount="9600", category="drug_substitution",
                 address="示例市城区建设路56号",
                 findings="该店2025年为参保人串换保健品结算医保基金9,600元，事实清楚，陈述申辩期内未提出申辩；执业药师不在岗的问题移送市场监管部门",
                 other_body="示例市市场监督管理局", matters="该店执业药师“挂证”、不在岗履职的问题")
    stage.opened(case, KIND, "已决定移送，移送函待发出")
