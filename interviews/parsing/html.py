"""Step 2 for HTML: sanitise with nh3, then rewrite as light Markdown for the line reader."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

import nh3

# A start or end tag with its attributes. Possessive quantifiers and the `<` excluded from bare
# attribute text keep this linear even on a 50,000-attribute tag or an unclosed quote.
_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*+)((?:[^<>\"']++|\"[^\"]*+\"|'[^']*+')*+)>")
_EVENT_HANDLER_RE = re.compile(r"(?:^|[\s/\"'])on[a-zA-Z]++\s*+=")
_HTML_VOID = {
    "br",
    "hr",
    "img",
    "meta",
    "link",
    "input",
    "wbr",
    "area",
    "base",
    "col",
    "embed",
    "source",
    "track",
    "param",
}
_HTML_MAX_DEPTH = 200
_HTML_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "center",
    "details",
    "summary",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "caption",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
}
_HTML_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_HTML_INLINE = {
    "b",
    "strong",
    "em",
    "i",
    "u",
    "span",
    "a",
    "img",
    "small",
    "sup",
    "sub",
    "mark",
    "code",
    "q",
    "cite",
    "time",
    "abbr",
    "s",
    "del",
    "ins",
    "br",
    "hr",
    "li",
    "td",
    "th",
}
_HTML_ALLOWED = _HTML_BLOCKS | set(_HTML_HEADINGS) | _HTML_INLINE
# Dropped with their content: code, styling, page furniture.
_HTML_DROPPED = {
    "script",
    "style",
    "title",
    "nav",
    "footer",
    "aside",
    "noscript",
    "template",
    "iframe",
    "object",
    "svg",
    "math",
    "button",
    "select",
    "form",
    "head",
}
_MARKDOWN_SPECIALS_RE = re.compile(r"([\\`*_\[\]!#&<>\-=+~|])")


@dataclass
class HtmlResult:
    markdown: str
    title: str
    warning: str


def looks_like_html(text: str, filename: str) -> bool:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return True
    if suffix in (".md", ".markdown"):
        return False
    head = text[:2000].lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<?xml")):
        return True
    sample = text[:50000].lower()
    return head.startswith("<") and sample.count("</p>") + sample.count("<br") + sample.count("</div>") >= 3


def html_to_markdown(source: str) -> HtmlResult:
    title = _html_title(source)
    stripped, scripts, handlers = _strip_attributes(source)
    cleaned = nh3.clean(
        stripped,
        tags=_HTML_ALLOWED,
        clean_content_tags=_HTML_DROPPED,
        attributes={},
        link_rel=None,
        strip_comments=True,
    )
    warning = ""
    if scripts or handlers:
        warning = (
            f"Removed {scripts} script/style element{'s' if scripts != 1 else ''} and "
            f"{handlers} event-handler attribute{'s' if handlers != 1 else ''} from the HTML."
        )
    return HtmlResult(_sanitised_html_as_markdown(cleaned), title, warning)


def _html_title(source: str) -> str:
    lower = source[:200000].lower()
    start = lower.find("<title")
    if start < 0:
        return ""
    start = lower.find(">", start)
    end = lower.find("</title", start)
    if start < 0 or end < 0:
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", source[start + 1 : end])).split())[:300]


def _strip_attributes(source: str) -> tuple[str, int, int]:
    """Drop every attribute and cap element nesting before nh3 sees the HTML.

    We keep no attributes anyway, and html5ever (under nh3) is quadratic in the number of
    attributes on one tag (50,000 of them took 12 s) and in the depth of nested blocks.
    Returns the HTML plus how many script/style elements and event handlers it had.
    """
    scripts = handlers = depth = 0
    dropped: Counter[str] = Counter()

    def replace(match: re.Match) -> str:
        nonlocal scripts, handlers, depth
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if dropped[name]:
                dropped[name] -= 1
                return ""
            depth = max(0, depth - 1)
            return f"</{name}>"
        if name in ("script", "style"):
            scripts += 1
        handlers += len(_EVENT_HANDLER_RE.findall(attributes))
        if name not in _HTML_VOID and not attributes.rstrip().endswith("/"):
            if depth >= _HTML_MAX_DEPTH:
                dropped[name] += 1
                return ""
            depth += 1
        return f"<{name}>"

    return _HTML_TAG_RE.sub(replace, source), scripts, handlers


def _sanitised_html_as_markdown(cleaned: str) -> str:
    """nh3's output (no attributes, text escaped) as Markdown the line reader understands."""
    out: list[str] = []
    in_pre = 0
    for token in re.split(r"(<[^>]*>)", cleaned):
        if not token:
            continue
        if token.startswith("<"):
            closing = token.startswith("</")
            name = token.strip("</>").split()[0].lower() if token.strip("</>") else ""
            if name == "pre":
                in_pre += -1 if closing else 1
            out.append(_markdown_for_tag(name, closing))
            continue
        text = html.unescape(token)
        if not in_pre:
            text = re.sub(r"\s+", " ", text)
        # Text that happens to look like Markdown must stay text.
        out.append(_MARKDOWN_SPECIALS_RE.sub(r"\\\1", text))
    return "".join(out)


def _markdown_for_tag(name: str, closing: bool) -> str:
    if name == "br":
        return "\n"
    if name == "hr":
        return "\n\n---\n\n"
    if name in _HTML_HEADINGS:
        return "\n\n" if closing else "\n\n" + "#" * _HTML_HEADINGS[name] + " "
    if name == "li":
        return "\n\n" if closing else "\n\n• "
    if name in _HTML_BLOCKS:
        return "\n\n"
    if name in ("td", "th"):
        return " "
    if name in ("b", "strong"):
        return "**"
    if name == "a":
        return "](#)" if closing else "["
    if name == "img":
        return "![](#)"
    return ""
