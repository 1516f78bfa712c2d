"""The search page's filter checkboxes, rendered in Python: a page lists up to 48 values per facet
(the first ones and the "more" list), and rendering each through the template language (an
include, a plural per value) was half of the page's template time."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext

register = template.Library()


#: {interface language: {count: "turn" / "turns", escaped}}: a page has up to 48 counts per facet,
#: and the plural of each is the same on every page.
_turns: dict = {}


@register.simple_tag
def facet_options(name: str, values) -> SafeString:
    """One ``<li>`` checkbox per facet value (``FacetValue``), named and valued as the search form
    reads them back; a language's label carries its ``lang``. Every value is escaped (quotes
    too: they go into attributes), as the template language would escape it."""
    turns = _turns.setdefault(get_language(), {})
    if len(turns) > 20_000:  # the counts a process meets: bounded, but by a flood
        turns.clear()
    name_attr = escape(name)
    options = []
    for value in values:
        if value.count not in turns:
            turns[value.count] = escape(ngettext("turn", "turns", value.count))
        code = escape(value.value)
        checked = " checked" if value.selected else ""
        lang = f' lang="{code}"' if name == "language" else ""
        options.append(
            f'<li><label><input type="checkbox" name="{name_attr}" value="{code}"{checked}>'
            f' <span class="facet-label"{lang}>{escape(str(value.label))}</span>'
            f' <span class="count">{int(value.count)}<span class="visually-hidden"> {turns[value.count]}</span></span>'
            "</label></li>"
        )
    return mark_safe("".join(options))
