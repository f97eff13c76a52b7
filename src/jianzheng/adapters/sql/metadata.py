"""The one SQLAlchemy MetaData every table of jianzheng belongs to."""

from __future__ import annotations

import sqlalchemy as sa

# A naming convention keeps constraint names stable across SQLite and PostgreSQL, so
# Alembic migrations name the same thing the same way on both.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
