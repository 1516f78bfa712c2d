"""Step 2 for HTML: sanitise with nh3, then rewrite as light Markdown for the line reader."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

import nh3

from interviews.parsing.messages import Message

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
    warning: Message | None


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
    body = article_body(source)
    if body is not None:
        stripped = _strip_attributes(body)[0]
    cleaned = nh3.clean(
        stripped,
        tags=_HTML_ALLOWED,
        clean_content_tags=_HTML_DROPPED,
        attributes={},
        link_rel=None,
        strip_comments=True,
    )
    warning = None
    if scripts or handlers:
        warning = Message(
            "html.removed",
            scripts=Message("html.script_elements", count=scripts),
            handlers=Message("html.handler_attributes", count=handlers),
        )
    return HtmlResult(_sanitised_html_as_markdown(cleaned), title, warning)


# Attributes that name an element as the page's main content: role="main", itemprop="articleBody",
# or a class/id token such as "article-body", "entry-content", "post__text", "main-content".
_MAIN_ROLE_RE = re.compile(r"""\b(?:role\s*+=\s*+["']?main|itemprop\s*+=\s*+["']?articlebody)\b""", re.IGNORECASE)
_CLASS_OR_ID_RE = re.compile(
    r"""(?<![\w-])(?:class|id)\s*+=\s*+(?:"([^"]*+)"|'([^']*+)'|([^\s"'>]++))""", re.IGNORECASE
)
_CONTENT_TOKEN_RE = re.compile(
    r"(?:(?:article|post|entry|story|main|page)[-_]*+(?:body|content|text)|articlebody|main|content|maincontent)",
    re.IGNORECASE,
)
# Names that describe something beside the article even when they contain "content" or "body".
_NOT_CONTENT_RE = re.compile(r"comment|teaser|related|sidebar|promo|banner|cookie|share|widget", re.IGNORECASE)
# The container is kept alone only when it holds at least this share of the page's paragraph text.
_CONTAINER_MIN_SHARE = 0.5


@dataclass
class _Open:
    name: str
    start: int  # offset just after the start tag
    text_before: tuple[int, int]  # paragraph and visible text seen before the element opened
    candidate: bool
    top_article: bool


def article_body(source: str) -> str | None:
    """The page's main content container, when it clearly has one; None to read the whole page.

    Candidates are the one outermost `<article>` (two or more mean a list page), `<main>`, and
    elements whose role, itemprop, class or id says main content or article body. Of those holding
    at least half of the page's paragraph text (text in `<p>`, or all visible text when most of it
    is outside `<p>`), the innermost one wins; the page's first `<h1>` is put before it when it has
    none of its own. Below half, None: the transcript is never cut away with the page. One pass
    over the tags with a depth-capped stack, so linear like the rest.
    """
    p_text = visible_text = 0
    stack: list[_Open] = []
    # start, end, paragraph and visible text before it opened and after it closed, outermost article
    found: list[tuple[int, int, int, int, int, int, bool]] = []
    open_names: Counter[str] = Counter()
    in_p = dropped = top_articles = 0
    h1: tuple[int, int] | None = None
    h1_start = -1
    position = 0

    def count(text: str) -> None:
        nonlocal p_text, visible_text
        if dropped:
            return
        length = len(text) - text.count(" ") - text.count("\n") - text.count("\t")
        visible_text += length
        if in_p:
            p_text += length

    def close(index: int, at: int) -> None:
        nonlocal in_p, dropped
        while len(stack) > index:
            element = stack.pop()
            open_names[element.name] -= 1
            if element.name == "p":
                in_p -= 1
            elif element.name in _HTML_DROPPED:
                dropped -= 1
            if element.candidate:
                found.append(
                    (element.start, at, element.text_before[0], element.text_before[1], p_text, visible_text)
                    + (element.top_article,)
                )

    for match in _HTML_TAG_RE.finditer(source):
        count(source[position : match.start()])
        position = match.end()
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if closing and open_names[name]:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index].name == name:
                    close(index, match.start())
                    break
        if closing:
            if name == "h1" and h1_start >= 0 and h1 is None:
                h1 = (h1_start, match.end())
            continue
        if name == "h1" and h1_start < 0:
            h1_start = match.start()
        if name in _HTML_VOID or attributes.rstrip().endswith("/") or len(stack) >= _HTML_MAX_DEPTH:
            continue
        top_article = name == "article" and not open_names["article"]
        top_articles += top_article
        stack.append(
            _Open(
                name,
                match.end(),
                (p_text, visible_text),
                top_article or _names_main_content(name, attributes),
                top_article,
            )
        )
        open_names[name] += 1
        in_p += name == "p"
        dropped += name in _HTML_DROPPED
    count(source[position:])
    close(0, len(source))

    # Paragraph text measures the article unless the page keeps most of its words outside <p>
    # (lines split by <br>, or <div>s): then a container holding most <p> text could miss them.
    use_p = p_text * 2 >= visible_text
    total = p_text if use_p else visible_text
    if not total:
        return None
    best: tuple[int, int, int] | None = None
    for start, end, p_before, visible_before, p_after, visible_after, is_article in found:
        if is_article and top_articles != 1:
            continue
        held = (p_after - p_before) if use_p else (visible_after - visible_before)
        if held >= _CONTAINER_MIN_SHARE * total and (best is None or held < best[2]):
            best = (start, end, held)
    if best is None:
        return None
    start, end, _ = best
    body = source[start:end]
    heading = source[h1[0] : h1[1]] if h1 and "<h1" not in body.lower() else ""
    return heading + body


def _names_main_content(name: str, attributes: str) -> bool:
    if name == "main":
        return True
    if not attributes or name in _HTML_DROPPED:
        return False
    if _MAIN_ROLE_RE.search(attributes):
        return True
    for match in _CLASS_OR_ID_RE.finditer(attributes):
        for token in (match.group(1) or match.group(2) or match.group(3) or "").split():
            if _CONTENT_TOKEN_RE.fullmatch(token) and not _NOT_CONTENT_RE.search(token):
                return True
    return False


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
