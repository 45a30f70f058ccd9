"""`.ovpn` profile parser: fixture pairs, key material never read or kept."""
import json
from pathlib import Path

import pytest

from platforms.base import ParseError
from platforms.parsers import ovpn_profile

FIXTURES = Path(__file__).parent / "fixtures" / "vpn"
CASES = sorted(FIXTURES.glob("ovpn-profile--*.out"))
SECRETS = ("FAKEPRIVATEKEY", "FAKECLIENTCERT", "00112233445566778899aabbccddeeff", "FAKECA", "BEGIN PRIVATE KEY",
           "evil.example.com")


def test_fixtures_exist():
    assert len(CASES) >= 4


def test_inline_blocks_are_skipped_not_parsed():
    text = (FIXTURES / "ovpn-profile--inline-keys-tcp-dns.out").read_text()
    prof = ovpn_profile.parse(text, path="/home/x/p.ovpn")
    # "remote evil.example.com 1" inside <key> must not be read as a directive.
    assert prof.remote_host.startswith("cvpn-endpoint-0a1b2c3d4e5f60718")
    assert prof.region == "eu-west-2" and prof.proto == "tcp" and prof.remote_port == 443
    assert prof.dns_servers == ("10.40.0.2",)
    assert {"<key>", "<cert>", "<tls-crypt>"} <= set(prof.directives)
    dumped = json.dumps(prof.to_dict())
    for secret in SECRETS:
        assert secret not in dumped


def test_strip_secrets_removes_every_block_body():
    text = (FIXTURES / "ovpn-profile--inline-keys-tcp-dns.out").read_text()
    stripped = ovpn_profile.strip_secrets(text)
    for secret in SECRETS:
        assert secret not in stripped
    assert "remote cvpn-endpoint-0a1b2c3d4e5f60718.prod.clientvpn.eu-west-2.amazonaws.com 443" in stripped
    assert stripped.count(ovpn_profile.REMOVED) == 4
    # The stripped profile still parses to the same facts.
    assert ovpn_profile.parse(stripped) == ovpn_profile.parse(text)


def test_unterminated_block_and_stray_pem_are_dropped():
    text = "client\ndev tun\nremote a.example 443\n-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n<key>\nSECRETSECRET\n"
    stripped = ovpn_profile.strip_secrets(text)
    assert "SECRETSECRET" not in stripped and "AAAA" not in stripped


def test_port_directive_and_remote_proto():
    prof = ovpn_profile.parse("client\ndev tun\nport 1194\nremote cvpn-endpoint-abc.prod.clientvpn.us-east-1.amazonaws.com\n")
    assert prof.remote_port == 1194 and prof.endpoint_id == "cvpn-endpoint-abc" and prof.region == "us-east-1"
    prof = ovpn_profile.parse("client\ndev tun\nremote vpn.example.com 443 tcp-client\n")
    assert prof.proto == "tcp-client" and prof.endpoint_id is None and prof.region is None


def test_empty_input():
    assert ovpn_profile.parse("", path="x") == ovpn_profile.VpnProfile(path="x")


@pytest.mark.parametrize("garbage", ["hello\nworld\n", "nameserver 1.1.1.1\n", "\x00\xff"])
def test_garbage_input(garbage):
    with pytest.raises(ParseError):
        ovpn_profile.parse(garbage)
