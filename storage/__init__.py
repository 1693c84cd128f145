"""SQLModel models, repositories and Alembic migrations for the shared store."""
