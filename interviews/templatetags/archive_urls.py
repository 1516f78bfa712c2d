from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The page's canonical absolute URL: the view's `canonical_url`, else this path without its
    query string (filters and spans are views of the same page)."""
    if context.get("canonical_url"):
        return context["canonical_url"]
    request = context.get("request")
    return request.build_absolute_uri(request.path) if request is not None else ""
