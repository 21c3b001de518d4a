"""/crm itself: its registration and the dispatch of each subcommand to its module."""

import re

from slack_bolt import App

from handlers import digest, listener, pipeline
from handlers.blocks import Message
from handlers.blocks.crm import (
    build_crm_help,
    build_error,
    build_not_yet,
)
from handlers.crm import duplicates
from handlers.crm.accounts import assign_account, create_account
from handlers.crm.audit import handle_older_button, show_audit
from handlers.crm.contacts import add_contact, handle_contact_button
from handlers.crm.erasure import ask_to_erase, handle_erase_button
from handlers.crm.handoff import ask_to_hand_over, handle_handoff_button
from handlers.crm.links import link_channel
from handlers.crm.merging import ask_to_merge, handle_merge_button, handle_merge_pick_button
from handlers.crm.picks import ask_which_account, handle_pick_account_button
from handlers.deals import stages
from handlers.deps import Deps
from handlers.hours import handle_crm_hours
from handlers.ids import Command, CrmAction
from handlers.listener import Turn
from handlers.parsing.crm import (
    CrmAudit,
    CrmContact,
    CrmEraseContact,
    CrmHandoff,
    CrmHelp,
    CrmHours,
    CrmLink,
    CrmMerge,
    CrmNewAccount,
    CrmNotYet,
    parse_crm,
)
from handlers.parsing.text import CommandError
from models.matching import UnknownName

PICK = re.compile(rf"^{CrmAction.PICK_ACCOUNT}_\d+$")
MERGE_PICK = re.compile(rf"^{CrmAction.MERGE_PICK}_\d+$")


def register(app: App, deps: Deps) -> None:
    app.command(Command.CRM)(listener.command(deps, handle_crm_command, after=handle_crm_after_ack))
    pipeline.register(app, deps)
    for button in (CrmAction.CONTACT_SAVE, CrmAction.CONTACT_KEEP):
        app.action(button)(listener.action(deps, handle_contact_button))
    for button in (CrmAction.ERASE_CONFIRM, CrmAction.ERASE_CANCEL):
        app.action(button)(listener.action(deps, handle_erase_button))
    app.action(CrmAction.AUDIT_OLDER)(listener.action(deps, handle_older_button))
    for button in (CrmAction.MERGE_CONFIRM, CrmAction.MERGE_CANCEL):
        app.action(button)(listener.action(deps, handle_merge_button))
    app.action(MERGE_PICK)(listener.action(deps, handle_merge_pick_button))
    for button in (CrmAction.HANDOFF_CONFIRM, CrmAction.HANDOFF_CANCEL):
        app.action(button)(listener.action(deps, handle_handoff_button))
    app.action(PICK)(listener.action(deps, handle_pick_account_button))
    app.action(CrmAction.CREATE_ACCOUNT)(listener.action(deps, handle_pick_account_button))


def handle_crm_command(turn: Turn) -> Message | None:
    if pipeline.wants_pipeline(turn.body.get("text", "")):
        return pipeline.handle_pipeline_command(turn)
    if duplicates.wants_duplicates(turn.body.get("text", "")):
        return duplicates.ask_for_duplicates(turn)
    try:
        request = parse_crm(turn.body.get("text", ""))
    except CommandError as error:
        return build_error(str(error))
    if isinstance(request, CrmHelp):
        return build_crm_help(unknown=request.unknown)
    if isinstance(request, CrmHours):
        return handle_crm_hours(turn, request.text)
    if isinstance(request, CrmEraseContact):
        return ask_to_erase(turn, request)
    if isinstance(request, CrmMerge):
        return ask_to_merge(turn, request)
    if isinstance(request, CrmAudit):
        return show_audit(turn, request)
    if isinstance(request, CrmHandoff):
        return ask_to_hand_over(turn, request)
    if isinstance(request, CrmNotYet) and request.subcommand == "stages":
        return stages.handle_crm_stages(turn, turn.body.get("text", "").strip()[len("stages") :])
    if isinstance(request, CrmNotYet) and request.subcommand == "digest":
        return digest.handle_crm_digest(turn, turn.body.get("text", "").strip()[len("digest") :])
    if isinstance(request, CrmNotYet):
        return build_not_yet(what=f"{Command.CRM} {request.subcommand}")
    try:
        if isinstance(request, CrmLink):
            return link_channel(turn, request)
        if isinstance(request, CrmContact):
            return add_contact(turn, request)
        if isinstance(request, CrmNewAccount):
            return create_account(turn, request)
        return assign_account(turn, request)
    except UnknownName as unknown:
        return ask_which_account(turn, request, unknown.resolution)


def handle_crm_after_ack(turn: Turn) -> Message | None:
    """The slow part of a /crm subcommand, once acked: a pipeline chart, the duplicates."""
    text = turn.body.get("text", "")
    if pipeline.wants_pipeline(text):
        return pipeline.handle_chart_after_ack(turn)
    if duplicates.wants_duplicates(text):
        return duplicates.list_after_ack(turn)
    return None
