"""The shell knows no procedure by name: every kind and trigger comes from the registry's declarations.

`workflows/` (the migrations aside) may not spell a procedure kind or a trigger of `states.REGISTRY` as a
string literal ("objection", "publish", …): a new procedure is a module in `states/`, never an edit of
the engine, the services or the adapters. The engine's own vocabulary (states/spec.py: service,
reminders, recomputed deadlines; states/common.py: corrections) is shared by every procedure and allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

from states import REGISTRY
from states.spec import RECOMPUTE_TRIGGER, REMINDER_TRIGGER, SERVED_TRIGGER

ROOT = Path(__file__).resolve().parents[1]
ENGINE_VOCABULARY = {SERVED_TRIGGER, REMINDER_TRIGGER, RECOMPUTE_TRIGGER, "correct_notice"}

# Adapters' documented convenience aliases, whole files: the lead shrinks this list as the aliases go.
ALLOWED_FILES = {
    # `evaluation publish` (= `case open evaluation --subject`) and `case open objection --evaluation …`
    # (= `--parent`, `--set`): the command line's aliases, kept for the README's examples and the bureau's habits.
    "workflows/cli/aliases.py",
    # `record add|list|revoke` (= `case open record --subject`, `case act CASE revoke`): the 失信 record's commands.
    "workflows/cli/records.py",
}

# Literals that spell a procedure's word but mean something else, each allowed once (its one definition):
# the incidents table's status "open" (open | resolved) is not the objection's opening trigger "open".
# The command `case open` (cli/cases.py) is the command line's verb; the trigger it fires is the kind's
# `opening_trigger()`, whatever its name.
# The commands `user add` and `subject add` (cli/cases.py) are the command line's verb, not the record's
# opening trigger "add".
# The command `report monthly` (cli/exports.py) is the command line's noun for the leadership's reports, not
# a procedure's trigger "report".
NOT_VOCABULARY = {("workflows/store/sweep_repo.py", "open"): 1, ("workflows/cli/cases.py", "open"): 1,
                  ("workflows/cli/cases.py", "add"): 2, ("workflows/cli/exports.py", "report"): 1}


def _words() -> set[str]:
    return (set(REGISTRY.kinds) | REGISTRY.triggers()) - ENGINE_VOCABULARY


def _hits() -> list[tuple[str, int, str, str]]:
    words = sorted(_words(), key=len, reverse=True)
    literal = re.compile(r"""(["'])(%s)\1""" % "|".join(re.escape(w) for w in words))
    hits = []
    for path in sorted((ROOT / "workflows").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("workflows/migrations/"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in literal.finditer(line):
                hits.append((rel, n, m.group(2), line.strip()))
    return hits


def test_the_words_are_those_of_the_registry():
    words = _words()
    assert {"evaluation", "objection", "publish"} <= words  # the scan looks for something real
    assert not words & ENGINE_VOCABULARY


def test_workflows_names_no_procedure_kind_or_trigger():
    seen: dict[tuple[str, str], int] = {}
    found = []
    for rel, n, word, line in _hits():
        if rel in ALLOWED_FILES:
            continue
        seen[(rel, word)] = seen.get((rel, word), 0) + 1
        if seen[(rel, word)] <= NOT_VOCABULARY.get((rel, word), 0):
            continue
        found.append(f"{rel}:{n}: {word!r} in: {line}")
    assert not found, ("procedure kinds or triggers spelled in workflows/ (take them from the registry's "
                       "declarations instead):\n" + "\n".join(found))


def test_the_allow_list_holds_only_files_that_exist_and_still_need_it():
    hit_files = {rel for rel, *_ in _hits()}
    for rel in ALLOWED_FILES:
        assert (ROOT / rel).is_file(), f"{rel} is gone: drop it from ALLOWED_FILES"
        assert rel in hit_files, f"{rel} no longer names a procedure: drop it from ALLOWED_FILES"
