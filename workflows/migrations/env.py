"""Alembic environment: runs on the connection creditflow passes in (config.attributes["connection"])."""

from alembic import context

from workflows.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    from workflows.settings import load_settings
    from workflows.store.db import make_engine

    engine = make_engine(load_settings().database_url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
