"""`sentinel-engine serve --tls-cert F --tls-key F` with a certificate from a test CA (trustme):
a client trusting the CA gets answers over https and wss, one that does not is refused."""

from __future__ import annotations

import os
import re
import ssl
import threading
from pathlib import Path

import httpx
import pytest
import trustme

from engine.client.remote import RemoteEventStream, login
from engine.domain.live import LiveMessage, LivePong
from engine.storage.database import Database
from engine.storage.repos.users import UserRepository
from tests.engine.services.helpers import HMAC_KEY, JWT_SECRET, PASSWORD, password_hash
from tests.serve_process import serve_process

_LISTENING = re.compile(r"Uvicorn running on (https?)://[\d.]+:(\d+)")


def test_serve_over_tls_with_a_test_ca(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = tmp_path / "server.pem", tmp_path / "server.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(cert_file), append=True)
    cert.private_key_pem.write_to_path(str(key_file))
    db = Database.open(f"sqlite:///{tmp_path / 'sentinel.db'}")
    UserRepository(db).add("watcher", password_hash(), "supervisor", ["*"])
    db.close()
    env = {
        **os.environ,
        "JWT_SECRET": JWT_SECRET,
        "POLICY_HMAC_KEY": HMAC_KEY,
        "SENTINEL_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    tls = ["--tls-cert", str(cert_file), "--tls-key", str(key_file)]
    with serve_process(tls, env, tmp_path) as served:
        scheme, port = served.scheme, served.port
        assert scheme == "https"
        base = f"https://127.0.0.1:{port}"
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        with httpx.Client(base_url=base, verify=trusting, timeout=10) as http:
            assert http.get("/health").json()["status"] == "ok"
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{base}/health", timeout=10)  # the system's CAs do not know the test CA
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)  # no plain HTTP beside it

        token = login(base, "watcher", PASSWORD, verify=trusting)
        pong = threading.Event()

        def on_message(message: LiveMessage) -> None:
            if isinstance(message, LivePong):
                pong.set()

        stream = RemoteEventStream(base, token, ssl_context=trusting).subscribe(on_message)
        stream.ping()
        assert pong.wait(30), "no pong over wss"
        stream.cancel()
        with pytest.raises(ssl.SSLCertVerificationError):
            RemoteEventStream(base, token, ssl_context=ssl.create_default_context()).subscribe(
                on_message
            )
