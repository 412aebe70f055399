"""append-only credit archive with status rows, and hash-chained deployment settings changes

* `archive_status`: an archive entry's status changes (superseded, disputed, expired, withdrawn)
  are new rows that refer to it; its current status is derived from them (河南省医疗保障基金使用
  信用管理办法 Art. 30-31: an entry is used only while in use and within its disclosure period).
* `archive_entries` and `archive_status` become append-only like the log.
* `settings_changes`: every change of the deployment's identity (department, prefix, remedies
  bodies) after the first case, hash-chained; `creditflow audit verify` checks the chain.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

The triggers follow migration 0002's pattern (and reuse its PostgreSQL function
creditflow_append_only()).
"""
from alembic import op
import sqlalchemy as sa
import workflows.store.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

APPEND_ONLY = ('archive_entries', 'archive_status', 'settings_changes')


def upgrade() -> None:
    op.create_table('archive_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('by_entry_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['archive_entries.id'], name=op.f('fk_archive_status_entry_id_archive_entries')),
    sa.ForeignKeyConstraint(['by_entry_id'], ['archive_entries.id'],
                            name=op.f('fk_archive_status_by_entry_id_archive_entries')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_archive_status_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_status'))
    )
    with op.batch_alter_table('archive_status', schema=None) as batch_op:
        batch_op.create_index('ix_archive_status_entry', ['entry_id'], unique=False)
    op.create_table('settings_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('changed_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('clock_overridden', sa.Boolean(), nullable=False),
    sa.Column('old', sa.JSON(), nullable=False),
    sa.Column('new', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settings_changes')),
    sa.UniqueConstraint('seq', name=op.f('uq_settings_changes_seq'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY:
            op.execute(f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} '
                       'FOR EACH ROW EXECUTE FUNCTION creditflow_append_only()')
            op.execute(f'CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} '
                       'FOR EACH STATEMENT EXECUTE FUNCTION creditflow_append_only()')
    else:
        for table in APPEND_ONLY:
            for operation in ('UPDATE', 'DELETE'):
                op.execute(
                    f'CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} '
                    f"BEGIN SELECT RAISE(ABORT, 'creditflow: {table} is append-only: {operation} refused "
                    "(the audit trail cannot be edited)'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}')
    else:
        for table in APPEND_ONLY:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_delete')
    with op.batch_alter_table('archive_status', schema=None) as batch_op:
        batch_op.drop_index('ix_archive_status_entry')
    op.drop_table('settings_changes')
    op.drop_table('archive_status')
