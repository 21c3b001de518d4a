"""Every id Slack sends back to us, as constants: a typo is an import error, not a dead button.

tests/test_manifest.py checks manifest.yml against these and against the registered listeners.
"""

from enum import StrEnum


class Command(StrEnum):
    LOG_CALL = "/log-call"
    WHO_OWNS = "/who-owns"
    HISTORY = "/history"
    DEAL = "/deal"
    FOLLOWUP = "/followup"
    CRM = "/crm"


class Shortcut(StrEnum):
    LOG_MESSAGE = "log_message_to_crm"  # message shortcut "Log to CRM"
    LOG_CALL = "log_call"  # global shortcut "Log a call"


class Event(StrEnum):
    APP_HOME_OPENED = "app_home_opened"
    APP_MENTION = "app_mention"
    MESSAGE = "message"  # message.im: the Messages tab


class View(StrEnum):
    UPCOMING = "upcoming_feature"
