"""The repository stands alone: nothing it ships points at files a user who clones it does not have.

The team's working notes (the rules and design notes, the source documents, the law texts) live
outside the repository. Code, docs, templates and anything the program prints cite the law itself
(title, article, date) or docs/rules.md instead. This test reads every tracked text file (the list
comes from `git ls-files`, read-only) and names each file and line that still points outside.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()

# What a pointer outside the repository looks like. Case-sensitive on purpose: "rules.md" (lower
# case) is docs/rules.md, which is in the repository. `DESIGN "` is a section of the design notes
# cited by its title (DESIGN "The audit trail").
FORBIDDEN = ("../shared", "RULES §", "RULES.md", "DESIGN.md", "DESIGN:", 'DESIGN "', "seeds/")
PATTERN = re.compile("|".join(re.escape(s) for s in FORBIDDEN))


def tracked_files() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"not a git checkout: {exc.stderr.decode(errors='replace').strip()}")
    return [p for p in out.decode("utf-8").split("\0") if p]


def text_of(path: Path) -> str | None:
    """The file's text, or None for a binary (or missing, e.g. deleted but not yet staged) file."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_no_tracked_file_points_outside_the_repository():
    hits = []
    for name in tracked_files():
        if name == THIS:
            continue
        text = text_of(ROOT / name)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            found = PATTERN.findall(line)
            if found:
                hits.append(f"{name}:{number}: {', '.join(dict.fromkeys(found))}: {line.strip()[:160]}")
    assert not hits, (
        "files outside the repository are referenced; cite the law itself (title, article, date) or "
        "docs/rules.md instead:\n" + "\n".join(hits))


def test_the_check_finds_what_it_should():
    """The pattern catches every forbidden form and leaves docs/rules.md references alone."""
    for bad in ("see ../shared/x", "(RULES §7)", "RULES.md §3", "DESIGN.md", 'article="DESIGN: roles"',
                '(DESIGN "One transition, one transaction")', "seeds/003_0af6d573779fb0f0.txt"):
        assert PATTERN.search(bad), bad
    for good in ("docs/rules.md §7", "[rules.md §8](rules.md#8-what-every-step-leaves-behind)", "design notes",
                 "the seed of the random generator"):
        assert not PATTERN.search(good), good


def test_every_rule_code_is_documented():
    """A handler who sees a rule code in a refusal finds it in docs/rules.md."""
    from states import PROCEDURES

    rules = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    codes = {g.code for proc in PROCEDURES.values() for t in proc.transitions for g in t.guards}
    codes |= {"ROLE", "FOUR-EYES", "TRIGGER", "NO-ROUTE"}  # states/machine.py
    # Refusals raised in the shell name their rule code as code="UPPER-CASE" (lower-case codes are input checks).
    for source in sorted((ROOT / "workflows").rglob("*.py")):
        codes |= set(re.findall(r'code="([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)"', source.read_text(encoding="utf-8")))
    missing = sorted(c for c in codes if f"`{c}`" not in rules)
    assert not missing, f"rule codes not listed in docs/rules.md: {', '.join(missing)}"
