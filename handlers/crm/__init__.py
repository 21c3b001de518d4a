"""/crm: help, and the account basics, one module per surface: accounts (new, assign),
contacts, links (channels), picks (an unknown name's buttons), command (registration and
dispatch)."""

from handlers.crm.command import register

__all__ = ["register"]
