"""The search page's filter checkboxes, rendered in Python: a page lists up to 48 values per facet
(the first ones and the "more" list), and rendering each through the template language (an
include, a plural per value) was half of the page's template time."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext

register = template.Library()


#: {(facet, value, label, ticked): the option up to its count, escaped}: page after page lists the
#: same speakers, interviews and topics, and escaping each value and label (two thirds of this
#: tag's time, profiled over 200 distinct search pages of the 100k mix) is done once per process.
_heads: dict = {}

#: {interface language: {count: the option from its count on}}: a page has up to 48 counts per
#: facet, and the plural ("turn" / "turns") of each is the same on every page.
_tails: dict = {}


@register.simple_tag
def facet_options(name: str, values) -> SafeString:
    """One ``<li>`` checkbox per facet value (``FacetValue``), named and valued as the search form
    reads them back; a language's label carries its ``lang``. Every value is escaped (quotes
    too: they go into attributes), as the template language would escape it."""
    tails = _tails.setdefault(get_language(), {})
    if len(tails) > 20_000:  # the counts a process meets: bounded, but by a flood
        tails.clear()
    if len(_heads) > 50_000:  # the archive's speakers, interviews and topics: bounded, but by a flood
        _heads.clear()
    options = []
    for value in values:
        key = (name, value.value, value.label, value.selected)
        head = _heads.get(key)
        if head is None:
            head = _heads[key] = _head(*key)
        tail = tails.get(value.count)
        if tail is None:
            count = value.count
            turns = escape(ngettext("turn", "turns", count))
            tail = tails[count] = f'{int(count)}<span class="visually-hidden"> {turns}</span></span></label></li>'
        options.append(head + tail)
    return mark_safe("".join(options))


def _head(name: str, value: str, label, selected: bool) -> str:
    code = escape(value)
    checked = " checked" if selected else ""
    lang = f' lang="{code}"' if name == "language" else ""
    return (
        f'<li><label><input type="checkbox" name="{escape(name)}" value="{code}"{checked}>'
        f' <span class="facet-label"{lang}>{escape(str(label))}</span> <span class="count">'
    )
