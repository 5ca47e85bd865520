"""What browsers are told about the chat and console pages: what they may load, who may frame
them, what they may send on.

The pages load their scripts and styles from /static only (no inline script or style), talk
to this origin over HTTP and websockets, and are never framed (clickjacking a Confirm button
or a staff action). A browser that knows CSP reads frame-ancestors; older ones X-Frame-Options.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # the empty favicon is a data: URL
        "connect-src 'self'",  # fetches and the websocket, to this origin only
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The console's address may carry a sign-in's state; no other site is told it.
    "Referrer-Policy": "no-referrer",
}
