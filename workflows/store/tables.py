"""Tables (SQLAlchemy Core). Migrations in workflows/migrations create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from .types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

deployment = Table(
    "deployment",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("roles", String(128), nullable=False),  # comma-separated: handler,approver,auditor,system
    Column("created_at", UTCDateTime, nullable=False),
)

subjects = Table(
    "subjects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("identifier_kind", String(16), nullable=False),  # uscc | id_number
    Column("identifier", String(18), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("declaration_version", Integer, nullable=False),
    Column("state", String(64), nullable=False),
    Column("version", Integer, nullable=False),  # optimistic lock: +1 per transition
    Column("parent_id", Integer, ForeignKey("cases.id"), nullable=True),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=True),
    # The case that opened this one by a declared effect (its parent for a child, else a linked case),
    # and the archive entry it is about (an objection to an entry). Migration 0007; plain integers, as
    # SQLite cannot add a foreign key to an existing table.
    Column("opened_by", Integer, nullable=True),
    Column("entry_id", Integer, nullable=True),
    # The case's current owner (users.name): the person who opened it, or whom an approver assigned it to
    # (the common `assign` transition); None for a case the system opened until it is assigned. Migration 0010.
    Column("assignee", String(64), nullable=True),
    Column("data", JSON, nullable=False),
    Column("is_final", Boolean, nullable=False, default=False),
    Column("overdue", Boolean, nullable=False, default=False),
    Column("log_seq", Integer, nullable=False, default=0),
    Column("chain_head", String(64), nullable=False, default=""),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_cases_parent", "parent_id"),
    Index("ix_cases_opened_by", "opened_by"),
    Index("ix_cases_entry", "entry_id"),
    Index("ix_cases_subject_kind", "subject_id", "kind"),
    Index("ix_cases_kind_state", "kind", "state"),
    Index("ix_cases_assignee", "assignee"),
)

timers = Table(
    "timers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # running | suspended | stopped | fired
    Column("side", String(16), nullable=False),  # subject | agency
    Column("on_expiry", String(64), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("clock", JSON, nullable=False),  # calendars.Clock.to_dict() or {"start","amount"}
    Column("start_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("provisional", Boolean, nullable=False),
    Column("calendar_version", String(32), nullable=False),
    Column("fired_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    # Reminder before an agency deadline (TimerSpec.remind_before): due at remind_at; cleared once sent,
    # with reminded_for = the last day it announced, so a moved deadline gets one new reminder.
    Column("remind_at", UTCDateTime, nullable=True),
    Column("reminded_for", Date, nullable=True),
    UniqueConstraint("case_id", "name", name="uq_timers_case_name"),
    # Due work is read in (instant, id) order; ending with id lets a LIMIT stop after `limit` entries
    # even when thousands of deadlines share one instant (migration 0005).
    Index("ix_timers_due", "status", "ends_at", "id"),
    Index("ix_timers_remind", "status", "remind_at", "id"),
)

# A timer whose expiry, reminder or recompute raised: recorded outside the failed transaction,
# retried by later sweeps with back-off (workflows/services/sweep.py), shown by `creditflow incidents`.
incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("timer_id", Integer, ForeignKey("timers.id"), nullable=False),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("work", String(16), nullable=False),  # expiry | reminder
    Column("trigger", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # open | resolved
    Column("attempts", Integer, nullable=False),
    Column("error_code", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("detail", Text, nullable=False),  # the traceback of the last failure
    Column("first_failed_at", UTCDateTime, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolution", String(256), nullable=True),
    Index("ix_incidents_timer", "timer_id", "work", "status"),
    Index("ix_incidents_status", "status", "next_attempt_at"),
)

# Who is sweeping (SQLite only): one sweeper at a time holds this lease; PostgreSQL sweepers share
# the work with FOR UPDATE SKIP LOCKED instead.
sweep_leases = Table(
    "sweep_leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("trigger", String(64), nullable=False),
    Column("from_state", String(64), nullable=True),
    Column("to_state", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("effective_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("clock_overridden", Boolean, nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("rules", JSON, nullable=False),
    Column("timer_effects", JSON, nullable=False),
    Column("notice_number", String(64), nullable=True),
    Column("notice_hash", String(64), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_transitions_case_seq"),
)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("department", String(64), nullable=False),
    Column("series", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("transition_seq", Integer, nullable=False),
    Column("template", String(128), nullable=False),
    Column("title", String(128), nullable=False),
    Column("audience", String(16), nullable=False),
    Column("addressee", String(256), nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    UniqueConstraint("department", "series", "year", "seq", name="uq_notices_numbering"),
    Index("ix_notices_case", "case_id"),
)

number_sequences = Table(
    "number_sequences",
    metadata,
    Column("department", String(64), primary_key=True),
    Column("series", String(16), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
)

archive_entries = Table(
    "archive_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # states.archive.KINDS: basic | good | bad | evaluation | supervision (Art. 10)
    Column("category", String(64), nullable=False),  # for "same type" comparisons (Art. 39(2))
    Column("facts", Text, nullable=False),
    Column("collected_by", String(128), nullable=False),
    Column("determined_on", Date, nullable=False),
    Column("disclosure_until", Date, nullable=True),
    Column("rule", String(256), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_archive_subject", "subject_id"),
)

# An archive entry's status changes (migration 0006): superseded (by a correcting or later entry),
# disputed (under objection), expired, withdrawn. Append-only, like the entries: an entry's current
# status is derived from its rows (workflows/store/archive.py).
archive_status = Table(
    "archive_status",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, ForeignKey("archive_entries.id"), nullable=False),
    Column("status", String(16), nullable=False),  # superseded | disputed | expired | withdrawn
    Column("by_entry_id", Integer, ForeignKey("archive_entries.id"), nullable=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=True),
    Column("effective_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_archive_status_entry", "entry_id"),
)

# Changes of the deployment's identity (department, number prefix, remedies bodies) once cases exist
# (migration 0006): who, when, old and new values, hash-chained; `audit verify` checks the chain.
settings_changes = Table(
    "settings_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("actor", String(64), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("clock_overridden", Boolean, nullable=False),
    Column("old", JSON, nullable=False),
    Column("new", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Changes of a registered subject's data (migration 0008): today a name corrected by `evaluation import
# --update-names`; who, when, why, old and new values, hash-chained like the settings changes
# (workflows/audit.py `subject_change_hash`); `audit verify` checks the chain and the names in force.
subject_changes = Table(
    "subject_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("clock_overridden", Boolean, nullable=False),
    Column("old", JSON, nullable=False),
    Column("new", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_subject_changes_subject", "subject_id"),
)

# The audit trail's seals (issue 5, workflows/auditing.py): a checkpoint records every case's chain
# head at one moment and a hash over all of them, chained to the previous checkpoint. Append-only
# like the log: migration 0002 puts triggers on these, `transitions` and `notices`.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("case_count", Integer, nullable=False),
    Column("row_count", BigInteger, nullable=False),
    Column("heads_digest", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False, unique=True),  # unique: the checkpoints form one line
    Column("hash", String(64), nullable=False, unique=True),
)

checkpoint_heads = Table(
    "checkpoint_heads",
    metadata,
    Column("checkpoint_id", Integer, ForeignKey("checkpoints.id"), primary_key=True),
    Column("case_id", Integer, primary_key=True),  # no foreign key: a sealed head outlives a deleted case
    Column("seq", Integer, nullable=False),
    Column("head", String(64), nullable=False),
)

# Written notices after issue (issue 6, workflows/services/documents.py). Both insert-only (migration 0003 puts
# the same append-only triggers on them as on `notices`): a stored notice never changes.
# The PDF of a notice, rendered from its stored HTML on first export and served from here ever after,
# so that every export gives the same bytes whatever WeasyPrint, Pango or the fonts become.
notice_pdfs = Table(
    "notice_pdfs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(64), ForeignKey("notices.number"), nullable=False, unique=True),
    Column("pdf", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("html_hash", String(64), nullable=False),  # the notice's content_hash it was rendered from
    Column("renderer", JSON, nullable=False),  # notices.pdf.renderer_versions()
    Column("rendered_at", UTCDateTime, nullable=False),
)

# Service (送达) of a notice: how and when it reached its addressee, and who recorded it. The
# subject's periods (e.g. 行政复议 60 days, 行政诉讼 6 months) run from service.
notice_services = Table(
    "notice_services",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(64), ForeignKey("notices.number"), nullable=False),
    Column("method", String(16), nullable=False),  # direct | post | electronic
    Column("served_on", Date, nullable=False),
    Column("addressee", String(256), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("clock_overridden", Boolean, nullable=False),
    Index("ix_notice_services_number", "number"),
)

# Sealed inputs (`Input(sealed=True)`, migration 0009): a value the case's data, the log and the notices never
# hold (a reporter's identity: NHSA Order No. 5 (2022) protects it). Append-only like the log. The
# transition that took it (case, seq) refers to the row as {"sealed": id, "sha256": digest}; `digest` is
# HMAC-SHA256 under the row's own random `key` of "<name>\x1f<value>" (workflows/store/sealed_repo.py), so
# the digest in the log cannot be brute-forced from a list of names by whoever reads only the log.
sealed_inputs = Table(
    "sealed_inputs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("transition_seq", Integer, nullable=False),  # the log row (case_id, seq) that took it
    Column("name", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("key", String(64), nullable=False),  # hex of the 32 random bytes the digest is keyed with
    Column("digest", String(64), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Index("ix_sealed_inputs_case", "case_id", "name"),
)

# The content of material attached to a case (the common `attach` transition), one row per distinct content,
# keyed by its SHA-256; the log row of each attachment names the hash. Append-only like the log. Migration 0011.
attachment_blobs = Table(
    "attachment_blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("stored_at", UTCDateTime, nullable=False),
)

# The web's accounts (workflows/web, migration 0012): a person's password (argon2 hash), the API's bearer
# tokens (only their SHA-256 kept; revocable), the browsers' sessions, and the attempts counted for rate limiting, as rows so that
# every web process sees the same counts. The session signing key is a row of `deployment` (web_session_key).
user_passwords = Table(
    "user_passwords",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_api_tokens_user", "user_id"),
)

# A logged-in browser's session: the cookie carries a random secret, the row its SHA-256, so logout (or a new
# password) ends the session on the server, for every web process.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Index("ix_web_sessions_user", "user_id"),
)

rate_limit_hits = Table(
    "rate_limit_hits",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("bucket", String(32), nullable=False),
    Column("key", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_rate_limit_hits_bucket_key_at", "bucket", "key", "at"),
)
