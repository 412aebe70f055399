"""One OS process of the torture and crash tests (tests/test_torture.py, tests/test_crash.py).

    python tests/torture_driver.py handler URL HOME --seed N --t0 ISO --speed S
    python tests/torture_driver.py sweeper URL HOME --seed N --t0 ISO --speed S
    python tests/torture_driver.py sweep-once URL HOME --as-of ISO [--batch N]
    python tests/torture_driver.py act URL HOME --case N --trigger T --actor A --at ISO [--set k=v ...]

The clock is the documented test clock override (`clock.frozen_at`, `run_once(as_of)` with
allow_clock_override), advanced the same way in every process: the simulated instant is
t0 + (real time - start) x speed, with `start` given once every process is ready (HOME/go.json), so all processes share one clock that only moves forward, and a sweeper
fires a timer only once that clock has passed its end. A handler fires random triggers that `case actions`
lists for a random user on a random open case, with inputs generated from their declared types. Prints one
JSON line with its counts; any error that is not a refusal, bad input or conflict is counted and shown.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USERS = ("alice", "carol", "bob", "dave")  # handler, handler+approver, approver, approver
WORDS = ("材料齐全", "经核查属实", "扣分依据不足", "专家评审", "当事人申请", "情况复杂", "现场检查记录", "整改到位")


def services(url: str, home: str):
    from workflows.services import Services
    from workflows.settings import Settings
    from workflows.store.db import make_engine

    settings = Settings(home=Path(home), database_url=url, calendar_overrides=None, allow_clock_override=True)
    return Services(make_engine(url), settings)


def ready_then_wait(svc, args) -> None:
    """Say this process is ready (imports done, calendar built), then wait for the test's go: the start and end
    of the run in real time, the same for every process (`HOME/go.json`)."""
    svc.engine  # noqa: B018  (the calendar takes a moment: not on the clock)
    home = Path(args.home)
    (home / f"ready-{args.role}-{args.seed}").write_text("ready")
    go = home / "go.json"
    while not go.exists():
        time.sleep(0.05)
    times = json.loads(go.read_text())
    args.start, args.until = times["start"], times["until"]
    while time.time() < args.start:
        time.sleep(0.02)


def described(exc: BaseException) -> str:
    """An unexpected error for the test's report: where it was raised and what it says (the SQL's values left out)."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    orig = getattr(exc, "orig", None)
    said = f"{type(orig).__name__}: {orig}" if orig is not None else f"{type(exc).__name__}: {exc}"
    return f"{said.splitlines()[0][:300]} | {' '.join(said.splitlines()[1:3])[:300]} | at {where}"


def simulated(t0: datetime, start: float, speed: float) -> datetime:
    return t0 + timedelta(seconds=max(time.time() - start, 0.0) * speed)


def value_for(spec: dict, rng: random.Random, today, numbers: list[str]) -> str | None:
    """A value of the declared type (sometimes an odd one: the engine must refuse it cleanly); a user's name for
    an assignee and one of the case's notice numbers for a notice (the common assign and notice_served steps)."""
    kind = spec["type"]
    if not spec["required"] and rng.random() < 0.4:
        return None
    if spec["name"] == "assignee":
        return rng.choice(USERS)
    if spec["name"] == "notice" and numbers:
        return rng.choice(numbers)
    if spec["choices"]:
        return rng.choice(spec["choices"])["code"]
    if kind == "date":
        return (today + timedelta(days=rng.randint(-4, 12))).isoformat()
    if kind == "score":
        return str(rng.choice([45, 58, 66, 72, 81, 88, 93]))
    if kind == "int":
        return str(rng.randint(1, 12))
    if kind == "int_list":
        return rng.choice(["1", "2", "1,2", "3"])
    if kind == "str_list":
        return ",".join(rng.sample(WORDS, rng.randint(1, 3)))
    return rng.choice(WORDS)


def handler(args) -> dict:
    from sqlalchemy import select

    from workflows import clock
    from workflows.errors import BadInput, Conflict, Refused
    from workflows.store.tables import cases, notices

    svc = services(args.url, args.home)
    rng = random.Random(args.seed)
    t0 = datetime.fromisoformat(args.t0)
    counts = {"done": 0, "refused": 0, "bad": 0, "conflict": 0, "idle": 0, "errors": 0}
    errors: list[str] = []
    bad: dict[str, int] = {}
    open_ids: list[int] = []
    refreshed = 0.0
    ready_then_wait(svc, args)
    while time.time() < args.until:
        if time.time() - refreshed > 2:
            with svc.db.connect() as conn:
                open_ids = conn.execute(select(cases.c.id).where(cases.c.is_final.is_(False))).scalars().all()
            refreshed = time.time()
        if not open_ids:
            time.sleep(0.1)
            continue
        case_id, actor = rng.choice(open_ids), rng.choice(USERS)
        with clock.frozen_at(simulated(t0, args.start, args.speed)):
            try:
                actions = svc.cases.actions(case_id, actor, detailed=True)
                actions = [a for a in actions if a["trigger"] not in ("attach",)]  # attach takes a file, not --set
                if not actions:
                    counts["idle"] += 1
                    continue
                action = rng.choice(actions)
                numbers = []
                if any(s["name"] == "notice" for s in action["inputs"]):
                    with svc.db.connect() as conn:
                        numbers = conn.execute(select(notices.c.number).where(notices.c.case_id == case_id)).scalars().all()
                inputs = {s["name"]: v for s in action["inputs"]
                          if (v := value_for(s, rng, clock.today(), numbers)) is not None}
                svc.cases.act(case_id, action["trigger"], actor, inputs)
                counts["done"] += 1
            except Refused:
                counts["refused"] += 1
            except BadInput as exc:
                counts["bad"] += 1
                bad.setdefault(f"{action['trigger']}: {exc.message[:80]}", 0)
            except Conflict:
                counts["conflict"] += 1
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on any
                counts["errors"] += 1
                errors.append(described(exc))
    return {**counts, "error_samples": errors[:3], "bad_samples": list(bad)[:10]}


def sweeper(args) -> dict:
    svc = services(args.url, args.home)
    t0 = datetime.fromisoformat(args.t0)
    counts = {"runs": 0, "fired": 0, "reminded": 0, "failed": 0, "deferred": 0, "errors": 0}
    errors: list[str] = []
    ready_then_wait(svc, args)
    while time.time() < args.until:
        try:
            out = svc.sweep.run_once(simulated(t0, args.start, args.speed), batch=args.batch,
                                     holder=f"torture-{args.seed}")
            counts["runs"] += 1
            for k in ("fired", "reminded", "failed", "deferred"):
                counts[k] += out.get("counts", {}).get(k, 0)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on any
            counts["errors"] += 1
            errors.append(described(exc))
        time.sleep(0.2)
    return {**counts, "error_samples": errors[:3]}


def sweep_once(args) -> dict:
    svc = services(args.url, args.home)
    out = svc.sweep.run_once(datetime.fromisoformat(args.as_of), batch=args.batch, holder="crash-test")
    return out["counts"]


def act(args) -> dict:
    from workflows import clock

    svc = services(args.url, args.home)
    inputs = dict(kv.split("=", 1) for kv in args.set)
    with clock.frozen_at(datetime.fromisoformat(args.at)):
        return svc.cases.act(args.case, args.trigger, args.actor, inputs)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["handler", "sweeper", "sweep-once", "act"])
    p.add_argument("url")
    p.add_argument("home")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--t0")
    p.add_argument("--speed", type=float, default=86400.0)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--as-of", dest="as_of")
    p.add_argument("--case", type=int)
    p.add_argument("--trigger")
    p.add_argument("--actor")
    p.add_argument("--at")
    p.add_argument("--set", action="append", default=[])
    args = p.parse_args()
    out = {"handler": handler, "sweeper": sweeper, "sweep-once": sweep_once, "act": act}[args.role](args)
    print(json.dumps(out, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    main()
