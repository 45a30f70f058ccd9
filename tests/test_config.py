"""Organisation config (TOML): valid files, and clear errors naming the key and line."""
from pathlib import Path

import pytest

from agent import config
from agent.model import NameCheck, Platform

GOOD = '''# org defaults
expected_dns = ["10.123.0.2", "10.123.0.3"]
profile = "corp.ovpn"
timeout = 3
canary = "aws.amazon.com"

[names]
"test.example.local" = "10.123.2.1"
"db.example.internal" = "private"
"www.example.com" = "public"
'''


def test_load_good(tmp_path: Path):
    p = tmp_path / "config.toml"
    p.write_text(GOOD)
    cfg = config.load(p)
    assert cfg.names == (NameCheck("test.example.local", "10.123.2.1", "config"),
                         NameCheck("db.example.internal", "private", "config"),
                         NameCheck("www.example.com", "public", "config"))
    assert cfg.expected_dns == ("10.123.0.2", "10.123.0.3")
    assert cfg.timeout == 3.0 and cfg.canary == "aws.amazon.com"
    assert cfg.profile == str(tmp_path / "corp.ovpn")   # relative to the config file


def test_empty_config_is_valid():
    assert config.parse("") == config.OrgConfig(path="<config>")


@pytest.mark.parametrize("text, line, key", [
    ('timeout = "soon"\n', 1, "timeout"),
    ("timeout = 0\n", 1, "timeout"),
    ("timeout = 600\n", 1, "timeout"),
    ("\nexpected_dns = [\"10.0.0.300\"]\n", 2, "expected_dns"),
    ("expected_dns = 5\n", 1, "expected_dns"),
    ("canary = \"not a name\"\n", 1, "canary"),
    ("profile = 3\n", 1, "profile"),
    ("colour = \"red\"\n", 1, "colour"),
    ("[names]\n\"test.example.local\" = \"10.123.2.999\"\n", 2, "names.test.example.local"),
    ("[names]\n\"ok.example\" = \"private\"\ndb.example.internal = \"private\"\n", 3, "names.db"),
    ("[names]\n\"x.example\" = 3\n", 2, "names.x.example"),
    ("[names]\n\"bad name!\" = \"private\"\n", 2, "names.bad name!"),
    ("[names]\n\"a.example\" = \"private\"\ntimeout = 3\n", 3, "names.timeout"),
    ("names = 3\n", 1, "names"),
])
def test_invalid_names_key_and_line(text, line, key):
    with pytest.raises(config.ConfigError) as exc:
        config.parse(text, "org.toml")
    msg = str(exc.value)
    assert msg.startswith(f"org.toml:{line}: {key}:"), msg


def test_toml_syntax_error_has_line():
    with pytest.raises(config.ConfigError) as exc:
        config.parse("timeout = 3\n[names\n", "org.toml")
    assert str(exc.value).startswith("org.toml:2: not valid TOML")


def test_unreadable_files(tmp_path: Path):
    with pytest.raises(config.ConfigError, match="no such config file"):
        config.load(tmp_path / "missing.toml")
    p = tmp_path / "latin1.toml"
    p.write_bytes(b"canary = \"caf\xe9\"\n")
    with pytest.raises(config.ConfigError, match="not UTF-8"):
        config.load(p)


def test_default_paths():
    assert config.default_config_path(Platform.LINUX, environ={}, home="/home/a") == \
        Path("/home/a/.config/cvpn-doctor/config.toml")
    assert config.default_config_path(Platform.LINUX, environ={"XDG_CONFIG_HOME": "/x"}, home="/home/a") == \
        Path("/x/cvpn-doctor/config.toml")
    assert config.default_config_path(Platform.WINDOWS, environ={"APPDATA": "C:/Users/a/AppData/Roaming"},
                                      home="C:/Users/a") == Path("C:/Users/a/AppData/Roaming/cvpn-doctor/config.toml")
    assert config.default_config_path() is not None   # this OS


def test_large_answer_name_is_read_and_validated(tmp_path: Path):
    cfg = config.parse('large_answer_name = "Big.Corp.Internal."\n', "c.toml")
    assert cfg.large_answer_name == "Big.Corp.Internal"
    assert config.parse("", "c.toml").large_answer_name is None
    with pytest.raises(config.ConfigError, match="large_answer_name"):
        config.parse('large_answer_name = "not a name"\n', "c.toml")
    p = tmp_path / "c.toml"
    p.write_text('profile = "corp.ovpn"\nlarge_answer_name = "big.corp.internal"\n')
    assert config.load(p).large_answer_name == "big.corp.internal"      # kept when the profile path is rebased
