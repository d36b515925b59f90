"""Marketing's Markdown to safe HTML: rendered by markdown-it-py, then cleaned by nh3 (an allowlist),
so whatever was typed (raw HTML, scripts, odd links) ends up as harmless markup, never refused."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "ul", "ol", "li",
    "blockquote", "code", "pre", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")


def to_html(text: str | None) -> Markup:
    """Safe HTML for `text`; an empty text is an empty string."""
    rendered = _parser.render(text or "")
    cleaned = nh3.clean(
        rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow", strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - cleaned by nh3's allowlist just above
