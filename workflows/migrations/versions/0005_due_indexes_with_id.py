"""due-work indexes end with the timer id, so the sweep reads exactly `limit` entries

The sweep orders due work by (due instant, timer id). Deadlines share their instant in bulk (a
bureau publishes a year's grades on one day, so their objection windows all end at the same
00:00), and with the indexes on (status, instant) PostgreSQL had to read and sort every timer of
an instant before it could return the first 500 (docs/benchmarks.md, "Sweep").

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_timers_due', table_name='timers')
    op.create_index('ix_timers_due', 'timers', ['status', 'ends_at', 'id'], unique=False)
    op.drop_index('ix_timers_remind', table_name='timers')
    op.create_index('ix_timers_remind', 'timers', ['status', 'remind_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_timers_remind', table_name='timers')
    op.create_index('ix_timers_remind', 'timers', ['status', 'remind_at'], unique=False)
    op.drop_index('ix_timers_due', table_name='timers')
    op.create_index('ix_timers_due', 'timers', ['status', 'ends_at'], unique=False)
