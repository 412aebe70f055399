"""timers that fail become incidents; reminders before agency deadlines; the SQLite sweep lease

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import workflows.store.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timers') as batch:
        batch.add_column(sa.Column('remind_at', workflows.store.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('reminded_for', sa.Date(), nullable=True))
    op.create_index('ix_timers_remind', 'timers', ['status', 'remind_at'], unique=False)
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timer_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('work', sa.String(length=16), nullable=False),
    sa.Column('trigger', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('first_failed_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_failed_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', workflows.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=256), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_incidents_case_id_cases')),
    sa.ForeignKeyConstraint(['timer_id'], ['timers.id'], name=op.f('fk_incidents_timer_id_timers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    op.create_index('ix_incidents_timer', 'incidents', ['timer_id', 'work', 'status'], unique=False)
    op.create_index('ix_incidents_status', 'incidents', ['status', 'next_attempt_at'], unique=False)
    op.create_table('sweep_leases',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('acquired_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sweep_leases'))
    )


def downgrade() -> None:
    op.drop_table('sweep_leases')
    op.drop_index('ix_incidents_status', table_name='incidents')
    op.drop_index('ix_incidents_timer', table_name='incidents')
    op.drop_table('incidents')
    op.drop_index('ix_timers_remind', table_name='timers')
    with op.batch_alter_table('timers') as batch:
        batch.drop_column('reminded_for')
        batch.drop_column('remind_at')
