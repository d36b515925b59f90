"""Render a whole page or, for an htmx request that wants it, only its fragment."""
from __future__ import annotations

from flask import Response, make_response, render_template, request


def wants_fragment() -> bool:
    """An htmx request that swaps part of a page: not a boosted navigation, not a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, status: int = 200, **context) -> Response:
    """Pages extend `layout`, which is the full base or the bare fragment base."""
    context.setdefault("layout", "fragment.html" if wants_fragment() else "base.html")
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    if status == 422 and getattr(request, "htmx", None):
        # A form that comes back with errors is the same page: no extra history entry.
        response.headers["HX-Push-Url"] = "false"
    return response


def redirect_to(location: str, status: int = 303) -> Response:
    """A redirect that htmx follows as a full page load (so <html lang> and the head update)."""
    if getattr(request, "htmx", None):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    from flask import redirect

    return redirect(location, status)
