"""The demo bureau's 失信 records (`creditflow demo`): the scene of states/record.py.

Pure: it plans steps on the stage workflows/demo.py hands it (`SCENE(stage)`) and never touches the
database. W(n) is the n-th working day before the demo's today. Disclosure periods are chosen inside
the bounds of the profile in force on each determination day (Henan measure Art. 30(3); from
2026-04-01 the national classes), so the scene holds whatever day the demo is played on:

* disclosed, its waiting period over and the subject told it may apply for repair (determined W(210));
* disclosed, still in its waiting period (determined W(20));
* a serious record disclosed for the longest period its profile allows, and a minor one for the shortest;
* withdrawn because its 6-month disclosure period ended (the sweep withdrew it);
* withdrawn because a reconsideration decision annulled the penalty behind it (`revoke`);
* and the D grades of the objection scene that became final opened their records by themselves
  (states/evaluation.py).

The bureau's deadline sweep ran every ten working days in those months (as `creditflow serve` would
every minute), so eligibility notices and expiries went out on time.
"""

from __future__ import annotations

from .archive import bad_disclosure_bounds

KIND = "record"
SWEEP_EVERY = 10  # working days between the simulated sweeps of the months before the objection scenes start
SWEEPS_FROM, SWEEPS_TO = 210, 40


def add(stage, key: str, n: int, category: str, facts: str, basis: str, note: str, *, months: int | None = None,
        severity: str = "general", bound: str = "upper", actor: str = "zhangmin"):
    """A record for a decision made on W(n), added the same day; without `months`, the `bound` of the profile
    in force that day for `severity`."""
    day = stage.day(n)
    if months is None:
        low, high = bad_disclosure_bounds(stage.registry.schedule.policy_on(day), severity)
        months = high if bound == "upper" else low
    with stage.at(n, "15:00"):
        return stage.open(KIND, actor, {"category": category, "determined": day.isoformat(), "disclosure_months": months,
                                        "severity": severity, "basis": basis, "facts": facts},
                          subject=stage.subject(key), note=note)


def SCENE(stage) -> None:
    for n in range(SWEEPS_FROM, SWEEPS_TO - 1, -SWEEP_EVERY):
        stage.sweep(stage.when(n, "00:30"))

    add(stage, "second_hospital", 210, "duplicate_charges", "2025年度重复收取床位费、护理费共计1.2万元",
        "示医保罚〔2025〕31号", "公开中，已届满等待期并书面提示可申请信用修复")
    add(stage, "baicaotang", 20, "excessive_charges", "超出医保支付标准收取药品费用3,860元",
        "示医保罚〔2026〕4号", "公开中，尚在信用修复等待期内")
    add(stage, "kangning", 150, "fictitious_services", "虚构康复治疗项目骗取医保基金8.6万元",
        "示医保罚〔2025〕22号", "严重失信，公开期取该类最长期限", severity="serious")
    add(stage, "wangwu", 10, "excessive_charges", "超标准收取诊查费12次",
        "示医保罚〔2026〕7号", "轻微失信，公开期取该类最短期限", severity="minor", bound="lower")
    add(stage, "renhe", 210, "drug_substitution", "将非医保药品串换为医保药品结算2,340元",
        "示医保罚〔2025〕29号", "公开期限（6个月）届满，已自动停止公开", months=6)
    revoked = add(stage, "jishitang", 100, "forged_documents", "伪造处方单据结算医保费用",
                  "示医保罚〔2025〕40号", "处罚决定经行政复议被撤销，失信信息已撤销")
    with stage.at(30, "10:00"):
        stage.act(revoked, "revoke", "liuyang", {"basis": "示例市人民政府行政复议决定书（示政复决〔2026〕8号）"})
