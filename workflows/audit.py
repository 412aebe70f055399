"""The hash chain of the transition log: canonical content and row hashes.

Canonical form: the row's fields (below) as JSON with sorted keys, no spaces, UTF-8, instants as
UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; the row hash is SHA-256 over that text. Each row carries the
previous row's hash of the same case (``""`` for the first), so any edit breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

CHAINED_FIELDS = (
    "case_id", "seq", "trigger", "from_state", "to_state", "actor", "role", "effective_at", "recorded_at",
    "clock_overridden", "inputs", "rules", "timer_effects", "notice_number", "notice_hash", "prev_hash",
)


def instant(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row: dict, fields: tuple[str, ...] = CHAINED_FIELDS) -> str:
    content = {}
    for key in fields:
        value = row[key]
        if isinstance(value, datetime):
            value = instant(value)
        content[key] = value
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(row: dict) -> str:
    return hashlib.sha256(canonical(row).encode("utf-8")).hexdigest()


# -- checkpoints (workflows/auditing.py writes and checks them) ---------------------------------------
#
# A checkpoint seals every case's chain head at one moment. Its heads digest is SHA-256 over the lines
# ``"<case_id> <seq> <head>\n"`` (UTF-8) in ascending case id; its hash is SHA-256 over the canonical
# JSON (as above) of CHECKPOINT_FIELDS, where ``prev_hash`` is the previous checkpoint's hash (``""``
# for the first), so the checkpoints form one chain of their own.

CHECKPOINT_FIELDS = ("created_at", "case_count", "row_count", "heads_digest", "prev_hash")


def head_line(case_id: int, seq: int, head: str) -> bytes:
    return f"{case_id} {seq} {head}\n".encode("utf-8")


def checkpoint_hash(checkpoint: dict) -> str:
    content = {}
    for key in CHECKPOINT_FIELDS:
        value = checkpoint[key]
        content[key] = instant(value) if isinstance(value, datetime) else value
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- settings changes (workflows/deployment.py records them, workflows/auditing.py checks them) -------------
#
# A change of the deployment's identity once the store has cases (department, number prefix,
# reconsideration body, court) is one row of `settings_changes`: `old` and `new` hold all four settings
# as stored (null when unset). Its hash is SHA-256 over the canonical JSON (as above) of
# SETTINGS_CHANGE_FIELDS, where `prev_hash` is the previous change's hash (`""` for seq 1): the changes
# form one chain of their own, seq 1, 2, 3... without gaps.

SETTINGS_CHANGE_FIELDS = ("seq", "actor", "changed_at", "clock_overridden", "old", "new", "prev_hash")


def settings_change_hash(row: dict) -> str:
    return hashlib.sha256(canonical(row, SETTINGS_CHANGE_FIELDS).encode("utf-8")).hexdigest()


# -- subject changes (workflows/store/people_repo.py records them, workflows/auditing.py checks them) --------
#
# A change of a registered subject's data (today its name, corrected by `evaluation import --update-names`)
# is one row of `subject_changes`: `old` and `new` hold the changed fields as they were and became
# ({"name": ...}), `reason` says why (the import file and row). Its hash is SHA-256 over the canonical JSON
# of SUBJECT_CHANGE_FIELDS, `prev_hash` the previous change's hash (`""` for seq 1): one chain of their
# own, seq 1, 2, 3... without gaps, over every subject.

SUBJECT_CHANGE_FIELDS = ("seq", "subject_id", "actor", "changed_at", "clock_overridden", "old", "new", "reason",
                         "prev_hash")


def subject_change_hash(row: dict) -> str:
    return hashlib.sha256(canonical(row, SUBJECT_CHANGE_FIELDS).encode("utf-8")).hexdigest()
