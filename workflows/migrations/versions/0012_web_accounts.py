"""web accounts: passwords, API tokens, rate-limit rows

* `user_passwords`: a person's password as an argon2 hash (`creditflow user password`); `system` never has one.
* `api_tokens`: the API's bearer tokens (`creditflow user token`), kept as their SHA-256 only, revocable.
* `web_sessions`: a logged-in browser's session (the cookie holds a random secret, the row its SHA-256), ended
  by logout or a new password, so every web process sees the end.
* `rate_limit_hits`: the attempts counted by the web's rate limits (login per account and per address, the
  public objection form), rows so that several web processes share the counts.

The session signing key is a row of `deployment` (`web_session_key`): generated here, at the upgrade (which
`creditflow init` runs), so every web process of the store signs with the same key; removed by the downgrade.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
import secrets

from alembic import op
import sqlalchemy as sa
import workflows.store.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

SESSION_KEY = 'web_session_key'  # workflows/store/accounts_repo.py


def upgrade() -> None:
    op.create_table('user_passwords',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('changed_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_passwords_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_passwords'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', workflows.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index('ix_api_tokens_user', 'api_tokens', ['user_id'], unique=False)
    op.create_table('web_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', workflows.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions'))
    )
    op.create_index('ix_web_sessions_user', 'web_sessions', ['user_id'], unique=False)
    op.create_table('rate_limit_hits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bucket', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', workflows.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits'))
    )
    op.create_index('ix_rate_limit_hits_bucket_key_at', 'rate_limit_hits', ['bucket', 'key', 'at'], unique=False)
    deployment = sa.table('deployment', sa.column('key', sa.String), sa.column('value', sa.Text))
    bind = op.get_bind()
    if bind.execute(sa.select(deployment.c.key).where(deployment.c.key == SESSION_KEY)).first() is None:
        bind.execute(sa.insert(deployment).values(key=SESSION_KEY, value=secrets.token_urlsafe(48)))


def downgrade() -> None:
    op.drop_index('ix_rate_limit_hits_bucket_key_at', table_name='rate_limit_hits')
    op.drop_table('rate_limit_hits')
    op.drop_index('ix_web_sessions_user', table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_index('ix_api_tokens_user', table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('user_passwords')
    deployment = sa.table('deployment', sa.column('key', sa.String))
    op.get_bind().execute(sa.delete(deployment).where(deployment.c.key == SESSION_KEY))
