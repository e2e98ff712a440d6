"""A notification as an email (subject, plain text, HTML) and as an in-app title and text.

Two Jinja2 environments over the templates beside this module: the HTML one autoescapes every value
(``select_autoescape`` with HTML by default), the plain-text one does not (escaping would show
``&lt;`` to the reader), and both fail on a missing variable (``StrictUndefined``). Right-to-left text
from a user sits in ``<bdi>`` in HTML, so it cannot reorder the sentence around it. The subject is one
line: control characters become spaces, so a station's name can never add a header.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from shared.invoices.formats import Language, language_of
from shared.notifications.content import Content, content_of
from shared.notifications.texts import LABELS

__all__ = ["Rendered", "one_line", "render"]

MAX_SUBJECT = 200


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    content: Content


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


@cache
def _environment(kind: str) -> Environment:
    return Environment(
        loader=PackageLoader("shared.notifications", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=kind == "html", default=kind == "html"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        keep_trailing_newline=True,
    )


def render(
    kind: str, body: dict[str, Any], *, language: str | None, base_url: str, unsubscribe_url: str | None
) -> Rendered:
    lang: Language = language_of(language)
    content = content_of(kind, body, lang, base_url)
    subject = one_line(content.subject)
    values = {
        "lang": lang,
        "subject": subject,
        "content": content,
        "labels": LABELS[lang],
        "unsubscribe_url": unsubscribe_url,
    }
    text = _environment("text").get_template("email.txt").render(**values)
    html = _environment("html").get_template("email.html").render(**values)
    return Rendered(subject=subject, text=text, html=html, content=content)
