"""SQLAlchemy schema and storage for SQLite and PostgreSQL."""
