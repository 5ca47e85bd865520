"""Staff sign in to the console with Microsoft: OpenID Connect's authorization-code flow (msal).

`/start` sends the browser to the tenant's sign-in page; `/callback` trades the code (msal adds
PKCE and a nonce, and checks both) for an ID token, which is verified like any Entra token —
signature against the tenant's keys, issuer, audience, expiry — because msal no longer
validates ID tokens. The staff account is found or made as for Entra access tokens, and the
console gets our own tokens in the URL fragment, which never reaches a server or its logs.

Between the two steps the flow (state, PKCE verifier, nonce) travels encrypted in a
short-lived HttpOnly cookie, so any app process can finish what another started. So does
`tab`, a random value the console tab that asked made up: it comes back beside the tokens, and
the console takes only tokens carrying its own, so a link with someone else's tokens in its
fragment cannot sign a colleague in as them.

The code comes back in the query, not by form_post (which msal recommends): a cross-site POST
would not carry a SameSite=Lax cookie, and the code is good once, only with the verifier and
the client secret.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import msal
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from msal.exceptions import MsalServiceError
from pydantic import BaseModel

from api.auth import StaffTokens, Unauthorized
from api.bootstrap import Frontdesk
from api.entra import EntraTokens, staff_role
from domain.kernel.clock import Clock
from domain.kernel.errors import DomainError
from domain.kernel.uow import UnitOfWork
from domain.models import StaffUser

log = logging.getLogger(__name__)

FLOW_COOKIE = "frontdesk_microsoft_flow"
FLOW_LIFETIME = timedelta(minutes=10)
ROUTES = "/api/v1/auth/microsoft"  # the cookie goes to these routes only
NOT_CONFIGURED = "Sign-in with Microsoft is not configured on this server."
TAB_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"

# Why a sign-in failed, as the console is told in the fragment; it words each one itself, so a
# crafted link cannot make the console show text of someone else's choosing.
Failure = Literal[
    "cancelled",  # the person cancelled at Microsoft's page
    "expired",  # no flow, or one too old or not ours: too slow, or another browser
    "mismatch",  # the answer is not for the flow this browser started
    "refused",  # Microsoft would not redeem the code, or its ID token does not verify
    "no_role",  # no Frontdesk app role assigned
    "not_allowed",  # no usable account (no email, deactivated)
    "unavailable",  # Microsoft could not be reached
]


class SignInFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure)
        self.failure = failure


class SignInMethodsRead(BaseModel):
    password: bool
    microsoft: bool


class _KeepNoTokens(msal.TokenCache):  # type: ignore[misc]
    """Microsoft's tokens only tell us who signed in; holding them would only be a liability."""

    def add(self, event: dict[str, Any], now: int | None = None) -> None:
        return None


class MicrosoftSignIn:
    def __init__(self, tokens: EntraTokens, client_secret: str, clock: Clock, key: bytes):
        self.entra = tokens.settings
        self.client_secret = client_secret
        self.clock = clock
        self.tokens = tokens  # the app's own, so the tenant's keys are fetched and cached once
        self._sealer = Fernet(_flow_key(key))
        self._client: Any = None
        self._lock = threading.Lock()

    def begin(self, redirect_uri: str, tab: str | None) -> tuple[str, str]:
        """Return where to send the browser, and the sealed flow for its cookie."""
        flow = dict(
            self._msal().initiate_auth_code_flow(
                scopes=[],  # openid and profile, which msal adds, are all we need
                redirect_uri=redirect_uri,
                prompt=msal.Prompt.SELECT_ACCOUNT,  # shared front-desk computers
                response_mode="query",
            )
        )
        authorize_url = str(flow.pop("auth_uri"))
        sealed = self._sealer.encrypt_at_time(
            json.dumps({"flow": flow, "tab": tab}).encode(), int(self.clock.now().timestamp())
        )
        return authorize_url, sealed.decode()

    def finish(
        self, uow: UnitOfWork, sealed: str | None, answer: dict[str, str]
    ) -> tuple[StaffUser, str | None]:
        """Return whom Microsoft's answer signs in, and the tab that asked; or SignInFailed."""
        flow, tab = self._unseal(sealed)
        client = self._msal()
        try:
            result: dict[str, Any] = client.acquire_token_by_auth_code_flow(flow, answer)
        except ValueError as exc:  # msal's word for a state that does not match the flow
            log.warning("Microsoft sign-in refused: %s", exc)
            raise SignInFailed("mismatch") from exc
        except RuntimeError as exc:  # the ID token's nonce is not the flow's
            log.warning("Microsoft sign-in refused: %s", exc)
            raise SignInFailed("refused") from exc
        except (OSError, MsalServiceError) as exc:
            log.warning("Microsoft could not be reached to finish a sign-in: %s", exc)
            raise SignInFailed("unavailable") from exc
        if result.get("error") == "access_denied":
            raise SignInFailed("cancelled")
        if "error" in result or "id_token" not in result:
            log.warning(
                "Microsoft refused a sign-in: %s %s",
                result.get("error"),
                result.get("error_description"),
            )
            raise SignInFailed("refused")
        try:
            claims = self.tokens.claims(str(result["id_token"]))
        except Unauthorized as exc:
            log.warning("Microsoft's ID token did not verify: %s", exc.__cause__ or exc)
            raise SignInFailed("refused") from exc
        if staff_role(claims) is None:
            raise SignInFailed("no_role")
        try:
            return self.tokens.account(uow, claims), tab
        except DomainError as exc:
            raise SignInFailed("not_allowed") from exc

    def _unseal(self, sealed: str | None) -> tuple[dict[str, Any], str | None]:
        if not sealed:
            raise SignInFailed("expired")
        try:
            opened = self._sealer.decrypt_at_time(
                sealed.encode(),
                int(FLOW_LIFETIME.total_seconds()),
                int(self.clock.now().timestamp()),
            )
        except InvalidToken as exc:
            raise SignInFailed("expired") from exc
        kept: dict[str, Any] = json.loads(opened)
        return kept["flow"], kept["tab"]

    def _msal(self) -> Any:
        """The msal application, made on first use: making it asks the authority for its
        endpoints, which should not keep the service from starting."""
        with self._lock:
            if self._client is None:
                try:
                    self._client = self._new_msal()
                except (ValueError, OSError, MsalServiceError) as exc:
                    log.warning("Microsoft's sign-in endpoints could not be found: %s", exc)
                    raise SignInFailed("unavailable") from exc
            return self._client

    def _new_msal(self) -> Any:
        return msal.ConfidentialClientApplication(
            self.entra.client_id,
            client_credential=self.client_secret,
            authority=f"{self.entra.authority}/{self.entra.tenant_id}",
            # The authority is the operator's setting: take it as given rather than
            # ask login.microsoftonline.com whether it knows a sovereign or local one.
            instance_discovery=False,
            exclude_scopes=["offline_access"],  # no refresh tokens: we issue our own
            token_cache=_KeepNoTokens(),
            timeout=10,
        )


def _flow_key(secret: bytes) -> bytes:
    """A key of its own for sealing flows, derived from the service's secret."""
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"microsoft-sign-in")
    return base64.urlsafe_b64encode(derive.derive(secret))


def _public_base(request: Request, public_url: str | None) -> str:
    return public_url or str(request.base_url).rstrip("/")


def _to_console(base: str, fragment: dict[str, str]) -> RedirectResponse:
    response = RedirectResponse(f"{base}/console#{urlencode(fragment)}", status_code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


def microsoft_sign_in_router(frontdesk: Frontdesk, entra: EntraTokens | None) -> APIRouter:
    """The console's Microsoft sign-in, checking tokens with `entra` (None: not configured)."""
    router = APIRouter(prefix="/auth", tags=["auth"])
    public_url = frontdesk.settings.public_url
    secret = entra.settings.client_secret if entra is not None else None
    sign_in = (
        MicrosoftSignIn(entra, secret, frontdesk.clock, frontdesk.secret_key)
        if entra is not None and secret
        else None
    )

    @router.get("/methods", response_model=SignInMethodsRead)
    def methods() -> SignInMethodsRead:
        """Say which ways of signing in this server offers (anyone may ask)."""
        return SignInMethodsRead(password=True, microsoft=sign_in is not None)

    @router.get("/microsoft/start", status_code=302, response_class=RedirectResponse)
    def start(
        request: Request, tab: Annotated[str | None, Query(pattern=TAB_PATTERN)] = None
    ) -> RedirectResponse:
        """Send the browser to Microsoft's sign-in page (404 when not configured)."""
        if sign_in is None:
            raise HTTPException(404, NOT_CONFIGURED)
        base = _public_base(request, public_url)
        try:
            authorize_url, sealed = sign_in.begin(f"{base}{ROUTES}/callback", tab)
        except SignInFailed as failed:
            return _to_console(base, {"sign_in_error": failed.failure})
        response = RedirectResponse(authorize_url, status_code=302)
        response.set_cookie(
            FLOW_COOKIE,
            sealed,
            max_age=int(FLOW_LIFETIME.total_seconds()),
            path=ROUTES,
            secure=base.startswith("https://"),
            httponly=True,
            samesite="lax",  # sent on the top-level redirect back from Microsoft
        )
        return response

    @router.get("/microsoft/callback", status_code=302, response_class=RedirectResponse)
    def callback(request: Request) -> RedirectResponse:
        """Finish signing in: to the console with our tokens, or with why not, in the fragment."""
        if sign_in is None:
            raise HTTPException(404, NOT_CONFIGURED)
        # Tokens go back to where this request was served, never to a host its headers name.
        base = public_url or ""
        answer = dict(request.query_params)
        try:
            staff, tab = sign_in.finish(frontdesk.uow(), request.cookies.get(FLOW_COOKIE), answer)
        except SignInFailed as failed:
            response = _to_console(base, {"sign_in_error": failed.failure})
        else:
            tokens: StaffTokens = request.app.state.tokens
            issued = tokens.start(frontdesk.uow(), staff)
            response = _to_console(
                base,
                {
                    "access_token": issued.access_token,
                    "token_type": issued.token_type,
                    "expires_in": str(issued.expires_in),
                    **({"tab": tab} if tab else {}),
                },
            )
        response.delete_cookie(FLOW_COOKIE, path=ROUTES, httponly=True, samesite="lax")
        return response

    return router
