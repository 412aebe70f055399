"""initial schema: deployment settings, users, subjects, cases, timers, the transition log,
notices, number sequences and the credit archive

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import workflows.store.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deployment',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_deployment'))
    )
    op.create_table('number_sequences',
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('series', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('department', 'series', 'year', name=op.f('pk_number_sequences'))
    )
    op.create_table('subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('identifier_kind', sa.String(length=16), nullable=False),
    sa.Column('identifier', sa.String(length=18), nullable=False),
    sa.Column('created_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subjects')),
    sa.UniqueConstraint('identifier', name=op.f('uq_subjects_identifier'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.String(length=128), nullable=False),
    sa.Column('created_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('declaration_version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('is_final', sa.Boolean(), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('log_seq', sa.Integer(), nullable=False),
    sa.Column('chain_head', sa.String(length=64), nullable=False),
    sa.Column('opened_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['cases.id'], name=op.f('fk_cases_parent_id_cases')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_cases_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_kind_state', ['kind', 'state'], unique=False)
        batch_op.create_index('ix_cases_parent', ['parent_id'], unique=False)
        batch_op.create_index('ix_cases_subject_kind', ['subject_id', 'kind'], unique=False)

    op.create_table('archive_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('collected_by', sa.String(length=128), nullable=False),
    sa.Column('determined_on', sa.Date(), nullable=False),
    sa.Column('disclosure_until', sa.Date(), nullable=True),
    sa.Column('rule', sa.String(length=256), nullable=False),
    sa.Column('created_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_archive_entries_case_id_cases')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_archive_entries_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_entries'))
    )
    with op.batch_alter_table('archive_entries', schema=None) as batch_op:
        batch_op.create_index('ix_archive_subject', ['subject_id'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('series', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('transition_seq', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=128), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('addressee', sa.String(length=256), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notices_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('department', 'series', 'year', 'seq', name='uq_notices_numbering'),
    sa.UniqueConstraint('number', name=op.f('uq_notices_number'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_case', ['case_id'], unique=False)

    op.create_table('timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('on_expiry', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('clock', sa.JSON(), nullable=False),
    sa.Column('start_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('ends_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('calendar_version', sa.String(length=32), nullable=False),
    sa.Column('fired_at', workflows.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_timers_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timers')),
    sa.UniqueConstraint('case_id', 'name', name='uq_timers_case_name')
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index('ix_timers_due', ['status', 'ends_at'], unique=False)

    op.create_table('transitions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=64), nullable=False),
    sa.Column('from_state', sa.String(length=64), nullable=True),
    sa.Column('to_state', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('effective_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('clock_overridden', sa.Boolean(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('timer_effects', sa.JSON(), nullable=False),
    sa.Column('notice_number', sa.String(length=64), nullable=True),
    sa.Column('notice_hash', sa.String(length=64), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_transitions_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transitions')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_transitions_case_seq')
    )


def downgrade() -> None:
    op.drop_table('transitions')
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_due')

    op.drop_table('timers')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_case')

    op.drop_table('notices')
    with op.batch_alter_table('archive_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_archive_subject')

    op.drop_table('archive_entries')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_subject_kind')
        batch_op.drop_index('ix_cases_parent')
        batch_op.drop_index('ix_cases_kind_state')

    op.drop_table('cases')
    op.drop_table('users')
    op.drop_table('subjects')
    op.drop_table('number_sequences')
    op.drop_table('deployment')
