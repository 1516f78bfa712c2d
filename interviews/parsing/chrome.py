"""Page chrome: lines that belong to the web page around a transcript (menus, account cards, dates,
end markers, promotion), not to the conversation."""

from __future__ import annotations

import re

from interviews.parsing.lines import Line
from interviews.parsing.text import display_width, is_punctuation_only

_END_RE = re.compile(
    r"[-—–_=*·\s]*+(?-i:(?:THE\s+)?END)[-—–_=*·\s]*+"  # capitals only: "The end" may be a sentence
    r"|[(（\[【]?(?:全文完|完|本文完)[)）\]】]?"
    r"|(?:Videoadresse|Video-Adresse|Originalvideo|Original-Video|Original video|Original|Video address"
    r"|Video link|Source video|Watch the video|原文链接|原文地址|原视频|视频地址|视频链接|原文|阅读原文"
    r"|Read more|Read the original|Weiterlesen|Mehr lesen|Lire la suite|Leer más)"
    r"\s*+[:：]?\s*+(?:https?://\S*+)?"
    r"|跳转到.{0,40}查看",
    re.I,
)
_URL_LINE_RE = re.compile(r"(?:https?://|www\.)\S++")
_DATE_RE = re.compile(
    r"\d{4}\s*+[-./年]\s*+\d{1,2}\s*+[-./月]\s*+\d{1,2}\s*+日?"
    r"(?:\s*+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}\.\s*+\d{1,2}\.\s*+\d{4}|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|\d{1,2}\.?\s++\w{3,12}\.?\s++\d{4}|\w{3,12}\.?\s++\d{1,2},?\s++\d{4}"
)
# A date stamp opening the whole file, as a page archive or search index writes it before the text
# (` date 2019-09 Was willst du…`): metadata, never the first words of a turn.
_LEADING_DATE_STAMP_RE = re.compile(r"\A\s*+(?:date|Date|DATE)\s*+[:：]?\s*+\d{4}-\d{2}(?:-\d{2})?(?:[ \t]++|(?=\n))")


def drop_leading_date_stamp(text: str) -> str:
    return _LEADING_DATE_STAMP_RE.sub("", text, count=1)


_ACCOUNT_RE = re.compile(
    r"^\d+\s*篇原创内容$|^(?:微信)?公众号$|^(?:微信)?公众号\s*[:：]|Öffentliches Konto|Offizielles Konto"
    r"|Official Account|^关注(?:我们|公众号)|^长按.{0,20}(?:关注|识别)|^扫码关注|^点击.{0,20}(?:关注|蓝字)",
    re.I,
)
_CLICK_RE = re.compile(r"^(?:点击|长按|扫码|扫描二维码|Click here|Klicken Sie hier)", re.I)
PROMO_RE = re.compile(
    r"报名|扫码|二维码|添加微信|加微信|Meetup|路演|早鸟|商务合作|联系我们|欢迎关注|关注我们|投稿|招聘"
    r"|sign[ -]?up|register|registration|tickets?\b|subscribe|newsletter|webinar|follow us|contact us"
    r"|anmelden|Anmeldung|Veranstaltung|abonnieren",
    re.I,
)
# Language names as language switchers print them, to recognise a flattened menu in the text. Not
# languages.NAMES: this list is about spotting page furniture, so it holds spellings that site
# menus use ("español", "Italian", "한어", "简体", "繁體") and languages the archive does not name.
_LANGUAGE_NAMES = (
    "English",
    "Deutsch",
    "Français",
    "Español",
    "español",
    "Italiano",
    "Italian",
    "Português",
    "Русский",
    "日本語",
    "한국어",
    "한어",
    "中文",
    "简体",
    "繁體",
    "Indonesian",
    "Bahasa",
    "Sanskrit",
    "Ελληνικά",
    "Nederlands",
    "Polski",
    "Türkçe",
    "العربية",
    "हिन्दी",
    "Tiếng Việt",
    "ภาษาไทย",
    "Svenska",
    "Українська",
)


_LANGUAGE_NAME_RE = re.compile("|".join(map(re.escape, _LANGUAGE_NAMES)))


def is_language_menu(text: str) -> bool:
    """A language switcher flattened into one line: "한어Русский языкEnglishFrançais…"."""
    return len(text) <= 400 and len(set(_LANGUAGE_NAME_RE.findall(text))) >= 3


def chrome_kind(line: Line) -> str:
    """Why a line is page chrome (navigation, account furniture, images...), or ""."""
    if line.image:
        return "image"
    if line.rule:
        return "rule"
    if line.link_only:
        return "link"
    text = line.text
    if 20 <= len(text) <= 400 and is_language_menu(text):
        return "menu"
    if " " not in text and _URL_LINE_RE.fullmatch(text):
        return "url"
    if len(text) > 80:  # chrome below is short; most lines are prose and stop here
        return ""
    if _END_RE.fullmatch(text):
        return "end"
    if is_punctuation_only(text):
        return "punctuation"
    if len(text) <= 40 and _DATE_RE.fullmatch(text):
        return "date"
    if _ACCOUNT_RE.search(text) and display_width(text) <= 80:
        return "account"
    if _CLICK_RE.match(text) and display_width(text) <= 60:
        return "account"
    return ""


_CARD_LINES = 3  # an account card: name, slogan, article count around the "公众号" line


def mark_account_blocks(lines: list[Line]) -> None:
    """An account card ("有新Newin / 无限向新力。/ 665篇原创内容 / 公众号") is a few short lines
    around one telltale line: spread the chrome mark to the short plain lines next to it."""
    telltales = [i for i, line in enumerate(lines) if line.chrome == "account"]
    for i in telltales:
        for step in (-1, 1):
            j, absorbed = i + step, 0
            while 0 <= j < len(lines) and absorbed < _CARD_LINES:
                if lines[j].chrome in ("account", "punctuation"):
                    j += step
                    continue
                if not _is_card_line(lines, j):
                    break
                lines[j].chrome = "account"
                absorbed += 1
                j += step


def _is_card_line(lines: list[Line], i: int) -> bool:
    line = lines[i]
    if line.chrome or line.label or line.heading:
        return False
    if i > 0 and lines[i - 1].label and not lines[i - 1].label.rest:
        return False  # the first words after a standalone label are that speaker's
    return line.whole_paragraph and display_width(line.text) <= 24
