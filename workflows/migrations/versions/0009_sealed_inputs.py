"""sealed inputs: values kept out of the case's data, the log and the notices (a reporter's identity)

* `sealed_inputs`: one row per sealed input a transition took (`states.spec.Input(sealed=True)`), with the
  log row it belongs to, its keyed digest and who recorded it; the log refers to it by id and digest.
  Append-only like the log (the same triggers, reusing migration 0002's PostgreSQL function
  creditflow_append_only()).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""
from alembic import op
import sqlalchemy as sa
import workflows.store.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

APPEND_ONLY = ('sealed_inputs',)


def upgrade() -> None:
    op.create_table('sealed_inputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('transition_seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_sealed_inputs_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_inputs'))
    )
    op.create_index('ix_sealed_inputs_case', 'sealed_inputs', ['case_id', 'name'])
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
    op.drop_index('ix_sealed_inputs_case', table_name='sealed_inputs')
    op.drop_table('sealed_inputs')
