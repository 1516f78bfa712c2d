"""Template filters for words that depend on the interface language (docs/translating.md)."""

from django import template
from django.utils.translation import get_language, pgettext

from interviews import languages

register = template.Library()


def interface_language() -> str:
    """The active interface language as a content code ("zh-hans" -> "zh"), for names stored per
    content language such as a topic's."""
    return languages.base(get_language() or "en")


@register.filter
def topic_name(topic) -> str:
    """The topic's name in the interface language, or its English name when it has none there."""
    return topic.name_in(interface_language())


@register.filter
def join_and(items, field=None) -> str:
    """ "A, B and C" in the interface language; ``field`` picks an attribute (or, when a digit, an
    index) of each item: ``transcripts|join_and:"language_name"``."""

    def pick(item):
        if field is None:
            return item
        return item[int(field)] if str(field).isdigit() else getattr(item, field)

    names = [str(pick(item)) for item in items]
    if len(names) < 2:
        return "".join(names)
    separator = pgettext("list separator", ", ")
    return pgettext("list", "%(items)s and %(last)s") % {"items": separator.join(names[:-1]), "last": names[-1]}


@register.filter
def inline(label) -> str:
    """A label (a choice's display name) used mid-sentence: lower-cased in English ("machine
    translation"), kept as it is in German, whose nouns keep their capital, and in Chinese."""
    return str(label).lower() if interface_language() == "en" else str(label)


@register.filter
def role_name(role: str) -> str:
    """A participant's role code ("host", "guest") in the interface language, mid-sentence."""
    from interviews.models import Participant

    return inline(dict(Participant.ROLE_CHOICES).get(role, role)) if role else ""
