"""The demo bureau's objections (`creditflow demo`): the scene of states/objection.py.

Pure: it plans steps on the stage workflows/demo.py hands it (`SCENE(stage)`) and never touches the
database. Each story publishes the result it objects to (states/evaluation_scene.py `publish`), so
the scene stands alone. W(n) is the n-th working day before the demo's today; the windows and
handling periods are 15 working days (Henan measure Art. 26), completion 5. Every objection state
is reached:

* to a result: upheld after a returned proposal (C → B); partially upheld (D → C); dismissed by the
  deputy head (four eyes: not the handler who proposed it); refused for form; refused as late (视为
  无异议); withdrawn; under review (one overdue and flagged 督办 by the sweep of W(3), one due within
  2 working days); suspended for expert review; proposed to be upheld (its handling period ended at
  W(1): due for the sweep); proposed to be dismissed; registered, awaiting the form check; asked to
  complete its material (补正);
* to a credit-archive entry (Art. 24 (1), (3)-(6), `--entry`): corrected (a new entry supersedes
  it), withdrawn from use (撤销), and a partial correction awaiting the approver.
"""

from __future__ import annotations

from .evaluation_scene import publish

KIND = "objection"

MATERIALS = {  # what a subject encloses with its written objection (Art. 25, form 附件1)
    "institution": "信用评价结果异议申请表,营业执照（执业许可证）复印件,法定代表人授权委托书",
    "person": "信用评价结果异议申请表,居民身份证复印件",
}


def SCENE(stage) -> None:
    def act(case, n: int, hm: str, trigger: str, actor: str, **inputs) -> None:
        with stage.at(n, hm):
            stage.act(case, trigger, actor, inputs)

    def objection(on, n: int, hm: str, received: int, actor: str, note: str, *, grounds: str = "1,2",
                  evidence: str = "", reason: str = "", bare: bool = False):
        """An objection to a result (`on` its case) or to an archive entry (`on` = stage.entry(case)), received
        on W(received) and registered at W(n) hh:mm; `bare`: no reason, no material."""
        result = getattr(on, "case", on)
        kind = "person" if result.subject.person else "institution"
        inputs = {"grounds": grounds, "received": stage.day(received).isoformat(),
                  "materials": "" if bare else ",".join(m for m in (MATERIALS[kind], evidence) if m),
                  "reason": "" if bare else reason.format(year=result.inputs["year"])}
        target = {"parent": on} if on is result else {"entry": on}
        with stage.at(n, hm):
            return stage.open(KIND, actor, inputs, note=note, **target)

    # Upheld: a dismissal proposal was returned by the approver, then the objection was upheld (C → B).
    ev = publish(stage, "tcm_hospital", 40, "76", "异议成立，评价结果已更正为82分（B级）")
    o = objection(ev, 30, "10:00", received=31, actor="zhangmin", note="异议成立（拟办意见曾被退回重审）",
                  evidence="退款凭证,结算明细对账单",
                  reason="评价扣分所依据的“重复收取静脉输液费”98条结算明细已于{year}年6月30日前全额退回医保基金")
    act(o, 29, "09:30", "accept", "zhangmin")
    act(o, 24, "15:00", "propose_dismiss", "zhangmin", findings="经核查，扣分事实清楚，异议理由不成立")
    act(o, 23, "10:00", "return", "wangfang",
        reason="申请人提交的退款凭证未予核对，请核实退款是否在评价周期内完成后重新提出意见")
    act(o, 21, "16:00", "propose_uphold", "zhangmin", score="82",
        findings="经与医保经办机构核对，98条明细已于评价周期内全额退回，相应扣分应予撤销")
    act(o, 20, "10:30", "approve", "wangfang")

    # Partially upheld: one of two deductions stands (D → C).
    ev = publish(stage, "jishitang", 42, "68", "异议部分成立，评价结果已更正为73分（C级）")
    o = objection(ev, 31, "14:00", received=31, actor="zhangmin", note="异议部分成立",
                  evidence="进销存台账,药品追溯码记录",
                  reason="评价所扣“串换药品”“进销存不符”两项中，进销存差异系盘点时点不同所致")
    act(o, 30, "10:00", "accept", "zhangmin")
    act(o, 26, "15:00", "propose_partial", "zhangmin", score="73",
        findings="进销存差异经核对系盘点时点不同所致，该项扣分应予撤销；串换药品一项事实清楚，扣分维持")
    act(o, 25, "10:00", "approve", "wangfang")

    # Late objection: the window of this result ended at W(25) and the W(22) sweep made it final ...
    hongda = publish(stage, "hongda", 40, "72", "异议期届满无异议，结果已确定；逾期异议不予受理；档案记录已更正",
                     hm="09:20")
    objection(hongda, 19, "10:00", received=20, actor="liuyang", note="超过异议期，视为无异议，不予受理",
              grounds="2", evidence="缴费基数核定表", reason="对缴费基数核查结论有异议")
    # ... but its archive entry may be objected to while it is used: corrected (Art. 24 (5)).
    o = objection(stage.entry(hongda), 12, "11:00", received=12, actor="liuyang",
                  note="对信用档案记录的异议成立，记录已更正", grounds="5", evidence="补缴凭证",
                  reason="评价所涉少缴医疗保险费已于{year}年12月全额补缴，档案记录未载明纠正情况")
    act(o, 11, "10:00", "accept", "liuyang")
    act(o, 8, "15:00", "propose_correction", "liuyang",
        facts="{year}年度医疗保障基金使用信用评价结果：72.00分，C级（所涉少缴医疗保险费已全额补缴）".format(
            year=hongda.inputs["year"]),
        findings="经核对补缴凭证，少缴的医疗保险费已全额补缴，依第二十四条第五项在记录中载明纠正情况")
    act(o, 7, "10:00", "approve", "wangfang")

    # Dismissed, decided by the deputy head (four eyes: not the handler who proposed it) ...
    baicaotang = publish(stage, "baicaotang", 38, "65.5", "异议不成立，评价结果已确定（D级）")
    o = objection(baicaotang, 29, "11:00", received=29, actor="liuyang", note="异议不成立",
                  evidence="收银系统故障报修记录", reason="串换药品系收银系统故障所致，非主观故意")
    act(o, 28, "10:00", "accept", "liuyang")
    act(o, 22, "15:30", "propose_dismiss", "liuyang", findings="收银系统日志显示相关交易系人工录入，异议理由不能成立")
    act(o, 21, "09:30", "approve", "zhougang")
    # ... then its D entry: the violation has since been corrected; a partial correction awaits the approver.
    o = objection(stage.entry(baicaotang), 6, "14:00", received=6, actor="liuyang",
                  note="对信用档案记录的异议拟部分成立，待审核", grounds="5", evidence="整改报告,退回基金凭证",
                  reason="评价所涉串换药品问题已整改完毕，违规金额已退回医保基金，申请变更信用信息")
    act(o, 5, "10:00", "accept", "liuyang")
    act(o, 2, "16:00", "propose_partial", "liuyang",
        facts="{year}年度医疗保障基金使用信用评价结果：65.50分，D级（所涉串换药品问题已整改，违规金额已退回医保基金）".format(
            year=baicaotang.inputs["year"]),
        findings="整改及退回基金属实，应在记录中载明；失信事实认定无误，D级结果不予撤销")

    # An entry that should never have been collected (Art. 24 (3)): withdrawn from use.
    sunba = publish(stage, "sunba", 44, "62", "异议期届满，结果已确定（D级）；档案记录已撤销")
    o = objection(stage.entry(sunba), 17, "10:00", received=18, actor="zhangmin",
                  note="对信用档案记录的异议成立，记录已撤销", grounds="3", evidence="执业注册变更记录",
                  reason="本人自{year}年1月起已调往外省执业，评价年度内未在本市定点医药机构执业，依法不应归集该记录")
    act(o, 16, "10:00", "accept", "zhangmin")
    act(o, 12, "15:00", "propose_withdrawal", "zhangmin",
        findings="经核查执业注册变更记录，申请人评价年度内未在本市执业，该记录依法不应归集，予以撤销")
    act(o, 11, "10:00", "approve", "wangfang")

    # Refused for form: no reason and no supporting material, not supplied after being asked.
    ev = publish(stage, "zhangsan", 36, "68", "异议不予受理（形式不符），结果已确定（D级）")
    o = objection(ev, 27, "14:00", received=27, actor="liuyang", note="不符合书面申请形式要求，不予受理",
                  grounds="2", bare=True)
    act(o, 22, "10:00", "refuse", "liuyang", reason="异议申请未附理由及证明材料，经两次电话告知补正，申请人逾期未补正")

    # Withdrawn in writing.
    ev = publish(stage, "renhe", 33, "79.5", "异议已撤回，结果已确定（C级）")
    o = objection(ev, 25, "10:00", received=26, actor="zhangmin", note="申请人书面撤回异议",
                  grounds="1", evidence="处方数量统计表", reason="评价所列“超量开药”一项的处方数量统计有误")
    act(o, 24, "09:30", "accept", "zhangmin")
    act(o, 18, "14:00", "withdraw", "zhangmin", statement="申请人提交书面撤回申请，称经与医保经办机构核对，处方数量统计无误")

    # Under review, handling period ended at W(6): the W(3) sweep flagged it overdue (督办).
    ev = publish(stage, "second_hospital", 32, "74", "异议处理中")
    o = objection(ev, 20, "11:00", received=21, actor="zhangmin", note="审查中，处理期限已届满，已督办",
                  evidence="12例病历摘要", reason="评价所扣“分解住院”一项中，12例病例系病情变化确需再次入院")
    act(o, 19, "09:30", "accept", "zhangmin")

    # Under review, received on the last day of the window: handling period ends at W(-2).
    ev = publish(stage, "kangning", 28, "69", "异议处理中（异议于异议期最后一日收到）")
    o = objection(ev, 12, "09:30", received=13, actor="liuyang", note="审查中，处理期限即将届满",
                  evidence="护理记录,费用清单", reason="评价认定的“挂床住院”病例均有护理记录和费用清单为证")
    act(o, 12, "15:00", "accept", "liuyang")

    # Suspended for expert review (Art. 26: not counted in the handling period).
    ev = publish(stage, "lisi", 18, "66", "异议处理中")
    o = objection(ev, 8, "14:00", received=8, actor="zhangmin", note="专家评审期间中止计算处理期限",
                  evidence="处方及医师签字的临床用药说明", reason="被认定为超适应症调配的处方，均有医师签字确认的临床用药依据")
    act(o, 7, "10:00", "accept", "zhangmin")
    act(o, 5, "16:00", "suspend", "zhangmin", reason="expert_review")

    # Proposed to be upheld, awaiting the approver; the handling period ended at W(1): due for the sweep.
    ev = publish(stage, "zhaoliu", 26, "60", "异议处理中")
    o = objection(ev, 16, "15:00", received=16, actor="liuyang", note="拟认定异议成立，待审核；处理期限已届满（待督办）",
                  grounds="1", evidence="外地住院病历", reason="被认定冒名就医的3次门诊记录发生时本人在外地住院，附住院病历")
    act(o, 15, "11:00", "accept", "liuyang")
    act(o, 3, "10:00", "propose_uphold", "liuyang", score="85",
        findings="经调取外地住院病历及就诊监控，3次门诊记录系他人冒用医保凭证，相应扣分应予撤销")

    # Proposed to be dismissed by the deputy head; another approver must decide.
    ev = publish(stage, "agency", 20, "77", "异议处理中")
    o = objection(ev, 8, "10:00", received=9, actor="zhougang", note="拟认定异议不成立，待审核",
                  evidence="医疗费用审核服务协议", reason="审核差错率统计口径与服务协议约定不一致")
    act(o, 7, "09:30", "accept", "zhougang")
    act(o, 2, "15:00", "propose_dismiss", "zhougang", findings="审核差错率按服务协议附件3约定口径统计，异议理由不成立")

    # Received by post on W(2), registered the next morning: awaiting the form check.
    ev = publish(stage, "wangwu", 10, "70.5", "异议处理中")
    objection(ev, 1, "10:30", received=2, actor="zhangmin", note="已登记，待形式审查", grounds="1,5",
              evidence="整改情况报告", reason="被扣分的护理记录书写问题已于{year}年底全部整改完毕")

    # Received without reason or material: asked to complete it within 5 working days (ends at W(-4)).
    ev = publish(stage, "county_hospital", 2, "90", "已公布，异议期内；异议材料待补正")
    o = objection(ev, 1, "10:00", received=1, actor="liuyang", note="异议材料不全，已通知补正", grounds="1", bare=True)
    act(o, 1, "15:00", "request_completion", "liuyang",
        missing="异议理由说明及相关证明材料（信用评价结果异议申请表第三栏未填写，未附证明材料）")
