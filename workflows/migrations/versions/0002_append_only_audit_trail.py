"""the audit trail: checkpoints, and triggers that make the log, the notices and the checkpoints
append-only (the database itself refuses UPDATE, DELETE and, on PostgreSQL, TRUNCATE)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Keep the trigger names: `creditflow audit verify` checks they exist (APPEND_ONLY_TRIGGERS in
workflows/auditing.py). A later migration that makes SQLite recreate one of these tables (a batch
"move and copy") drops its triggers with it and must create them again.
"""
from alembic import op
import sqlalchemy as sa
import workflows.store.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

APPEND_ONLY = ('transitions', 'notices', 'checkpoints', 'checkpoint_heads')

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION creditflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'creditflow: % is append-only: % refused (the audit trail cannot be edited)',
        TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'Record a correction as a new transition; see docs/audit.md.';
END
$$
"""


def upgrade() -> None:
    op.create_table('checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('case_count', sa.Integer(), nullable=False),
    sa.Column('row_count', sa.BigInteger(), nullable=False),
    sa.Column('heads_digest', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoints')),
    sa.UniqueConstraint('hash', name=op.f('uq_checkpoints_hash')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_checkpoints_prev_hash'))
    )
    op.create_table('checkpoint_heads',
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoints.id'],
                            name=op.f('fk_checkpoint_heads_checkpoint_id_checkpoints')),
    sa.PrimaryKeyConstraint('checkpoint_id', 'case_id', name=op.f('pk_checkpoint_heads'))
    )

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
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
        op.execute('DROP FUNCTION IF EXISTS creditflow_append_only()')
    else:
        for table in APPEND_ONLY:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_delete')
    op.drop_table('checkpoint_heads')
    op.drop_table('checkpoints')
