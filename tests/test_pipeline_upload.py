"""The fake Slack's external upload, as Slack plays it: the two Web API calls, checked against
the spec, and the bytes POSTed to the upload_url it hands out."""

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.standin import spec
from bot.standin.webapi import FakeSlack

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake_slack.api_url)


def test_files_upload_v2_reaches_the_conversation_with_its_bytes_and_alt_text(
    fake_slack: FakeSlack, client: WebClient
) -> None:
    fake_slack.add_channel("C0SALES01")
    done = client.files_upload_v2(
        channel="C0SALES01", file=PNG, filename="p.png", title="Pipeline", alt_txt="Bars"
    )
    [upload] = fake_slack.files_in("C0SALES01")
    assert done["file"]["id"] == upload.file_id and upload.data == PNG
    assert (upload.alt_txt, upload.title, upload.filename) == ("Bars", "Pipeline", "p.png")
    [shared] = [m for m in fake_slack.messages("C0SALES01") if m.files]
    assert shared.files[0]["id"] == upload.file_id


def test_the_upload_methods_are_in_the_shipped_spec_additions() -> None:
    required = spec.required_args()
    assert required["files.getUploadURLExternal"] == {"filename", "length"}
    assert required["files.completeUploadExternal"] == {"files"}
    licence = spec.shipped_path().parent.joinpath("LICENSE-slack-api-ref").read_text()
    assert licence.startswith("MIT License")


def test_an_empty_file_or_a_long_alt_text_is_refused_as_slack_does(client: WebClient) -> None:
    with pytest.raises(SlackApiError, match="missing_argument"):
        client.files_getUploadURLExternal(filename="p.png", length=0)
    with pytest.raises(SlackApiError, match="alt_txt_too_large"):
        client.files_getUploadURLExternal(filename="p.png", length=9, alt_txt="x" * 1001)


def test_completing_a_file_whose_bytes_never_came_is_file_not_found(client: WebClient) -> None:
    got = client.files_getUploadURLExternal(filename="p.png", length=len(PNG))
    with pytest.raises(SlackApiError, match="file_not_found"):
        client.files_completeUploadExternal(files=[{"id": got["file_id"]}], channel_id="C0X")


def test_completing_twice_or_in_a_channel_without_rapport_is_refused(
    fake_slack: FakeSlack, client: WebClient
) -> None:
    fake_slack.add_channel("C0NOBOT01", members=["U0ALICE"])
    got = client.files_getUploadURLExternal(filename="p.png", length=len(PNG))
    urllib.request.urlopen(urllib.request.Request(got["upload_url"], data=PNG, method="POST"))
    with pytest.raises(SlackApiError, match="not_in_channel"):
        client.files_completeUploadExternal(files=[{"id": got["file_id"]}], channel_id="C0NOBOT01")
    client.files_completeUploadExternal(files=[{"id": got["file_id"]}], channel_id="D0ALICE")
    with pytest.raises(SlackApiError, match="file_not_found"):
        client.files_completeUploadExternal(files=[{"id": got["file_id"]}], channel_id="D0ALICE")


def test_bytes_that_are_not_the_announced_length_are_a_violation(
    fake_slack: FakeSlack, client: WebClient
) -> None:
    got = client.files_getUploadURLExternal(filename="p.png", length=3)
    request = urllib.request.Request(got["upload_url"], data=PNG, method="POST")
    assert urllib.request.urlopen(request).status == 200
    assert any("bytes sent, length said 3" in v for v in fake_slack.violations)
    fake_slack.violations.clear()


def test_an_upload_url_the_fake_never_handed_out_is_not_found(fake_slack: FakeSlack) -> None:
    request = urllib.request.Request(fake_slack.url + "upload/v1/F0NOPE", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 404
    assert any("no such upload_url" in v for v in fake_slack.violations)
    fake_slack.violations.clear()
