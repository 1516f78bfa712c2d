"""The quote card (OpenGraph image) renderer: pure Pillow, no Django."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from interviews.quotes import card_fonts, cards
from interviews.quotes.card_fonts import FontMissing, find_font, font_for_text, load_font
from interviews.quotes.card_text import (
    ELLIPSIS,
    NO_LINE_END,
    NO_LINE_START,
    strip_outer_quotes,
    truncate_to_width,
    wrap_text,
)
from interviews.quotes.cards import CardContent, card_cache_key, fit_quote, render_card

ZH_QUOTE = (
    "我们认为，中国的AI不可能永远处在跟随的位置。我们经常说中国AI和美国有一两年差距，但真实的gap是原创和模仿之差。"
)
DE_QUOTE = (
    "Wir glauben, dass die Zukunft den Open-Source-Modellen gehört – und dass "
    "Sprachmodellentwicklungsabteilungen in Europa endlich mutiger werden müssen."
)


def content(**kw) -> CardContent:
    base = dict(
        quote="The models just want to learn. You have to understand this.",
        speaker="Ilya Sutskever",
        interview="No Priors Ep. 39",
        date="2023-11-02",
        language="en",
    )
    base.update(kw)
    return CardContent(**base)


def decode(png: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(png))
    img.load()
    return img.convert("RGB")


def quote_area(img: Image.Image) -> Image.Image:
    left, top, right, bottom = cards.QUOTE_BOX
    return img.crop((left, top, right, bottom))


def ink_pixels(img: Image.Image, threshold: int = 60) -> int:
    """Pixels clearly darker than the card background."""
    bg = Image.new("RGB", img.size, cards.BACKGROUND)
    diff = ImageChops.difference(img, bg).convert("L")
    return sum(1 for v in diff.getdata() if v > threshold)


def differing_pixels(a: Image.Image, b: Image.Image, threshold: int = 60) -> int:
    diff = ImageChops.difference(a, b).convert("L")
    return sum(1 for v in diff.getdata() if v > threshold)


@pytest.fixture(autouse=True)
def fresh_font_cache():
    card_fonts.clear_font_cache()
    yield
    card_fonts.clear_font_cache()


def dejavu_info() -> card_fonts.FontInfo:
    path = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
    return card_fonts.FontInfo(path, 0, "DejaVu Serif", "serif", "regular", cjk=False)


def use_font_without_cjk_for_quote(monkeypatch):
    """Make the renderer draw the quote with DejaVu (no CJK glyphs), as a broken setup would."""
    real = cards.font_for_text

    def fake(text, language, weight="regular", style="sans"):
        if style == "serif" and weight == "regular":
            return dejavu_info()
        return real(text, language, weight, style)

    monkeypatch.setattr(cards, "font_for_text", fake)


# ---------------------------------------------------------------------------------------------
# The image
# ---------------------------------------------------------------------------------------------


def test_card_is_a_png_of_1200_by_630():
    """Sharing a quote shows a 1200x630 preview image (the OpenGraph size)."""
    png = render_card(content())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    assert img.size == (1200, 630)


@pytest.mark.parametrize(
    "kw",
    [
        dict(
            quote=ZH_QUOTE, speaker="梁文锋", interview="揭秘DeepSeek：一个更极致的中国技术理想主义故事", language="zh"
        ),
        dict(quote=DE_QUOTE, speaker="Jonas Andrulis", interview="Aleph Alpha im Gespräch", language="de"),
        dict(
            quote="「AIは道具ではなく、一緒に考えるパートナーになる」",
            speaker="岡野原大輔",
            interview="PFN",
            language="ja",
        ),
        dict(
            quote="우리는 인공지능이 모두를 위한 도구가 되어야 한다고 믿습니다.",
            speaker="김철수",
            interview="인터뷰",
            language="ko",
        ),
    ],
)
def test_cards_in_every_language_decode_at_full_size(kw):
    """Chinese, German, Japanese and Korean quotes all produce a valid 1200x630 card."""
    img = decode(render_card(content(**kw)))
    assert img.size == (1200, 630)


def test_card_is_not_blank():
    """The quote is visibly printed on the card: the quote area has plenty of dark text pixels."""
    img = decode(render_card(content()))
    assert ink_pixels(quote_area(img)) > 5000


def test_empty_quote_still_renders():
    """A card with an empty quote still renders (an ellipsis), it does not crash the view."""
    img = decode(render_card(content(quote="   ", date="")))
    assert img.size == (1200, 630)


def test_chinese_quote_is_not_rendered_as_tofu(monkeypatch):
    """A Chinese quote shows real Chinese characters, not the empty boxes a Latin-only font draws."""
    with_cjk = quote_area(decode(render_card(content(quote=ZH_QUOTE, language="zh"))))
    use_font_without_cjk_for_quote(monkeypatch)
    with_tofu = quote_area(decode(render_card(content(quote=ZH_QUOTE, language="zh"))))
    # Substantially different: many thousands of pixels, not a few anti-aliasing differences.
    assert differing_pixels(with_cjk, with_tofu) > 10000


def test_different_chinese_characters_are_drawn_as_different_glyphs(monkeypatch):
    """Two different Chinese sentences of equal length look different on the card (tofu boxes
    would make them pixel-identical); the same check against a Latin-only font proves it."""
    a = content(quote="中国人工智能的未来", language="zh")
    b = content(quote="模仿与原创的差距大", language="zh")
    assert len(a.quote) == len(b.quote)
    img_a = quote_area(decode(render_card(a)))
    img_b = quote_area(decode(render_card(b)))
    assert differing_pixels(img_a, img_b) > 3000

    # Control: with a font lacking CJK glyphs every character is the same box.
    use_font_without_cjk_for_quote(monkeypatch)
    tofu_a = quote_area(decode(render_card(a)))
    tofu_b = quote_area(decode(render_card(b)))
    assert differing_pixels(tofu_a, tofu_b) == 0


def test_single_chinese_glyphs_differ_from_each_other():
    """Cropping two different characters (中, 国) drawn with the chosen font gives different shapes."""
    font = load_font(find_font("zh", style="serif"), 56)

    def glyph(ch):
        img = Image.new("L", (80, 80), 255)
        from PIL import ImageDraw

        ImageDraw.Draw(img).text((10, 70), ch, font=font, fill=0, anchor="ls")
        return img

    a, b = glyph("中"), glyph("国")
    assert sum(1 for v in a.getdata() if v < 128) > 100  # not blank
    diff = ImageChops.difference(a, b)
    assert sum(1 for v in diff.getdata() if v > 128) > 200


def test_cjk_speaker_name_on_an_english_quote_uses_a_cjk_font():
    """A Chinese founder's name under an English quote is drawn with a CJK font, not boxes."""
    info = font_for_text("梁文锋", "en", "bold")
    assert info.cjk and "CJK" in info.family
    img = decode(render_card(content(speaker="梁文锋")))
    assert img.size == (1200, 630)


# ---------------------------------------------------------------------------------------------
# Fonts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language,region", [("zh", "SC"), ("ja", "JP"), ("ko", "KR"), ("zh-TW", "TC")])
def test_find_font_picks_the_face_for_the_language(language, region):
    """Chinese uses the Simplified Chinese face, Japanese the JP face, Korean the KR face."""
    info = find_font(language)
    assert info.cjk
    font = load_font(info, 20)
    family, _ = font.getname()
    assert family.endswith(region), family
    assert "Mono" not in family


def test_find_font_bold_weight():
    """Speaker names are set in bold."""
    font = load_font(find_font("zh", weight="bold"), 20)
    assert font.getname()[1] == "Bold"
    assert load_font(find_font("en", weight="bold"), 20).getname()[1] == "Bold"


def test_find_font_latin_for_european_languages():
    """German/English text uses a Latin font (Noto/Liberation/DejaVu)."""
    info = find_font("de", style="serif")
    assert not info.cjk
    assert info.family


def test_font_missing_names_the_debian_package(monkeypatch):
    """On a server without CJK fonts a Chinese card fails with a message telling the admin to
    install fonts-noto-cjk (the view turns this into a fallback) instead of drawing boxes."""
    monkeypatch.setattr(card_fonts, "CJK_FONT_CANDIDATES", {})
    monkeypatch.setattr(card_fonts, "USE_FONTCONFIG", False)
    card_fonts.clear_font_cache()
    with pytest.raises(FontMissing, match="fonts-noto-cjk") as info:
        find_font("zh")
    assert info.value.package == "fonts-noto-cjk"
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(FontMissing, match="fonts-noto-cjk"):
        render_card(content(quote=ZH_QUOTE, language="zh"))
    # A CJK speaker name alone also needs the CJK font.
    with pytest.raises(FontMissing, match="fonts-noto-cjk"):
        render_card(content(speaker="梁文锋"))
    # Latin-only cards still work without CJK fonts.
    assert decode(render_card(content())).size == (1200, 630)


# ---------------------------------------------------------------------------------------------
# Line breaking
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def zh_font():
    return load_font(find_font("zh", style="serif"), 40)


@pytest.fixture
def latin_font():
    return load_font(find_font("de", style="serif"), 40)


def test_wrap_chinese_breaks_between_characters(zh_font):
    """Chinese has no spaces; lines break between any two characters and fill the width."""
    text = "我们经常说中国和美国有一两年差距但真实的差距是原创和模仿之差"
    width = zh_font.getlength("一二三四五六七八") + 2
    lines = wrap_text(text, zh_font, width, "zh")
    assert len(lines) > 2
    assert "".join(lines) == text
    assert all(len(line) == 8 for line in lines[:-1])
    assert all(zh_font.getlength(line) <= width for line in lines)


def test_wrap_chinese_no_line_starts_with_closing_punctuation(zh_font):
    """A line never starts with ，or 。: the preceding character moves down with it (kinsoku)."""
    width = zh_font.getlength("一二三四五六七八九十") + 2
    lines = wrap_text("一二三四五六七八九十，一二三四五六七八九十。一二三四", zh_font, width, "zh")
    assert lines[0] == "一二三四五六七八九"
    assert lines[1].startswith("十，")
    for line in lines:
        assert line[0] not in NO_LINE_START
        assert zh_font.getlength(line) <= width


def test_wrap_chinese_no_line_ends_with_opening_bracket(zh_font):
    """A line never ends with （ or 「: the bracket moves to the next line with its content."""
    width = zh_font.getlength("一二三四五六七八九十") + 2
    lines = wrap_text("一二三四五六七八九（十）一二三四五六七八九「十」", zh_font, width, "zh")
    assert lines[0] == "一二三四五六七八九"
    assert lines[1].startswith("（十）")
    for line in lines:
        assert line[-1] not in NO_LINE_END
        assert line[0] not in NO_LINE_START


def test_wrap_japanese_small_kana_and_long_vowel_do_not_start_a_line():
    """Japanese: ー, ッ and 。 stay on the line of the character before them."""
    font = load_font(find_font("ja", style="serif"), 40)
    width = font.getlength("あいうえおかきくけこ") + 2
    lines = wrap_text("パートナーになるパートナーになるパーティーで会いましょう。", font, width, "ja")
    for line in lines:
        assert line[0] not in NO_LINE_START, lines
        assert font.getlength(line) <= width


def test_wrap_mixed_chinese_keeps_latin_words_whole(zh_font):
    """Latin words inside Chinese text (DeepSeek, OpenAI) are not split mid-word."""
    text = "我们认为DeepSeek和OpenAI之间的差距正在缩小而且Transformer架构仍然是主流的选择"
    width = zh_font.getlength("一二三四五六七八九") + 2
    lines = wrap_text(text, zh_font, width, "zh")
    joined = "\n".join(lines)
    for word in ("DeepSeek", "OpenAI", "Transformer"):
        assert word in joined.replace("\n", "") and any(word in line for line in lines), lines
    assert "".join(lines) == text
    assert all(zh_font.getlength(line) <= width for line in lines)


def test_wrap_latin_word_longer_than_a_line_inside_chinese_is_split(zh_font):
    """A Latin word wider than the whole line is split so nothing overflows."""
    width = zh_font.getlength("一二三四五") + 2
    lines = wrap_text("模型Supercalifragilisticexpialidocious很好", zh_font, width, "zh")
    assert all(zh_font.getlength(line) <= width for line in lines), lines
    assert re.sub(r"-", "", "".join(lines)) == "模型Supercalifragilisticexpialidocious很好"


def test_wrap_english_breaks_at_spaces(latin_font):
    """English lines break at spaces, words are never cut."""
    text = "The models just want to learn. You have to understand this, and it changes everything."
    width = 420
    lines = wrap_text(text, latin_font, width, "en")
    assert len(lines) > 2
    assert " ".join(lines) == text
    assert not any(line.endswith("-") for line in lines)
    assert all(latin_font.getlength(line) <= width for line in lines)


def test_wrap_german_compound_prefers_existing_hyphen(latin_font):
    """'Open-Source-Modellen' too long for a line breaks after one of its own hyphens."""
    width = latin_font.getlength("Open-Source-Mod") + 2
    lines = wrap_text("Open-Source-Modellen", latin_font, width, "de")
    assert lines == ["Open-Source-", "Modellen"]


def test_wrap_german_long_compound_broken_with_hyphen(latin_font):
    """A German compound wider than the line is hyphenated at a syllable-like point, with >= 3
    letters on each side, and every line fits."""
    word = "Sprachmodellentwicklungsabteilungen"
    width = 380
    assert latin_font.getlength(word) > width
    lines = wrap_text(f"Die {word} arbeiten.", latin_font, width, "de")
    assert all(latin_font.getlength(line) <= width for line in lines), lines
    hyphenated = [line for line in lines if line.endswith("-")]
    assert hyphenated, lines
    for line in hyphenated:
        head = line.split(" ")[-1].rstrip("-")
        assert len(head) >= 3
    assert "".join(line.rstrip("-") if line.endswith("-") else line + " " for line in lines).strip() == (
        f"Die {word} arbeiten."
    )
    # The break falls before a consonant that starts a syllable, not e.g. "Sprachm-odell".
    first_piece = next(line for line in lines if line.endswith("-")).split(" ")[-1]
    assert first_piece[-2] not in "aeiouäöü" or first_piece[-3] not in "aeiouäöü"


def test_wrap_german_fills_line_by_hyphenating_a_long_compound(latin_font):
    """In German a long compound at the end of a line is hyphenated to fill the line
    (Sprach-|modellentwicklung) rather than leaving a large gap."""
    text = "Wir brauchen mehr Sprachmodellentwicklung"
    width = latin_font.getlength("Wir brauchen mehr Sprachmodell")
    lines = wrap_text(text, latin_font, width, "de")
    assert lines[0].startswith("Wir brauchen mehr ") and lines[0].endswith("-"), lines
    assert all(latin_font.getlength(line) <= width for line in lines)


def test_wrap_collapses_whitespace(latin_font):
    """Newlines and runs of spaces in the stored quote become single spaces."""
    assert wrap_text("Hello\n\n  world", latin_font, 1000, "en") == ["Hello world"]
    assert wrap_text("", latin_font, 1000, "en") == []


_ALPHABET = st.sampled_from(list("中国人工智能模型，。「」（）ーッ") + list("abcdefghij-") + [" "] * 3)


@settings(max_examples=150, deadline=None)
@given(text=st.text(_ALPHABET, min_size=1, max_size=80), width=st.integers(min_value=60, max_value=500))
def test_wrap_every_line_fits_and_nothing_is_lost(text, width):
    """Whatever the mix of Chinese, Latin and punctuation, every line fits the width and no
    character disappears (only hyphens may be added and spaces dropped at line breaks)."""
    font = load_font(find_font("zh", style="serif"), 30)
    lines = wrap_text(text, font, width, "zh")
    for line in lines:
        assert font.getlength(line) <= width, (line, width)
        assert line == line.strip()
    assert re.sub(r"[\s-]", "", "".join(lines)) == re.sub(r"[\s-]", "", text)


# ---------------------------------------------------------------------------------------------
# Fitting and truncation
# ---------------------------------------------------------------------------------------------


def test_short_quote_is_set_large_and_not_truncated():
    """A short quote is printed in large type (56 px) in full."""
    info = font_for_text("Short and sweet.", "en", style="serif")
    lines, size, truncated = fit_quote("Short and sweet.", info, (944, 376), "en")
    assert (lines, size, truncated) == (["Short and sweet."], 56, False)


def test_medium_quote_shrinks_to_fit():
    """A longer quote shrinks below 56 px but is still printed in full."""
    text = " ".join(["Scaling is not the whole story, but it is a very large part of it."] * 4)
    info = font_for_text(text, "en", style="serif")
    lines, size, truncated = fit_quote(text, info, (944, 376), "en")
    assert 30 <= size < 56
    assert not truncated
    assert " ".join(lines) == text


def test_very_long_quote_is_ellipsised():
    """A very long quote is cut at a word boundary and the last line ends with '…'."""
    sentence = "Scaling is not the whole story, but it is a very large part of the story."
    text = " ".join([sentence] * 12)
    info = font_for_text(text, "en", style="serif")
    lines, size, truncated = fit_quote(text, info, (944, 376), "en")
    assert truncated
    assert size == 30
    assert lines[-1].endswith(ELLIPSIS)
    last_words = lines[-1][:-1].split(" ")
    assert all(w in sentence for w in last_words)  # whole words only
    font = load_font(info, size)
    assert all(font.getlength(line) <= 944 for line in lines)
    # And the card renders.
    assert decode(render_card(content(quote=text))).size == (1200, 630)


def test_very_long_chinese_quote_is_ellipsised_at_a_character():
    """A very long Chinese quote ends with '…' after a character (not after a comma)."""
    text = "我们认为，中国的AI不可能永远处在跟随的位置。" * 30
    info = font_for_text(text, "zh", style="serif")
    lines, size, truncated = fit_quote(text, info, (944, 376), "zh")
    assert truncated and lines[-1].endswith(ELLIPSIS)
    assert lines[-1][-2] not in "，。、"
    font = load_font(info, size)
    assert all(font.getlength(line) <= 944 for line in lines)


def test_huge_input_is_cut_before_layout():
    """Absurdly long stored text is handled quickly and marked truncated."""
    text = "word " * 20000
    info = font_for_text(text, "en", style="serif")
    lines, size, truncated = fit_quote(text, info, (944, 376), "en")
    assert truncated and lines[-1].endswith(ELLIPSIS)


def test_long_interview_title_is_truncated_with_ellipsis():
    """A long interview title in the footer is shortened with '…' at a word boundary."""
    font = load_font(find_font("en"), 22)
    title = "An extremely long interview title that goes on and on about scaling laws and the future"
    short = truncate_to_width(title, font, 400)
    assert short.endswith(ELLIPSIS) and font.getlength(short) <= 400
    assert title.startswith(short[:-1])
    assert short[:-1].split(" ")[-1] in title.split(" ")
    assert truncate_to_width("Short", font, 400) == "Short"


def test_outer_quotation_marks_are_not_doubled():
    """The card draws its own big quotation mark, so quotes stored with marks lose them once."""
    assert strip_outer_quotes("“Hello world”") == "Hello world"
    assert strip_outer_quotes("„Hallo Welt“") == "Hallo Welt"
    assert strip_outer_quotes("「AIは道具」と言った") == "「AIは道具」と言った"
    assert strip_outer_quotes("plain") == "plain"


# ---------------------------------------------------------------------------------------------
# Caching
# ---------------------------------------------------------------------------------------------


def test_rendering_is_deterministic():
    """The same quote always gives byte-identical PNGs, so cards can be cached by content."""
    c = content(quote=ZH_QUOTE, speaker="梁文锋", language="zh")
    assert render_card(c) == render_card(c)
    card_fonts.clear_font_cache()
    assert render_card(c) == render_card(content(quote=ZH_QUOTE, speaker="梁文锋", language="zh"))


def test_cache_key_is_stable_and_changes_with_the_text():
    """Editing the quote (or any field) gives a new cache key; the same content the same key."""
    a = content()
    assert card_cache_key(a) == card_cache_key(content())
    assert re.fullmatch(r"[0-9a-f]{64}", card_cache_key(a))
    changed = [
        content(quote=a.quote + "!"),
        content(speaker="Someone Else"),
        content(interview="Another"),
        content(date=""),
        content(language="de"),
        CardContent(a.quote, a.speaker, a.interview, a.date, a.language, site_name="Other"),
    ]
    keys = {card_cache_key(c) for c in changed}
    assert card_cache_key(a) not in keys and len(keys) == len(changed)


def test_cache_key_changes_with_renderer_version(monkeypatch):
    """Bumping RENDERER_VERSION invalidates every cached card."""
    before = card_cache_key(content())
    monkeypatch.setattr(cards, "RENDERER_VERSION", cards.RENDERER_VERSION + "-next")
    assert card_cache_key(content()) != before


def test_time_code_is_drawn_on_the_speaker_line_and_changes_the_key():
    """ "▶ 12:34" after the speaker's name: only the footer differs from the untimed card."""
    plain, timed = content(), content(time="12:34")
    assert card_cache_key(plain) != card_cache_key(timed)
    a, b = decode(render_card(plain)), decode(render_card(timed))
    footer = (0, cards.FOOTER_RULE_Y + 1, cards.WIDTH, cards.HEIGHT)
    assert differing_pixels(a.crop(footer), b.crop(footer)) > 100
    assert (
        differing_pixels(
            a.crop((0, 0, cards.WIDTH, cards.FOOTER_RULE_Y)), b.crop((0, 0, cards.WIDTH, cards.FOOTER_RULE_Y))
        )
        == 0
    )
