"""The store: SQLAlchemy Core tables, connections, repositories and the unit of work."""
