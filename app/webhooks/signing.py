"""Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
`{webhook-id}.{webhook-timestamp}.{body}` with the base64-decoded secret, sent as `v1,<base64>`;
several signatures (during a secret rotation) are separated by spaces."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

PREFIX = "whsec_"
KEY_BYTES = 32  # the spec asks for 24 to 64 random bytes


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(PREFIX)
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """One `v1,<signature>` value."""
    data = body.encode() if isinstance(body, str) else body
    to_sign = f"{msg_id}.{timestamp}.".encode() + data
    digest = hmac.new(_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_in_use: Iterable[str], msg_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """The three headers of a delivery; every secret in use signs (the new one first)."""
    timestamp = int(at.timestamp()) if at.tzinfo else int((at - datetime(1970, 1, 1)).total_seconds())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets_in_use),
        "content-type": "application/json",
    }
