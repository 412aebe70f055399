"""The demo bureau's penalty decisions (`creditflow demo`): the scene of states/penalty_decision.py.

Pure: it plans steps on the stage workflows/demo.py hands it (`SCENE(stage)`) and never touches the database. Each
decision comes from a fraud case of its own (states/fraud.py): filed, two officers, the advance notice, its 5
working days run out (recorded by the bureau's sweep), a penalty proposed and approved, which opens the decision.
Every state is reached:

* decided at W(1), not yet served;
* served at W(19): the 6 months to challenge it running;
* challenged: reconsideration applied for at W(50);
* final: challenged, and upheld on reconsideration at W(60): its 失信 record opened by itself;
* overturned by the court at W(15): never bad information.
"""

from __future__ import annotations

KIND = "penalty_decision"
PERSON_AMOUNT, INSTITUTION_AMOUNT = "4000", "20000"  # fines of 2 times: below the policy's major-decision bounds


def SCENE(stage) -> None:
    def at(n: int, hm: str, trigger: str, case, actor: str, **inputs) -> None:
        with stage.at(n, hm):
            stage.act(case, trigger, actor, inputs)

    def decided(key: str, n: int, facts: str, category: str, note: str, *, person: bool):
        """A fraud case opened on W(n), notified on W(n-3), its penalty proposed after the sweep of the grid below
        W(n-8) (the period's last day) recorded the lapse, approved the next working day: the decision case it opens."""
        with stage.at(n, "09:00"):
            fraud = stage.open("fraud", "liuyang", {"source": "inspection_routine", "facts": facts},
                               subject=stage.subject(key), note=note)
        at(n - 1, "10:00", "propose_file", fraud, "liuyang", findings="经核查属实，符合立案标准")
        at(n - 2, "10:00", "approve", fraud, "wangfang")
        at(n - 2, "14:00", "assign_officers", fraud, "liuyang", officers="刘洋,张敏")
        amount = PERSON_AMOUNT if person else INSTITUTION_AMOUNT
        at(n - 3, "10:00", "notify_intended_penalty", fraud, "liuyang",
           penalty=f"责令退回骗取的医保基金{int(amount):,}元，处骗取金额2倍的罚款", facts=facts)
        proposed = _after_sweep(n - 8)
        at(proposed, "10:00", "propose_outcomes", fraud, "liuyang", outcomes="penalty", suspected_crime="false",
           amount=amount, fine_multiple="2", category=category, address="示例市城区示例路8号",
           findings=f"{facts}，事实清楚，陈述申辩期内未提出申辩")
        at(proposed - 1, "10:00", "approve", fraud, "wangfang")
        return stage.opened(fraud, KIND), proposed - 1

    def serve(case, n: int) -> None:
        with stage.at(n, "15:00"):
            stage.act(case, "serve_decision", "liuyang", {"method": "direct", "served_on": stage.day(n).isoformat()})

    decided("zhangsan", 20, "为未到诊的参保人开具诊疗项目并结算医保基金", "fictitious_services", "已作出行政处罚决定，待送达",
            person=True)
    case, day = decided("wangwu", 40, "伪造门诊病历结算医保基金", "forged_documents", "已送达，复议诉讼期间", person=True)
    serve(case, day - 1)
    case, day = decided("hongda", 80, "为非本单位职工虚构劳动关系参加职工医疗保险并结算医疗费用", "fraudulent_billing",
                        "当事人申请行政复议，复议中", person=False)
    serve(case, day - 1)
    with stage.at(50, "10:00"):
        stage.act(case, "challenge_filed", "liuyang", {"kind": "reconsideration", "body": "示例市人民政府",
                                                       "filed_on": stage.day(50).isoformat()})
    case, day = decided("agency", 130, "审核服务中变造结算单据骗取医保基金", "fraudulent_billing",
                        "经行政复议维持，行政处罚决定已确定并记入信用档案", person=False)
    serve(case, day - 1)
    with stage.at(100, "10:00"):
        stage.act(case, "challenge_filed", "liuyang", {"kind": "reconsideration", "body": "示例市人民政府",
                                                       "filed_on": stage.day(100).isoformat()})
    with stage.at(60, "10:00"):
        stage.act(case, "ruling_upheld", "liuyang", {"ruling": "示例市人民政府行政复议决定书（示政复决〔2026〕3号）",
                                                     "ruled_on": stage.day(61).isoformat()})
    case, day = decided("qianqi", 120, "将本人医疗保障凭证交由他人冒名使用并结算医保基金", "impersonation",
                        "经行政诉讼判决撤销", person=True)
    serve(case, day - 1)
    with stage.at(95, "10:00"):
        stage.act(case, "challenge_filed", "liuyang", {"kind": "lawsuit", "body": "示例市城区人民法院",
                                                       "filed_on": stage.day(95).isoformat()})
    with stage.at(15, "10:00"):
        stage.act(case, "ruling_overturned", "liuyang", {"ruling": "示例市城区人民法院行政判决书（（2026）示0102行初5号）",
                                                         "ruled_on": stage.day(16).isoformat()})


def _after_sweep(last: int) -> int:
    """The working day after the first bureau sweep once W(last) has ended (sweeps at 00:05-00:30 of W(210), W(200),
    …, W(40), then W(22) and W(3): states/record_scene.py, workflows/demo.py): the lapse of the advance notice is
    then on file."""
    grid = [n for n in range(210, 39, -10)] + [22, 3]
    return max(g for g in grid if g < last) - 1
