"""The demo bureau's transfers to the police (`creditflow demo`): the scene of states/transfer.py.

Pure: it plans steps on the stage workflows/demo.py hands it (`SCENE(stage)`) and never touches the database. W(n) is
the n-th working day before the demo's today. Each transfer comes from a fraud case of its own (states/fraud.py): a
clue filed two working days later, two officers, and a review meeting that found a suspected crime (诈骗罪) and
decided the police transfer, whose approval opens the transfer (`stage.opened`). The periods of Order 310 are
calendar days and 24 hours (a last day on a rest day or holiday moves to the next working day; the hours do not):
each timed step here comes on the next working day at the latest (Friday to Monday is 3 days; a last day inside
the Spring Festival moves to its end), a case is sent the afternoon of its approval, and the transfers still
running have their clocks where the days fall: five 3-day periods from W(1) end within days of today (the summary
lists them due soon), the 24 hours of an approval of W(1) 16:30 end today or, when W(1) is the eve of a holiday,
are due for the sweep, and the police's review of one case ran out. Every transfer state is reached:

* decided at W(1), the case team still verifying (opened); the team's report awaiting the head since W(1)
  (reported); approved at W(1) afternoon, its 24 hours to send running (approved); sent at W(1), the receipt not
  yet back (sent);
* received by the police at W(10), whose 3 days to review ran out without a notice: flagged 督办 by the sweep of
  W(3) (police_reviewing);
* declined by the police at W(1), the 3 days to ask for reconsideration running (declined); forwarded by the city
  police to the district branch, declined, and reconsideration asked at W(1) (reconsideration); declined again on
  reconsideration at W(1), the 3 days to go to the procuratorate running (reconsideration_declined); referred to
  the procuratorate at W(14) after a declined reconsideration (procuratorate);
* filed at W(1) after the procuratorate's supervision, the items and the file to be handed over within 3 days
  (filed); filed on reconsideration and handed over (closed); sent back by the police as no crime but
  administrative liability (returned: the fraud case handles it itself); refused by the head (not_transferred).
"""

from __future__ import annotations

KIND = "transfer"
FRAUD = "fraud"
POLICE = "示例市公安局"
BRANCH = "示例市公安局城区分局"
PROCURATORATE = "示例市人民检察院"
TEAM = "张敏,刘洋"
ENCLOSURES = "transfer_letter,investigation_report,items_list,appraisal,other_material"


def SCENE(stage) -> None:
    def at(n: int, hm: str, trigger: str, case, actor: str, **inputs) -> None:
        with stage.at(n, hm):
            stage.act(case, trigger, actor, inputs)

    def day(n: int) -> str:
        return stage.day(n).isoformat()

    def no(n: int, word: str, number: int) -> str:
        """A police or procuratorate document number of the year of W(n)."""
        return f"示公（经）{word}字〔{stage.day(n).year}〕{number}号"

    def transfer(key: str, clue: int, decided: int, facts: str, crime: str, amount: int, note: str, *,
                 source: str = "inspection_special", fraud_note: str = "已决定移送公安机关，移送办理中"):
        """A fraud case whose clue came on W(clue), filed two working days later, decided on W(decided) (proposed
        the working day before) to go to the police: the transfer its approval opens."""
        with stage.at(clue, "09:00"):
            fraud = stage.open(FRAUD, "zhangmin", {"source": source, "facts": facts}, subject=stage.subject(key),
                               note=fraud_note)
        at(clue - 1, "10:00", "propose_file", fraud, "zhangmin", findings="线索具体，经调取结算明细初步核实，符合立案标准")
        at(clue - 2, "10:00", "approve", fraud, "wangfang")
        at(clue - 2, "14:00", "assign_officers", fraud, "zhangmin", officers=TEAM)
        at(decided + 1, "10:00", "propose_outcomes", fraud, "zhangmin", outcomes="police_transfer",
           suspected_crime="true", amount=str(amount), police_organ=POLICE, crime_facts=crime,
           findings=f"经调查，{crime.split('：', 1)[1]}，涉嫌犯罪，依法应当移送公安机关")
        at(decided, "10:00", "approve", fraud, "wangfang")
        return stage.opened(fraud, KIND, note)

    def report(case, n: int, text: str) -> None:
        at(n, "10:00", "report", case, "zhangmin", team=TEAM, report=text)

    def sent(case, n: int, note: str = "", *, signed: bool = True) -> None:
        """Approved on W(n) morning and sent the same afternoon (within the 24 hours); the receipt signed at once."""
        at(n, "09:30", "approve_transfer", case, "wangfang")
        extra = {"note": note} if note else {}
        at(n, "14:00", "send", case, "zhangmin", enclosures=ENCLOSURES, **extra)
        if signed:
            at(n, "16:00", "receipt_signed", case, "zhangmin", signed_on=day(n))

    def declined(case, n: int, number: int, reasons: str) -> None:
        at(n, "10:00", "police_declined", case, "zhangmin", notified_on=day(n), notice_no=no(n, "不立", number),
           reasons=reasons)

    # Decided, the case team verifying the facts before its report (Art. 5(1)).
    transfer("zhoujiu", 20, 1, "智能监控发现该参保人短期内在多家定点药店超量购买同类药品",
             "涉嫌诈骗罪：2025年使用本人医保凭证超量购买降糖、降压药品后倒卖，骗取医保基金3.4万元", 34000,
             "已决定移送，专案组核实情况中（待提出移送报告）", source="monitoring")

    # The report awaits the head (3 days from receiving it).
    t = transfer("lisi", 22, 3, "举报该医师为未就诊的参保人开具慢特病门诊处方",
                 "涉嫌诈骗罪：2025年伪造慢特病门诊处方86张，伙同参保人套取医保基金4.6万元", 46000,
                 "移送报告已提交，待负责人审批", source="report")
    report(t, 1, "专案组核实：伪造处方86张，涉及参保人9名，骗取医保基金4.6万元，证据已固定，建议移送示例市公安局")

    # Approved in the afternoon of W(1): the 24 hours to send run from that instant.
    t = transfer("qianqi", 24, 4, "零星报销审核发现该参保人提交的异地住院票据真伪存疑",
                 "涉嫌诈骗罪：2025年伪造异地住院票据3张申请零星报销，骗取医保基金2.9万元", 29000,
                 "已批准移送，待24小时内移送公安机关", source="inspection_routine")
    report(t, 2, "专案组经向票据所载医院核实，住院票据3张均系伪造，骗取医保基金2.9万元，建议移送")
    at(1, "16:30", "approve_transfer", t, "wangfang")

    # Sent on W(1): the police's receipt not yet back.
    t = transfer("zhaoliu", 26, 4, "智能监控发现已故参保人医保凭证仍在药店结算",
                 "涉嫌诈骗罪：2025年冒用已故亲属医保凭证购药，骗取医保基金1.8万元", 18000,
                 "已移送公安机关，待公安机关签收回执", source="monitoring")
    report(t, 2, "专案组核实：冒用已故参保人医保凭证结算47次，骗取医保基金1.8万元，建议移送")
    sent(t, 1, signed=False)

    # The police received the case on W(10) and have not notified a decision: their 3 days ran out, and the
    # sweep of W(3) flagged the case and told the approvers (督办).
    t = transfer("renhe", 35, 12, "飞行检查发现该店空刷参保人医保凭证、虚开药品",
                 "涉嫌诈骗罪：2025年空刷医保凭证312次、虚开药品销售记录，骗取医保基金7.6万元", 76000,
                 "公安机关审查期限届满未通知是否立案，已督办", source="inspection_flying")
    report(t, 11, "专案组核实：空刷医保凭证312次，骗取医保基金7.6万元，进销存和结算记录已复制固定，建议移送")
    sent(t, 10, "空刷使用的医保凭证复印件和刷卡终端已先行登记保存，随案移送清单")

    # Declined by the police on W(1): the bureau may ask for reconsideration within 3 days (Art. 9(1)).
    t = transfer("hongda", 28, 6, "审核发现该公司为职工申报的生育医疗费用票据存在异常",
                 "涉嫌诈骗罪：2025年伪造职工生育医疗费用票据申请报销，骗取医保基金2.3万元", 23000,
                 "公安机关不予立案，可在3日内提请复议", source="inspection_routine")
    report(t, 5, "专案组核实：伪造生育医疗费用票据5张，骗取医保基金2.3万元，建议移送")
    sent(t, 4)
    declined(t, 1, 6, "现有证据不能证明该公司具有非法占有医保基金的目的，认为没有犯罪事实，决定不予立案")

    # Forwarded by the city police to its district branch (Art. 7), declined, reconsideration asked at W(1).
    t = transfer("first_hospital", 32, 7, "大数据筛查发现该院再次为未住院人员办理挂床住院",
                 "涉嫌诈骗罪：2025年为38名未住院人员办理挂床住院，骗取医保基金15.2万元", 152000,
                 "公安机关不予立案，已提请复议", source="monitoring")
    report(t, 6, "专案组核实：挂床住院38人次，骗取医保基金15.2万元，该院曾因同类行为受到行政处罚，建议移送")
    at(5, "09:30", "approve_transfer", t, "wangfang")
    at(5, "14:00", "send", t, "zhangmin", enclosures=ENCLOSURES)
    at(4, "10:00", "forwarded", t, "zhangmin", organ=BRANCH, forwarded_on=day(5))
    declined(t, 2, 8, "认为挂床住院系该院管理不规范所致，没有犯罪事实，决定不予立案")
    at(1, "10:00", "ask_reconsideration", t, "zhangmin",
       grounds="调取的住院病历、床位使用记录和参保人询问笔录证明该院明知未住院而办理住院结算，骗取医保基金15.2万元，达到诈骗罪立案追诉标准")

    # Declined again on reconsideration at W(1): the procuratorate within 3 days (Art. 9(2)).
    t = transfer("zhangsan", 30, 6, "举报该医师伪造病历为亲属结算门诊费用",
                 "涉嫌诈骗罪：2025年伪造门诊病历为亲属结算门诊费用，骗取医保基金2.1万元", 21000,
                 "复议决定不予立案，可在3日内建议检察机关立案监督", source="report")
    report(t, 5, "专案组核实：伪造门诊病历64份，骗取医保基金2.1万元，建议移送")
    sent(t, 4)
    declined(t, 3, 5, "认为该医师已退回全部费用，情节显著轻微，决定不予立案")
    at(2, "10:00", "ask_reconsideration", t, "zhangmin",
       grounds="退回费用发生在本局立案调查之后，不影响犯罪的成立，骗取金额达到诈骗罪立案追诉标准")
    at(1, "10:00", "reconsideration_declined", t, "zhangmin", notified_on=day(1), notice_no=no(1, "复决", 2),
       reasons="经复议，维持不予立案决定")

    # Declined, declined again on reconsideration, and referred to the procuratorate (建议立案监督) at W(14).
    t = transfer("kangning", 45, 20, "专项检查发现该院诱导无需住院的参保人住院并虚记治疗项目",
                 "涉嫌诈骗罪：2025年诱导参保人虚假住院112人次并虚记治疗项目，骗取医保基金29.7万元", 297000,
                 "已建议人民检察院立案监督，待检察机关答复")
    report(t, 19, "专案组核实：虚假住院112人次，骗取医保基金29.7万元，建议移送")
    sent(t, 18)
    declined(t, 17, 3, "认为属于医疗服务协议纠纷，没有犯罪事实，决定不予立案")
    at(16, "10:00", "ask_reconsideration", t, "zhangmin", grounds="参保人询问笔录和病历证明住院系虚构，并非协议纠纷")
    at(15, "10:00", "reconsideration_declined", t, "zhangmin", notified_on=day(15), notice_no=no(15, "复决", 1),
       reasons="经复议，维持不予立案决定")
    at(14, "10:00", "refer_procuratorate", t, "zhangmin", procuratorate=PROCURATORATE,
       grounds="公安机关对骗取医保基金29.7万元、达到立案追诉标准的案件不予立案，复议后仍不予立案，建议依法进行立案监督")

    # Declined, referred to the procuratorate at once (Art. 9(3)), filed after its supervision at W(1): the items
    # and the file to be handed over within 3 days (Art. 12).
    t = transfer("agency", 50, 25, "专项检查发现该公司在审核服务中与定点医院串通虚构结算单据",
                 "涉嫌诈骗罪：2025年与定点医院串通虚构结算单据，骗取医保基金6.4万元", 64000,
                 "经检察机关立案监督，公安机关已立案，待移交涉案物品和材料")
    report(t, 24, "专案组核实：虚构结算单据214份，骗取医保基金6.4万元，建议移送")
    sent(t, 23)
    declined(t, 22, 2, "认为该公司不是医保基金的使用主体，没有犯罪事实，决定不予立案")
    at(21, "10:00", "refer_procuratorate", t, "zhangmin", procuratorate=PROCURATORATE,
       grounds="该公司与定点医院串通虚构结算单据骗取医保基金6.4万元，达到立案追诉标准，公安机关应当立案而不立案")
    at(1, "10:00", "procuratorate_filed", t, "zhangmin", notified_on=day(1), notice_no=no(1, "立", 7))

    # Filed on reconsideration and handed over: closed.
    t = transfer("sunba", 70, 50, "举报该医师以他人名义开具住院病历结算医保基金",
                 "涉嫌诈骗罪：2025年冒用参保人名义虚构住院病历，骗取医保基金9.3万元", 93000,
                 "经复议公安机关立案，涉案物品和材料已移交，移送结案", source="report",
                 fraud_note="已移送公安机关立案侦查")
    report(t, 49, "专案组核实：虚构住院病历17份，骗取医保基金9.3万元，建议移送")
    sent(t, 48)
    declined(t, 47, 1, "认为现有证据不足以证明有犯罪事实，决定不予立案")
    at(46, "10:00", "ask_reconsideration", t, "zhangmin", grounds="补充调取的参保人询问笔录证明其未曾住院，犯罪事实清楚")
    at(45, "10:00", "reconsideration_filed", t, "zhangmin", notified_on=day(45), notice_no=no(45, "立", 2))
    at(44, "10:00", "files_handed_over", t, "zhangmin", handed_over_on=day(44),
       items="虚构的住院病历17份、结算明细、询问笔录和先行登记保存的病历原件", receiver="示例市公安局经侦支队 陈警官")

    # Sent back by the police as no crime but administrative liability (Art. 13): the fraud case handles it.
    t = transfer("huimin", 60, 40, "智能监控发现该店为参保人串换生活用品结算医保基金",
                 "涉嫌诈骗罪：2025年以药易物串换生活用品，骗取医保基金1.2万元", 12000,
                 "公安机关移送本局依法处理，已退回", source="monitoring", fraud_note="移送公安机关后被退回，本局依法处理")
    report(t, 39, "专案组核实：串换生活用品结算136笔，骗取医保基金1.2万元，建议移送")
    sent(t, 38)
    at(37, "10:00", "sent_back", t, "zhangmin", notified_on=day(37),
       reason="公安机关审查认为犯罪事实显著轻微，不需要追究刑事责任，依法应当追究行政责任")

    # Refused by the head (Art. 5(2)), the reasons on file: the fraud case handles it.
    t = transfer("wangwu", 30, 15, "智能监控发现该医师名下门诊结算重复",
                 "涉嫌诈骗罪：2025年重复结算门诊诊疗费用，骗取医保基金0.9万元", 9000,
                 "负责人不批准移送，由本局依法处理", source="monitoring", fraud_note="不批准移送，本局依法处理")
    report(t, 14, "专案组核实：重复结算门诊诊疗费用41笔，涉及医保基金0.9万元，建议移送")
    at(13, "10:00", "refuse_transfer", t, "wangfang",
       reasons="重复结算系医院信息系统接口故障所致，现有证据不能证明该医师具有非法占有目的，不符合移送条件")
