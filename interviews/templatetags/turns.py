"""Turns drawn in templates by interviews/turn_html.py: ``{% turn turn %}`` for a whole turn (the
speaker page, the quote page's turns before and after), ``{% turn_text turn parts "quote-text" %}``
for a turn's text alone (the quote, its shared span marked)."""

from django import template

from interviews.turn_html import TurnDrawer

register = template.Library()


def _drawer(context) -> TurnDrawer:
    """One drawer per rendering of a page: its links and words are looked up once."""
    drawers = context.render_context
    if "turn_drawer" not in drawers:
        drawers["turn_drawer"] = TurnDrawer()
    return drawers["turn_drawer"]


@register.simple_tag(takes_context=True)
def turn(context, turn, anchor_prefix=""):
    """The turn, its id prefixed with ``anchor_prefix`` on a page that shows turns of several
    transcripts (where "t1" repeats)."""
    return _drawer(context).turn(turn, anchor_prefix=anchor_prefix)


@register.simple_tag(takes_context=True)
def turn_text(context, turn, parts, text_class="turn-text"):
    """The turn's text as ``parts`` (quotes.spans.paragraphs) divide and mark it."""
    return _drawer(context).text(turn, parts, text_class)
