"""Contacts: the people at an account."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_team_account", "team_id", "account_id"),
        Index("ix_contacts_team_email", "team_id", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    account_id: int = Field(foreign_key="accounts.id")
    name: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=320)  # stored lower-cased
    title: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)
