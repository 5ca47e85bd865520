"""A local stand-in for a Microsoft Entra ID tenant: an RSA key, its JWKS over HTTP, tokens.

The JWKS is served by a real HTTP server on a free port at the path Entra uses
(`/{tenant}/discovery/v2.0/keys`), so the service fetches keys exactly as it would from
login.microsoftonline.com — without the network.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "66666666-7777-8888-9999-000000000000"
KEY_ID = "local-key-1"


@dataclass(frozen=True)
class LocalTenant:
    authority: str
    private_key: rsa.RSAPrivateKey

    @property
    def issuer(self) -> str:
        return f"{self.authority}/{TENANT}/v2.0"

    def token(
        self,
        *,
        email: str = "ines.admin@clinic.example",
        roles: tuple[str, ...] = ("Frontdesk.Admin",),
        audience: str = CLIENT_ID,
        issuer: str | None = None,
        expires_at: float | None = None,
        key_id: str = KEY_ID,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        claims: dict[str, Any] = {
            "iss": issuer or self.issuer,
            "aud": audience,
            "exp": int(expires_at if expires_at is not None else time.time() + 3600),
            "iat": int(time.time()),
            "tid": TENANT,
            "preferred_username": email,
            "name": "Ines Admin",
            "roles": list(roles),
        }
        signing = key or self.private_key
        return jwt.encode(claims, signing, algorithm="RS256", headers={"kid": key_id})

    def env(self) -> dict[str, str]:
        """The settings that point the service at this tenant."""
        return {
            "FRONTDESK_ENTRA_TENANT_ID": TENANT,
            "FRONTDESK_ENTRA_CLIENT_ID": CLIENT_ID,
            "FRONTDESK_ENTRA_AUTHORITY": self.authority,
        }


@contextmanager
def local_tenant() -> Iterator[LocalTenant]:
    """Serve a fresh key's JWKS on a free port for as long as the block runs."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    keys = json.dumps({"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]})

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != f"/{TENANT}/discovery/v2.0/keys":
                self.send_error(404)
                return
            body = keys.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalTenant(f"http://127.0.0.1:{server.server_address[1]}", private_key)
    finally:
        server.shutdown()
        server.server_close()
