"""cases opened by other cases, and cases about an archive entry

* `cases.opened_by`: the case whose transition opened this one by a declared effect (a child's
  parent, or the case a linked case was opened from).
* `cases.entry_id`: the archive entry a case is about (an objection to an entry: 河南省医疗保障基金
  使用信用管理办法 Art. 24 grounds (1), (3)-(5) concern information, not grades).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cases', sa.Column('opened_by', sa.Integer(), nullable=True))
    op.add_column('cases', sa.Column('entry_id', sa.Integer(), nullable=True))
    op.create_index('ix_cases_opened_by', 'cases', ['opened_by'])
    op.create_index('ix_cases_entry', 'cases', ['entry_id'])


def downgrade() -> None:
    op.drop_index('ix_cases_entry', table_name='cases')
    op.drop_index('ix_cases_opened_by', table_name='cases')
    op.drop_column('cases', 'entry_id')
    op.drop_column('cases', 'opened_by')
