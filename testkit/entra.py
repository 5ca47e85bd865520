"""A local stand-in for a Microsoft Entra ID tenant: an RSA key, its JWKS, sign-in, tokens.

A real HTTP server on a free port answers at the paths Entra uses, so the service talks to it
exactly as it would to login.microsoftonline.com — without the network:

- `/{tenant}/discovery/v2.0/keys`: the tenant's signing keys (JWKS);
- `/{tenant}/v2.0/.well-known/openid-configuration`: where everything else is;
- `/{tenant}/oauth2/v2.0/authorize`: the sign-in page, where whoever `sign_in.user` names
  signs in at once (or cancels, when it names no one) and is sent back with a code;
- `/{tenant}/oauth2/v2.0/token`: trades a code for an ID token, checking the client's secret,
  the redirect URI and the PKCE verifier, and taking each code only once.

With `https=True` it speaks TLS under a throwaway CA, as msal insists on https authorities.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from testkit.tls import local_certificates

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "66666666-7777-8888-9999-000000000000"
CLIENT_SECRET = "local-client-secret"  # the test registration's, known to all
KEY_ID = "local-key-1"
GRAPH = "00000003-0000-0000-c000-000000000000"  # the audience of Entra's own access tokens


@dataclass(frozen=True)
class LocalUser:
    email: str = "ines.admin@clinic.example"
    name: str = "Ines Admin"
    roles: tuple[str, ...] = ("Frontdesk.Admin",)

    @property
    def object_id(self) -> str:
        return hashlib.sha256(self.email.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Grant:
    """What an authorization code stands for, until it is redeemed."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    user: LocalUser


@dataclass
class LocalSignIn:
    """Who signs in at the tenant's page next, and the secret the app registration holds."""

    user: LocalUser | None = field(default_factory=LocalUser)  # None: they cancel
    client_secret: str = CLIENT_SECRET
    codes: dict[str, Grant] = field(default_factory=dict)

    def reset(self) -> None:
        self.user, self.client_secret = LocalUser(), CLIENT_SECRET


@dataclass(frozen=True)
class LocalTenant:
    authority: str
    private_key: rsa.RSAPrivateKey
    sign_in: LocalSignIn = field(default_factory=LocalSignIn)
    trust_bundle: Path | None = None  # the CA bundle that trusts it, when it speaks https

    @property
    def issuer(self) -> str:
        return f"{self.authority}/{TENANT}/v2.0"

    @property
    def authorize_endpoint(self) -> str:
        return f"{self.authority}/{TENANT}/oauth2/v2.0/authorize"

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
        extra: dict[str, Any] | None = None,
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
            **(extra or {}),
        }
        signing = key or self.private_key
        return jwt.encode(claims, signing, algorithm="RS256", headers={"kid": key_id})

    def env(self) -> dict[str, str]:
        """The settings that point the service at this tenant for its API tokens."""
        return {
            "FRONTDESK_ENTRA_TENANT_ID": TENANT,
            "FRONTDESK_ENTRA_CLIENT_ID": CLIENT_ID,
            "FRONTDESK_ENTRA_AUTHORITY": self.authority,
        }

    def sign_in_env(self) -> dict[str, str]:
        """The settings for sign-in with Microsoft too, trusting this tenant's certificate."""
        if self.trust_bundle is None:
            raise RuntimeError("msal needs an https authority: start it with https=True")
        bundle = str(self.trust_bundle)
        return {
            **self.env(),
            "FRONTDESK_ENTRA_CLIENT_SECRET": CLIENT_SECRET,
            # requests (msal) and urllib (the JWKS client) each read their own variable.
            "REQUESTS_CA_BUNDLE": bundle,
            "SSL_CERT_FILE": bundle,
        }

    def id_token(self, grant: Grant) -> str:
        user = grant.user
        claims = {
            "ver": "2.0",
            "sub": f"pairwise-{user.object_id}",
            "oid": user.object_id,
            "email": user.email,
            "name": user.name,
            "nonce": grant.nonce,
        }
        return self.token(
            email=user.email, roles=user.roles, audience=grant.client_id, extra=claims
        )


class _Endpoints(BaseHTTPRequestHandler):
    server: _AuthorityServer

    def do_GET(self) -> None:
        tenant = self.server.tenant
        path, _, query = self.path.partition("?")
        if path == f"/{TENANT}/discovery/v2.0/keys":
            self._json(200, self.server.keys)
        elif path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
            self._json(200, _openid_configuration(tenant))
        elif path == urlsplit(tenant.authorize_endpoint).path:
            self._authorize(dict(parse_qsl(query)))
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        if self.path != f"/{TENANT}/oauth2/v2.0/token":
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode()))
        status, body = _redeem(self.server.tenant, form, self.headers.get("Authorization"))
        self._json(status, body)

    def _authorize(self, request: dict[str, str]) -> None:
        sign_in = self.server.tenant.sign_in
        redirect_uri = request.get("redirect_uri", "")
        if request.get("client_id") != CLIENT_ID or not redirect_uri.startswith("http"):
            self.send_error(400, "AADSTS700016: no such application or redirect URI")
            return
        if request.get("response_type") != "code" or request.get("code_challenge_method") != "S256":
            self.send_error(400, "AADSTS90014: an authorization code with PKCE (S256) is required")
            return
        answer = {"state": request.get("state", "")}
        if sign_in.user is None:
            answer |= {"error": "access_denied", "error_description": "The user cancelled."}
        else:
            code = secrets.token_urlsafe(32)
            sign_in.codes[code] = Grant(
                client_id=CLIENT_ID,
                redirect_uri=redirect_uri,
                code_challenge=request.get("code_challenge", ""),
                nonce=request.get("nonce"),
                user=sign_in.user,
            )
            answer |= {"code": code}
        self.send_response(302)
        self.send_header("Location", f"{redirect_uri}?{urlencode(answer)}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _AuthorityServer(ThreadingHTTPServer):
    tenant: LocalTenant
    keys: dict[str, Any]


def _openid_configuration(tenant: LocalTenant) -> dict[str, Any]:
    base = f"{tenant.authority}/{TENANT}"
    return {
        "issuer": tenant.issuer,
        "authorization_endpoint": tenant.authorize_endpoint,
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_types_supported": ["code", "id_token", "code id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
    }


def _redeem(
    tenant: LocalTenant, form: dict[str, str], authorization: str | None
) -> tuple[int, dict[str, Any]]:
    """Answer a token request as Entra does: tokens, or an OAuth error with a reason."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if authorization and authorization.startswith("Basic "):
        pair = base64.b64decode(authorization.removeprefix("Basic ")).decode()
        client_id, secret = (unquote_plus(part) for part in pair.split(":", 1))
    if client_id != CLIENT_ID or secret != tenant.sign_in.client_secret:
        return 401, _error("invalid_client", "AADSTS7000215: Invalid client secret provided.")
    if form.get("grant_type") != "authorization_code":
        return 400, _error("unsupported_grant_type", "AADSTS70003: only authorization codes.")
    grant = tenant.sign_in.codes.pop(form.get("code", ""), None)
    if grant is None:
        return 400, _error("invalid_grant", "AADSTS54005: the code was already redeemed.")
    if grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri"):
        return 400, _error("invalid_grant", "AADSTS50148: the redirect URI does not match.")
    verifier = form.get("code_verifier", "").encode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
    if not secrets.compare_digest(challenge, grant.code_challenge):
        return 400, _error("invalid_grant", "AADSTS501481: the code verifier does not match.")
    access = tenant.token(email=grant.user.email, roles=(), audience=GRAPH)
    return 200, {
        "token_type": "Bearer",
        "scope": "openid profile email",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access,
        "id_token": tenant.id_token(grant),
    }


def _error(error: str, description: str) -> dict[str, Any]:
    return {"error": error, "error_description": description, "error_codes": [0]}


@contextmanager
def local_tenant(*, https: bool = False) -> Iterator[LocalTenant]:
    """Serve a fresh key's tenant on a free port for as long as the block runs."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    with tempfile.TemporaryDirectory(prefix="local-tenant-") as directory:
        server = _AuthorityServer(("127.0.0.1", 0), _Endpoints)
        server.keys = {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}
        trust_bundle = None
        if https:
            certificates = local_certificates(Path(directory))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificates.certificate, certificates.private_key)
            # The handshake happens in each request's thread, so a slow client blocks no other.
            server.socket = context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
            trust_bundle = certificates.trust_bundle
        scheme = "https" if https else "http"
        authority = f"{scheme}://127.0.0.1:{server.server_address[1]}"
        server.tenant = LocalTenant(authority, private_key, trust_bundle=trust_bundle)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.tenant
        finally:
            server.shutdown()
            server.server_close()
