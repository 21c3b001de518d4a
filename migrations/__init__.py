"""Alembic migrations for Rapport's schema (`rapport db upgrade`)."""
