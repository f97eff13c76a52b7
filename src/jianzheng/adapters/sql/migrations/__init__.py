"""Alembic migrations of jianzheng's schema (SQLite and PostgreSQL)."""
