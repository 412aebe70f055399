"""hash-chained changes of registered subjects (a name corrected by an import)

* `subject_changes`: every change of a registered subject's data after registration (today its name,
  corrected by `creditflow evaluation import --update-names`): who, when, why, the old and the new
  values, hash-chained like `settings_changes`; `creditflow audit verify` checks the chain and that
  every subject's name is the one its last change recorded.
* append-only like the log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

The triggers follow migration 0002's pattern (and reuse its PostgreSQL function
creditflow_append_only()).
"""
from alembic import op
import sqlalchemy as sa
import workflows.store.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLE = 'subject_changes'


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('changed_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('clock_overridden', sa.Boolean(), nullable=False),
    sa.Column('old', sa.JSON(), nullable=False),
    sa.Column('new', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_changes_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_changes')),
    sa.UniqueConstraint('seq', name=op.f('uq_subject_changes_seq'))
    )
    op.create_index('ix_subject_changes_subject', TABLE, ['subject_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} '
                   'FOR EACH ROW EXECUTE FUNCTION creditflow_append_only()')
        op.execute(f'CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} '
                   'FOR EACH STATEMENT EXECUTE FUNCTION creditflow_append_only()')
    else:
        for operation in ('UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER {TABLE}_no_{operation.lower()} BEFORE {operation} ON {TABLE} '
                f"BEGIN SELECT RAISE(ABORT, 'creditflow: {TABLE} is append-only: {operation} refused "
                "(the audit trail cannot be edited)'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}')
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}')
    else:
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_no_update')
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_no_delete')
    op.drop_index('ix_subject_changes_subject', table_name=TABLE)
    op.drop_table(TABLE)
