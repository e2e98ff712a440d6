"""An invoice or credit note as a standalone HTML page, from the Jinja2 templates beside this module.

One template per document kind and language (``invoice.de.html``, ``credit_note.en.html``),
sharing a layout and the tables (``_layout.html``, ``_parts.html``). Autoescaping is on for
every template, and a template that names a missing variable fails instead of printing
nothing (``StrictUndefined``). One environment per language, built once, with that
language's formatters as filters (``money``, ``number``, ``percent``, ``date``, ``moment``, ``unit``).
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from shared.domain.invoices import InvoiceDocument
from shared.invoices.formats import Formats, Language, language_of

__all__ = ["render_html", "template_name"]


def template_name(doc: InvoiceDocument, language: str | None) -> str:
    return f"{doc.kind}.{language_of(language)}.html"


@cache
def _environment(language: Language) -> Environment:
    formats = Formats(language)
    env = Environment(
        loader=PackageLoader("shared.invoices", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(
        money=formats.money,
        number=formats.number,
        percent=formats.percent,
        date=formats.date,
        moment=formats.moment,
        unit=formats.unit,
    )
    return env


def render_html(doc: InvoiceDocument, language: str | None = "en") -> str:
    """The document in ``language`` (``en`` or ``de``, any other falls back to English)."""
    lang = language_of(language)
    return _environment(lang).get_template(template_name(doc, lang)).render(doc=doc, lang=lang)
