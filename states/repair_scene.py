"""The demo bureau's credit repairs (`creditflow demo`): the scene of states/repair.py.

Pure: it plans steps on the stage workflows/demo.py hands it (`SCENE(stage)`) and never touches the
database. Each application repairs a record of its own, determined on W(210) and disclosed for 12
months (states/record_scene.py `add`), whose waiting period (Henan measure Art. 39(1); from 2026-04-01
by class) is over when the application is received. The decision period is 15 working days, the public
notice 5 (Art. 41). Every repair state is reached:

* repaired after its public notice (the record stopped being disclosed), and repaired after a public
  objection, a re-review and a confirmed second public notice;
* refused after review (附件4); refused for false material, which opened a 失信 record of its own and
  the 3-year ban (Art. 40); not accepted (不予受理) for missing material;
* received, waiting for the commitment (补正); under review (one with its period extended, one overdue
  and flagged 督办 by the sweep of W(3)); proposed for approval; proposed for refusal; in its public
  notice; back in review after a public objection; a confirmation awaiting the approver.
"""

from __future__ import annotations

from .record_scene import add

KIND = "repair"
COMPLETE = "application_form,commitment,proof"
DETERMINED = 210


def SCENE(stage) -> None:
    def act(case, n: int, hm: str, trigger: str, actor: str, **inputs) -> None:
        with stage.at(n, hm):
            stage.act(case, trigger, actor, inputs)

    def application(key: str, category: str, facts: str, n: int, note: str, *, materials: str = COMPLETE,
                    accept: bool = True):
        record = add(stage, key, DETERMINED, category, facts, f"示医保罚〔{stage.day(DETERMINED).year}〕{DETERMINED - n}号",
                     f"失信记录（{note}）", months=12)
        with stage.at(n, "09:30"):
            repair = stage.open(KIND, "zhangmin", {"received": stage.day(n).isoformat(), "materials": materials},
                                parent=record, note=note)
        if accept:
            act(repair, n, "11:00", "accept", "zhangmin")
        return repair

    def approved(repair, proposed: int, approved_on: int) -> None:
        act(repair, proposed, "10:00", "propose_approve", "zhangmin",
            findings="已退回违规费用并完成整改，提交的承诺书和证明材料真实完整，符合信用修复条件")
        act(repair, approved_on, "10:00", "approve", "wangfang")

    # Repaired: the public notice ended with no objection (swept at W(46)); the record is no longer disclosed.
    r = application("first_hospital", "excessive_charges", "超标准收取一次性医用耗材费用", 70, "公示期满无异议，信用修复完成")
    approved(r, 61, 55)
    # Repaired after a public objection: re-reviewed, confirmed, published again.
    r = application("tcm_hospital", "duplicate_charges", "重复收取中药饮片加工费", 72, "公示期间有异议，复核后确认修复，已完成")
    approved(r, 66, 62)
    act(r, 60, "15:00", "public_objection", "liuyang", objector="群众来信（署名，已核实身份）",
        reason="反映该院整改后仍存在重复收费")
    act(r, 58, "10:00", "propose_confirm", "liuyang", findings="经现场核查，反映问题不属实，整改已完成")
    act(r, 56, "10:00", "approve", "zhougang")
    # Refused after review (附件4).
    r = application("kangning", "drug_substitution", "将自费药品串换为医保药品结算", 40, "经审核不予信用修复")
    act(r, 30, "10:00", "propose_refuse", "zhangmin", findings="违规结算的医保基金尚未全部退回，未履行完毕法定责任")
    act(r, 29, "10:00", "approve", "wangfang")
    # Refused for false material: a record of its own, and the 3-year ban.
    r = application("lisi", "fraudulent_billing", "以虚假票据结算门诊费用", 28, "发现提供虚假整改证明，不予修复并记入失信记录")
    act(r, 20, "14:00", "false_material", "liuyang", facts="经向开具单位核实，所附整改完成证明系伪造")
    # Not accepted: the commitment and the proof never came.
    r = application("renhe", "fictitious_services", "虚构药事服务结算", 20, "申请材料不全，不予受理",
                    materials="application_form", accept=False)
    act(r, 18, "10:00", "not_accept", "zhangmin", reason="申请人未提交信用修复承诺书和整改证明材料")
    # Received, the commitment still to come (补正).
    application("huimin", "excessive_charges", "超标准收取药事服务费", 2, "已收到申请，待补正信用修复承诺书",
                materials="application_form,proof", accept=False)
    # Under review, extended once for a complex case.
    r = application("second_hospital", "split_hospitalisation", "分解住院结算27人次", 12, "审核中（情况复杂，已延长一次）")
    act(r, 8, "10:00", "extend", "zhangmin", reason="涉及27份病历需逐份复核，情况复杂")
    # Under review; its 15 working days ended at W(6) and the W(3) sweep flagged it overdue (督办).
    application("hongda", "impersonation", "为他人冒名就医提供便利", 21, "审核中，已超过办理期限（督办）")
    # Proposed for approval; proposed for refusal: awaiting the approver.
    r = application("baicaotang", "duplicate_charges", "重复收取药事服务费", 10, "拟同意修复，待审核")
    act(r, 3, "10:00", "propose_approve", "zhangmin", findings="整改到位，材料齐全，拟同意修复")
    r = application("jishitang", "excessive_charges", "超标准收取煎药费", 9, "拟不予修复，待审核")
    act(r, 2, "10:00", "propose_refuse", "liuyang", findings="整改报告所列退费未见银行凭证，拟不予修复")
    # In its public notice (approved at W(1): the last day is 5 working days later).
    r = application("agency", "forged_documents", "审核服务中变造结算单据", 12, "同意修复，公示中")
    approved(r, 4, 1)
    # Back in review after a public objection; a confirmation awaiting the approver.
    r = application("zhangsan", "impersonation", "为冒名就医者开具处方", 14, "公示期间有异议，复核中")
    approved(r, 10, 8)
    act(r, 6, "11:00", "public_objection", "zhangmin", objector="参保群众（来电，已登记）", reason="反映该医师仍存在冒名开方")
    r = application("sunba", "excessive_charges", "超标准收取诊疗费", 16, "复核后拟确认修复，待审核")
    approved(r, 12, 11)
    act(r, 9, "11:00", "public_objection", "liuyang", objector="同科室人员（书面）", reason="反映其整改不彻底")
    act(r, 5, "10:00", "propose_confirm", "liuyang", findings="经核查，整改已完成，反映情况不属实")
