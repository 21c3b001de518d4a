"""The CRM domain: SQLModel tables and the operations on them. No Slack here.

Every function takes its session keyword-only and never commits: the caller owns the transaction.
Importing this package registers every table on `SQLModel.metadata`.
"""

from models import (
    accounts,
    aliases,
    audit,
    channels,
    claims,
    contacts,
    deals,
    followups,
    imports,
    interactions,
    pending,
    reps,
    stages,
)

__all__ = [
    "accounts",
    "aliases",
    "audit",
    "channels",
    "claims",
    "contacts",
    "deals",
    "followups",
    "imports",
    "interactions",
    "pending",
    "reps",
    "stages",
]
