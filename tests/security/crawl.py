"""Finding the app's forms as a browser would: crawl the pages a user can reach and read every
POST form on them (its action, and each field with the values the page offers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException

MAX_PAGES = 400
SKIP_LINKS = ("/static/", "/logout")


@dataclass
class Field:
    name: str
    kind: str  # the input's type, or "select", "textarea", "button"
    options: list[str] = field(default_factory=list)  # values the page offers (options, radios, the default)
    required: bool = False
    chosen: list[str] = field(default_factory=list)  # what the page would send as it stands (selected, checked)


@dataclass
class FoundForm:
    action: str
    page: str  # where it was found
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, name: str, kind: str, value: str | None, required: bool = False, chosen: bool = False) -> None:
        entry = self.fields.setdefault(name, Field(name, kind))
        entry.required = entry.required or required
        if value is not None and value not in entry.options:
            entry.options.append(value)
        if value is not None and chosen:
            entry.chosen.append(value)


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[FoundForm] = []
        self.by_id: dict[str, FoundForm] = {}
        self.orphans: list[tuple[str, tuple]] = []  # fields with form="id" before that form
        self.current: FoundForm | None = None
        self.select: tuple[FoundForm, str] | None = None
        self.textarea: tuple[FoundForm, str, bool] | None = None
        self.text: list[str] = []

    def _target(self, attrs: dict) -> FoundForm | None:
        if attrs.get("form"):
            return self.by_id.get(attrs["form"])
        return self.current

    def handle_starttag(self, tag, attrs_list):
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "form":
            if attrs.get("method", "get").lower() == "post":
                self.current = FoundForm(action=attrs.get("action") or self.page, page=self.page)
                self.forms.append(self.current)
                if attrs.get("id"):
                    self.by_id[attrs["id"]] = self.current
                    for _form_id, args in [o for o in self.orphans if o[0] == attrs["id"]]:
                        self.current.add(*args)
            return
        name = attrs.get("name")
        if not name or tag not in ("input", "select", "textarea", "button", "option"):
            if tag == "option" and self.select:
                self.select[0].add(self.select[1], "select", attrs.get("value", ""), chosen="selected" in attrs)
            return
        target = self._target(attrs)
        kind = attrs.get("type", "text").lower() if tag == "input" else tag
        required = "required" in attrs
        if target is None:
            if attrs.get("form"):
                self.orphans.append((attrs["form"], (name, kind, attrs.get("value"), required)))
            return
        if tag == "select":
            target.add(name, "select", None, required)
            self.select = (target, name)
        elif tag == "textarea":
            self.textarea = (target, name, required)
            self.text = []
        elif tag == "button":
            if attrs.get("value") is not None:
                target.add(name, "button", attrs["value"])
        elif kind in ("checkbox", "radio"):
            target.add(name, kind, attrs.get("value", "on"), required, chosen="checked" in attrs)
        elif kind not in ("submit", "reset", "image"):
            target.add(name, kind, attrs.get("value") or None, required, chosen=bool(attrs.get("value")))

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            target, name, required = self.textarea
            text = "".join(self.text).removeprefix("\n") or None
            target.add(name, "textarea", text, required, chosen=text is not None)
            self.textarea = None


def forms_on(html: str, page: str) -> list[FoundForm]:
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs_list):
        if tag == "a":
            href = dict(attrs_list).get("href") or ""
            if href.startswith("/") and not href.startswith("//"):
                self.hrefs.append(href.split("#")[0])


def crawl(client, start: list[str]) -> list[FoundForm]:
    """Every POST form on the HTML pages reachable from `start` by links (no pagination pages)."""
    seen: set[str] = set()
    todo = list(start)
    found: list[FoundForm] = []
    while todo and len(seen) < MAX_PAGES:
        url = todo.pop(0)
        if url in seen or url.startswith(SKIP_LINKS) or "page=" in url:
            continue
        seen.add(url)
        response = client.get(url, follow_redirects=True)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        page = response.request.path
        found.extend(forms_on(response.text, page))
        todo.extend(link for link in _links(response.text) if link not in seen)
    return found


def endpoint_of(app, action: str) -> tuple[str, dict] | None:
    adapter = app.url_map.bind(app.config.get("SERVER_NAME") or "localhost")
    try:
        return adapter.match(urlsplit(action).path, method="POST")
    except HTTPException:
        return None
