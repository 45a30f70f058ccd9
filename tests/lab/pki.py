"""Throwaway certificates for the lab's OpenVPN server and client, made with openssl.

Made fresh in a temporary directory at lab start (EC P-256, valid one day) and deleted
with it; no key material is ever written inside the repository.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.lab.netns import sh


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _ext(path: Path, usage: str) -> Path:
    path.write_text(f"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                    f"extendedKeyUsage={usage}\n")
    return path


def make_pki(directory: Path) -> Pki:
    """CA + server (serverAuth) + client (clientAuth) certificates in ``directory``."""
    d = directory
    d.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    sh(["openssl", "req", "-x509", *ec, "-keyout", str(d / "ca.key"), "-out", str(d / "ca.crt"),
        "-days", "1", "-subj", "/CN=cvpn-doctor-lab-ca"])
    for name, usage in (("server", "serverAuth"), ("client", "clientAuth")):
        sh(["openssl", "req", "-new", *ec, "-keyout", str(d / f"{name}.key"),
            "-out", str(d / f"{name}.csr"), "-subj", f"/CN=lab-{name}"])
        sh(["openssl", "x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / "ca.crt"),
            "-CAkey", str(d / "ca.key"), "-CAcreateserial", "-days", "1",
            "-extfile", str(_ext(d / f"{name}.ext", usage)), "-out", str(d / f"{name}.crt")])
    for key in d.glob("*.key"):
        key.chmod(0o600)
    return Pki(ca=d / "ca.crt", server_cert=d / "server.crt", server_key=d / "server.key",
               client_cert=d / "client.crt", client_key=d / "client.key")
