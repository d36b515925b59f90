"""One outgoing POST to a checked target: no redirects followed (a redirect could lead past the
guard), a short timeout, and only the start of the answer kept for the delivery log."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from app.integrations.targets import check_target

KEEP_BODY = 2000  # characters of the receiver's answer kept in a log


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer at all (refused, timed out, unsafe)
    duration_ms: int
    body: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401 - urllib's signature
        return None  # a 3xx is handed back as the answer, not followed


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool = False,
         timeout: float = 10.0) -> Answer:
    """POST `body` to `url` after checking the target again; never raises for network trouble."""
    started = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        check_target(url, allow_private=allow_private)
    except ValueError as exc:
        return Answer(None, took(), "", str(exc))
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"User-Agent": "AmbassadorJourney/1", **headers})
    try:
        with _opener.open(request, timeout=timeout) as response:
            text = response.read(KEEP_BODY * 4).decode("utf-8", "replace")[:KEEP_BODY]
            return Answer(response.status, took(), text)
    except urllib.error.HTTPError as exc:
        with exc:
            text = exc.read(KEEP_BODY * 4).decode("utf-8", "replace")[:KEEP_BODY] if exc.fp else ""
        return Answer(exc.code, took(), text)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(None, took(), "", str(reason)[:500])
