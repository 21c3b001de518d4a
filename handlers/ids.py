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


class LogAction(StrEnum):
    UNDO = "log_undo"
    EDIT = "log_edit"
    ADD_FOLLOWUP = "log_add_followup"
    PICK_ACCOUNT = "log_pick_account"  # value "<pending id>:<account id>"
    CREATE_ACCOUNT = "log_create_account"  # value "<pending id>"
    DELETE = "log_delete"  # in the Edit modal; value: interaction id


class LogModal(StrEnum):
    CALLBACK = "log_modal"
    EDIT_CALLBACK = "log_edit_modal"
    FOLLOWUP_CALLBACK = "log_followup_modal"
    ACCOUNT_BLOCK = "log_account"
    ACCOUNT_SELECT = "log_account_select"
    KIND_BLOCK = "log_kind"
    KIND_SELECT = "log_kind_select"
    CONTACT_BLOCK = "log_contact"
    CONTACT_SELECT = "log_contact_select"
    NOTES_BLOCK = "log_notes"
    NOTES_INPUT = "log_notes_input"
    WHEN_BLOCK = "log_when"
    WHEN_INPUT = "log_when_input"
    FOLLOWUP_BLOCK = "log_followup"
    FOLLOWUP_INPUT = "log_followup_input"
    FOLLOWUP_NOTE_BLOCK = "log_followup_note"
    FOLLOWUP_NOTE_INPUT = "log_followup_note_input"


class LookupAction(StrEnum):
    SHOW_CARD = "who_owns_show"  # value: account id (picked among several)
    SHARE = "who_owns_share"  # value: account id
    TAKE = "who_owns_take"  # value: account id
    SHOW_HISTORY = "history_show"  # value: account id (picked among several)
    SHOW_NEW = "whats_new_show"  # value: account id (picked among several)
    CREATE = "who_owns_create"  # value: the typed name; creates it (owner: the clicker), shows it
    OLDER = "history_older"  # value: "<account id>|<filter>|<cursor>"
    NEWER = "history_newer"


class HomeAction(StrEnum):
    LOG_CALL = "home_log_call"
    FOLLOWUP = "home_followup"  # overflow: "done:<id>", "snooze1:<id>", "snooze7:<id>"


class FollowupAction(StrEnum):
    """`/followup`'s list (block_id "followup_<id>_<snoozes>") and its "which account?"."""

    DONE = "followup_list_done"  # value "<followup id>"
    SNOOZE_DAY = "followup_list_snooze1"  # value "<followup id>:<snoozes>"
    SNOOZE_WEEK = "followup_list_snooze7"  # value "<followup id>:<snoozes>"
    PICK_DATE = "followup_list_date"  # datepicker: the follow-up is in the block_id
    PICK_ACCOUNT = "followup_pick_account"  # suffixed _<n>; value "<pending id>:<account id>"
    CREATE_ACCOUNT = "followup_create_account"  # value "<pending id>"


class CrmAction(StrEnum):
    PICK_ACCOUNT = "crm_pick_account"  # value "<pending id>:<account id>": run /crm with it
    CREATE_ACCOUNT = "crm_create_account"  # value "<pending id>": create the typed name, run /crm
    CONTACT_SAVE = "crm_contact_save"  # value: pending id (move or rename the contact as typed)
    CONTACT_KEEP = "crm_contact_keep"  # value: pending id
    CONTACT_BLOCK = "crm_contact_choice"
    ERASE_CONFIRM = "crm_erase_confirm"  # value: pending id (erase the contact(s) it names)
    ERASE_CANCEL = "crm_erase_cancel"  # value: pending id
    ERASE_BLOCK = "crm_erase_choice"
    MERGE_CONFIRM = "crm_merge_confirm"  # value: pending id (merge the two accounts it names)
    MERGE_CANCEL = "crm_merge_cancel"  # value: pending id
    MERGE_BLOCK = "crm_merge_choice"
    MERGE_PICK = "crm_merge_pick"  # suffixed _<n>; value "<pending id>:<account id>": which one
    HANDOFF_CONFIRM = "crm_handoff_confirm"  # value: pending id (move what the question listed)
    HANDOFF_CANCEL = "crm_handoff_cancel"  # value: pending id
    HANDOFF_BLOCK = "crm_handoff_choice"
    AUDIT_OLDER = "crm_audit_older"  # value "<account id>:<at ISO>:<entry id>": the next page
    AUDIT_BLOCK = "crm_audit_page"


class DealAction(StrEnum):
    STAGE = "deal_stage"  # the card's static_select; block_id "deal_<id>_<version>"
    WON = "deal_won"  # value "<deal id>:<version>"
    LOST = "deal_lost"  # value "<deal id>:<version>": opens the reason modal
    REOPEN = "deal_reopen"  # value "<deal id>:<version>"
    LOG_CALL = "deal_log_call"  # value: account id
    OPEN = "deal_open"  # a list's select ("Open a deal"), option value: deal id
    PICK = "deal_pick"  # suffixed _<n>; value "<pending id>:<deal id>" (a parked change)
    PICK_ACCOUNT = "deal_pick_account"  # suffixed _<n>; value "<pending id>:<account id>"
    CREATE_ACCOUNT = "deal_create_account"  # value "<pending id>"


class DealModal(StrEnum):
    LOST_CALLBACK = "deal_lost_modal"
    REASON_BLOCK = "deal_lost_reason"
    REASON_INPUT = "deal_lost_reason_input"


class PipelineAction(StrEnum):
    CHART = "pipeline_chart"  # value: "team" or "mine"
    BUTTONS_BLOCK = "pipeline_buttons"


class NudgeAction(StrEnum):
    """The buttons of a follow-up's DM (handlers/nudges/clicks.py); values
    "<followup id>:<snoozes>"."""

    DONE = "nudge_done"
    SNOOZE_DAY = "nudge_snooze1"
    SNOOZE_WEEK = "nudge_snooze7"
    PICK_DATE = "nudge_pick_date"  # a datepicker; its block_id is "nudge_<id>_<snoozes>"
    LOG_CALL = "nudge_log_call"  # value: account id (handlers/calls/modal.py opens the modal)
