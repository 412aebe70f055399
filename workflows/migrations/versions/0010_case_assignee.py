"""cases have an owner: the handler who opened them, or whom an approver assigned them to

* `cases.assignee`: the current owner's user name (`users.name`), set by the engine when a person opens a
  case and by the common `assign` transition (logged, with its internal notice, like any transition); None
  for a case the system opened, until an approver assigns it.
* Backfill: a case whose opening transition (log row 1) a person fired belongs to that person; a case the
  system opened (actor `system`) belongs to no one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cases', sa.Column('assignee', sa.String(length=64), nullable=True))
    op.create_index('ix_cases_assignee', 'cases', ['assignee'])
    # The log is append-only; only the new column of `cases` is written here.
    op.execute(
        "UPDATE cases SET assignee = (SELECT t.actor FROM transitions t WHERE t.case_id = cases.id AND t.seq = 1 "
        "AND t.actor <> 'system')"
    )


def downgrade() -> None:
    op.drop_index('ix_cases_assignee', table_name='cases')
    op.drop_column('cases', 'assignee')
