"""written notices after issue: the stored PDF of each notice (rendered once, served ever after)
and its service records (送达), both append-only like the notices themselves

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

The triggers follow migration 0002's pattern (and reuse its PostgreSQL function
creditflow_append_only()).
"""
from alembic import op
import sqlalchemy as sa
import workflows.store.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

APPEND_ONLY = ('notice_pdfs', 'notice_services')


def upgrade() -> None:
    op.create_table('notice_pdfs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('html_hash', sa.String(length=64), nullable=False),
    sa.Column('renderer', sa.JSON(), nullable=False),
    sa.Column('rendered_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['number'], ['notices.number'], name=op.f('fk_notice_pdfs_number_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_pdfs')),
    sa.UniqueConstraint('number', name=op.f('uq_notice_pdfs_number'))
    )
    op.create_table('notice_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('addressee', sa.String(length=256), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('clock_overridden', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['number'], ['notices.number'], name=op.f('fk_notice_services_number_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_services'))
    )
    op.create_index('ix_notice_services_number', 'notice_services', ['number'], unique=False)

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
                    "(a stored notice never changes)'); END"
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
    op.drop_index('ix_notice_services_number', table_name='notice_services')
    op.drop_table('notice_services')
    op.drop_table('notice_pdfs')
