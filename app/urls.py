"""Absolute links (e-mails, share links, QR codes), in and outside a request (the CLI, the mail worker).

They always start with the configured BASE_URL, never with the request's Host header: a forged
`Host: evil.example` must not put an attacker's host into a password-reset mail."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    app = current_app._get_current_object()
    base = urlsplit(app.config["BASE_URL"].rstrip("/"))
    anchor = values.pop("_anchor", None)
    values = {key: value for key, value in values.items() if not key.startswith("_")}
    app.inject_url_defaults(endpoint, values)
    adapter = app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(str(anchor), safe="%!#$&'()*+,/:;=?@")
    return url
