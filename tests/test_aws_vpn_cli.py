"""aws-vpn-client CLI JSON reader: fixture pairs (constructed: see SOURCES.md) and tolerant shapes."""
import json
from pathlib import Path

import pytest

from platforms.base import ParseError
from platforms.parsers import aws_vpn_cli

FIXTURES = Path(__file__).parent / "fixtures" / "vpn"
CASES = sorted(FIXTURES.glob("aws-vpn-cli--*.out"))


@pytest.mark.parametrize("word,connected", [
    ("Connected", True), ("CONNECTED", True), ("Disconnected", False), ("Not Connected", False),
    ("NotConnected", False), ("Connecting", None), ("Reconnecting", None), ("Authenticating", None), ("", None),
])
def test_status_words(word, connected):
    assert aws_vpn_cli.read_status(word) is connected


def test_nested_and_other_field_names():
    text = json.dumps({"connections": [{"ProfileName": "a", "ConnectionState": "Disconnected"},
                                       {"name": "b", "state": "Connected"}]})
    state = aws_vpn_cli.parse(text)
    assert state.connected is True and state.profile == "b" and state.status == "Connected"
    assert aws_vpn_cli.profiles(state) == ("a", "b")
    assert aws_vpn_cli.parse('{"connections": []}').connected is False


@pytest.mark.parametrize("text", ["", "not json", "{}", '{"ipv4": "10.0.0.1"}', "[[[["])
def test_garbage(text):
    with pytest.raises(ParseError):
        aws_vpn_cli.parse(text)
    assert not aws_vpn_cli.looks_like(text)


def test_powershell_json_is_not_taken_for_it():
    ps = json.dumps([{"InterfaceAlias": "Wi-Fi", "Status": "Up", "ServerAddresses": ["192.168.1.1"]}])
    assert not aws_vpn_cli.looks_like(ps)
    assert all(aws_vpn_cli.looks_like(c.read_text()) for c in CASES if "none" not in c.name)
