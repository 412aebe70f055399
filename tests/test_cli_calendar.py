"""The calendar command line contract, run as a real subprocess (as scripts use it)."""

import json
import os
import subprocess
import sys

import pytest

CLI = [sys.executable, "-c", "from workflows.cli import main; main()"]


def run(*args, env=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(CLI + list(args), capture_output=True, text=True, env=full_env, timeout=60)


def test_deadline_json():
    r = run("calendar", "deadline", "--from", "2026-02-06", "--working-days", "15", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["from"] == "2026-02-06" and out["working_days"] == 15
    assert out["last_day"] == "2026-03-05"
    assert out["ends_at"] == "2026-03-06T00:00:00+08:00"
    assert out["provisional"] is False


@pytest.mark.parametrize("unit,n,last", [("--days", "3", "2026-10-08"), ("--months", "6", "2027-03-28")])
def test_deadline_other_units(unit, n, last):
    r = run("calendar", "deadline", "--from", "2026-09-28", unit, n, "--json")
    out = json.loads(r.stdout)
    assert out["last_day"] == last and out["unit"] == unit[2:]


def test_explain_json_lists_days():
    r = run("calendar", "explain", "--from", "2026-02-13", "--working-days", "2", "--json")
    out = json.loads(r.stdout)
    assert out["last_day"] == "2026-02-24"
    assert out["days"][1] == {"date": "2026-02-14", "counted": True, "reason": "makeup_working_day",
                              "label": "第1个工作日（调休上班日）", "ordinal": 1}
    assert sum(d["counted"] for d in out["days"]) == 2


def test_is_working_day_json():
    out = json.loads(run("calendar", "is-working-day", "2026-02-16", "--json").stdout)
    assert out["date"] == "2026-02-16" and out["working_day"] is False and out["reason"] == "holiday"


def test_years_lists_confirmed_and_override_source(tmp_path):
    f = tmp_path / "overrides.toml"
    f.write_text('[[year]]\nyear = 2027\nnotice = "国务院办公厅关于2027年部分节假日安排的通知"\nmode = "replace"\n'
                 'days_off = [{ date = 2027-01-01, name = "元旦" }]\n', encoding="utf-8")
    out = json.loads(run("calendar", "years", "--json").stdout)
    by_year = {y["year"]: y for y in out["years"]}
    assert len(by_year) == 100 and by_year[2026]["confirmed"] and not by_year[2027]["confirmed"]
    out = json.loads(run("calendar", "years", "--json", env={"CREDITFLOW_CALENDAR_OVERRIDES": str(f)}).stdout)
    y2027 = next(y for y in out["years"] if y["year"] == 2027)
    assert y2027["confirmed"] and "2027年部分节假日" in y2027["source"]


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["calendar", "deadline", "--from", "2026-02-30", "--working-days", "3"], "not a date"),
        (["calendar", "deadline", "--from", "2026-02-03", "--working-days", "0"], ">= 1"),
        (["calendar", "deadline", "--from", "2026-02-03"], "只给出一个期间长度"),
        (["calendar", "deadline", "--from", "2026-02-03", "--days", "1", "--months", "1"], "只给出一个期间长度"),
        (["calendar", "deadline", "--from", "2100-01-03", "--days", "3"], "2000-2099"),
        (["calendar", "is-working-day", "tomorrow"], "not a date"),
        (["calendar", "deadline", "--from", "2026-02-03", "--working-days", "x"], "--working-days"),
        # beyond what a datetime can hold, not only past 2099: still one line, exit 2
        (["calendar", "deadline", "--from", "2026-09-30T15:00:00+08:00", "--hours", "99999999999"], "past the supported years"),
    ],
)
def test_bad_input_exit_2_one_line(args, fragment):
    r = run(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0]


def test_bad_input_with_json_prints_error_object():
    r = run("calendar", "deadline", "--from", "2026-02-30", "--days", "3", "--json")
    assert r.returncode == 2
    assert "not a date" in json.loads(r.stdout)["error"]["message"]


def test_calendar_commands_import_nothing_heavy():
    code = ("import sys; from workflows.cli import main\n"
            "try:\n main(['calendar','deadline','--from','2026-02-06','--working-days','15'])\n"
            "except SystemExit: pass\n"
            "heavy = [m for m in ('sqlalchemy','prefect','weasyprint','alembic','fastapi') if m in sys.modules]\n"
            "print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_days_explained_through_the_national_day_holiday():
    """3 days from 28 September 2026: the 3rd day, 1 October, is a holiday, so the last day moves on to the
    next working day, 8 October (Civil Code Art. 203)."""
    r = run("calendar", "explain", "--from", "2026-09-28", "--days", "3", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["last_day"] == "2026-10-08" and out["ends_at"] == "2026-10-09T00:00:00+08:00"
    by_day = {d["date"]: d for d in out["days"]}
    assert by_day["2026-10-01"]["counted"] and by_day["2026-10-01"]["ordinal"] == 3
    assert "国庆节" in by_day["2026-10-01"]["label"]
    assert [d for d, e in by_day.items() if e["reason"] == "rest_day_moved"] == [
        "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"]
    assert by_day["2026-10-08"]["reason"] == "last_day_moved"
    text = run("calendar", "explain", "--from", "2026-09-28", "--days", "3").stdout.splitlines()
    assert text[-1].startswith("期间最后一日：2026-10-08")


def test_hours_run_from_the_instant_to_the_instant():
    r = run("calendar", "deadline", "--from", "2026-09-30T15:00:00+08:00", "--hours", "24", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["unit"] == "hours" and out["hours"] == 24 and out["from"] == "2026-09-30T15:00:00+08:00"
    assert out["ends_at"] == "2026-10-01T15:00:00+08:00"  # 1 October is a holiday: not moved
    assert out["last_day"] == "2026-10-01" and out["provisional"] is False
    # the same instant given in another offset is the same period
    utc = json.loads(run("calendar", "deadline", "--from", "2026-09-30T07:00:00+00:00", "--hours", "24",
                         "--json").stdout)
    assert utc["ends_at"] == out["ends_at"]
    text = run("calendar", "deadline", "--from", "2026-09-30T15:00:00+08:00", "--hours", "24").stdout
    assert text.startswith("2026-10-01T15:00:00+08:00 届满") and "不因节假日顺延" in text


def test_hours_explained_hour_by_hour_of_each_day():
    r = run("calendar", "explain", "--from", "2026-09-30T15:00:00+08:00", "--hours", "57", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    # 15:00 on 30 September + 57 hours = 00:00 on 3 October: the period's last moment is 24:00 of 2 October
    assert out["ends_at"] == "2026-10-03T00:00:00+08:00" and out["last_day"] == "2026-10-02"
    assert [(d["date"], d["reason"]) for d in out["days"]] == [
        ("2026-09-30", "hour_start"), ("2026-10-01", "hour_day"), ("2026-10-02", "hour_end")]
    assert all(d["counted"] for d in out["days"])
    assert "15:00" in out["days"][0]["label"] and "24:00" in out["days"][2]["label"]
    assert "不顺延" in out["days"][1]["label"]


@pytest.mark.parametrize("args, fragments", [
    (["--from", "2026-09-30", "--hours", "24"], ["时刻", "2026-09-30T15:00:00+08:00"]),
    (["--from", "2026-09-30T15:00:00", "--hours", "24"], ["时区"]),
    (["--from", "下午三点", "--hours", "24"], ["ISO 8601"]),
    (["--from", "2026-09-30T15:00:00+08:00", "--days", "3"], ["--days", "只写日期", "--from 2026-09-30"]),
    (["--from", "2026-09-30T15:00:00+08:00", "--working-days", "3"], ["--working-days", "只写日期"]),
    (["--from", "2026-09-30T15:00:00+08:00", "--hours", "0"], [">= 1"]),
    (["--from", "2026-09-30T15:00:00+08:00", "--hours", "24", "--days", "1"], ["只给出一个期间长度"]),
])
@pytest.mark.parametrize("command", ["deadline", "explain"])
def test_hour_and_day_starts_refused_exit_2_one_line(command, args, fragments):
    r = run("calendar", command, *args)
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and all(f in lines[0] for f in fragments), lines
