"""Fonts for quote cards, found on the machine: well-known Debian paths first, then fontconfig.

Noto Serif/Sans CJK (package ``fonts-noto-cjk``) for Chinese, Japanese and Korean, with the face
index of the .ttc chosen per language (SC for zh, TC/HK by region, JP for ja, KR for ko), and a
Latin serif/sans (Noto, else Liberation, else DejaVu) for everything else. Text that needs CJK
glyphs when no CJK font is installed raises :class:`FontMissing` instead of drawing tofu boxes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache, lru_cache

from PIL import ImageFont

from interviews import languages
from interviews.quotes.card_text import is_hangul, needs_cjk_font

CJK_PACKAGE = "fonts-noto-cjk"
LATIN_PACKAGE = "fonts-dejavu-core"

_KANA_RE = re.compile(f"[{languages.KANA}]")


def norm_lang(language: str) -> str:
    """``"zh_TW"`` -> ``"zh-tw"``: the region is kept, it picks the CJK face."""
    return (language or "").strip().lower().replace("_", "-")


def _cjk_region(language: str, text: str = "") -> str:
    """Which face of the Noto CJK collection fits: SC, TC, HK, JP or KR."""
    lang = norm_lang(language)
    base = languages.base(lang)
    if base == "ja":
        return "JP"
    if base == "ko":
        return "KR"
    if base == "zh":
        if any(tag in lang for tag in ("-hk", "-mo")):
            return "HK"
        if any(tag in lang for tag in ("-tw", "-hant")):
            return "TC"
        return "SC"
    # Not a CJK language, but the text (a name, a title) is CJK: guess from the script.
    if _KANA_RE.search(text):
        return "JP"
    if any(is_hangul(ch) for ch in text):
        return "KR"
    return "SC"


# ---------------------------------------------------------------------------------------------
# Fonts
# ---------------------------------------------------------------------------------------------


class FontMissing(RuntimeError):
    """No installed font can draw the text. The message names the Debian package to install."""

    def __init__(self, message: str, package: str = CJK_PACKAGE):
        super().__init__(message)
        self.package = package


@dataclass(frozen=True)
class FontInfo:
    path: str
    index: int  # face index inside a .ttc collection (0 for plain .ttf/.otf)
    family: str  # e.g. "Noto Serif CJK SC"
    style: str  # "serif" or "sans"
    weight: str  # "regular" or "bold"
    cjk: bool  # has CJK glyphs

    def load(self, size: int) -> ImageFont.FreeTypeFont:
        return load_font(self, size)


_NOTO_CJK_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/opentype/noto-cjk",
    "/usr/local/share/fonts",
)

# (style, weight) -> candidate files. Tests monkeypatch these to simulate a bare machine.
CJK_FONT_CANDIDATES: dict[tuple[str, str], tuple[str, ...]] = {
    (style, weight): tuple(
        f"{d}/{name}"
        for name in (
            f"Noto{'Serif' if style == 'serif' else 'Sans'}CJK-{'Bold' if weight == 'bold' else 'Regular'}.ttc",
            f"Noto{'Serif' if style == 'serif' else 'Sans'}CJK-{'Bold' if weight == 'bold' else 'Regular'}.otc",
            f"Noto{'Serif' if style == 'serif' else 'Sans'}CJKsc-{'Bold' if weight == 'bold' else 'Regular'}.otf",
        )
        for d in _NOTO_CJK_DIRS
    )
    for style in ("serif", "sans")
    for weight in ("regular", "bold")
}

LATIN_FONT_CANDIDATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("serif", "regular"): (
        "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    ),
    ("serif", "bold"): (
        "/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    ),
    ("sans", "regular"): (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    ),
    ("sans", "bold"): (
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    ),
}

# Ask fontconfig (fc-list / fc-match) when the well-known paths have nothing.
USE_FONTCONFIG = True

_FC_LANG = {"SC": "zh-cn", "TC": "zh-tw", "HK": "zh-hk", "JP": "ja", "KR": "ko"}


def _faces(path: str) -> list[tuple[int, str, str]]:
    """(index, family, style name) of every face in a font file; [] if it cannot be read."""
    faces = []
    for index in range(64):
        try:
            family, stylename = ImageFont.truetype(path, 12, index=index).getname()
        except (OSError, ValueError):
            break
        faces.append((index, family or "", stylename or ""))
    return faces


def _pick_cjk_face(path: str, region: str) -> tuple[int, str] | None:
    """The face of a (collection) font for a region, e.g. "Noto Serif CJK SC" for SC; never Mono."""
    faces = _faces(path)
    if not faces:
        return None
    proportional = [f for f in faces if "mono" not in f[1].lower()] or faces
    for index, family, _ in proportional:
        if family.upper().endswith(" " + region) or f"CJK {region}" in family.upper():
            return index, family
    # Not a Noto collection (e.g. WenQuanYi, Droid Sans Fallback): its first face.
    index, family, _ = proportional[0]
    return index, family


def _fc_run(args: list[str]) -> str:
    exe = shutil.which(args[0])
    if not exe:
        return ""
    try:
        out = subprocess.run([exe, *args[1:]], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout if out.returncode == 0 else ""


def _fontconfig_cjk_files(region: str, style: str, weight: str) -> list[str]:
    """CJK-capable font files fontconfig knows, best style/weight match first."""
    if not USE_FONTCONFIG:
        return []
    out = _fc_run(["fc-list", "--format", "%{file}|%{family}|%{style}\n", f":lang={_FC_LANG.get(region, 'zh-cn')}"])
    scored = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) < 3 or not parts[0]:
            continue
        path, family, stylename = parts[0], parts[1].lower(), parts[2].lower()
        score = 0
        score += 4 if ("bold" in stylename) == (weight == "bold") else 0
        score += 2 if ("serif" in family and "sans" not in family) == (style == "serif") else 0
        score += 1 if "noto" in family or "source han" in family else 0
        score -= 8 if "mono" in family else 0
        scored.append((-score, path))
    seen, result = set(), []
    for _, path in sorted(scored):
        if path not in seen:
            seen.add(path)
            result.append(path)
    return result


def _fontconfig_latin_file(style: str, weight: str) -> str | None:
    if not USE_FONTCONFIG:
        return None
    pattern = (
        f"{'serif' if style == 'serif' else 'sans-serif'}:lang=en:weight={'bold' if weight == 'bold' else 'regular'}"
    )
    out = _fc_run(["fc-match", "--format", "%{file}", pattern]).strip()
    return out if out and os.path.isfile(out) else None


@cache
def _find_cjk_font(region: str, style: str, weight: str) -> FontInfo:
    # Exact style first; a sans CJK face is a fine fallback for a serif request (and vice versa).
    other = "sans" if style == "serif" else "serif"
    for st in (style, other):
        for path in CJK_FONT_CANDIDATES.get((st, weight), ()) + CJK_FONT_CANDIDATES.get((st, "regular"), ()):
            if os.path.isfile(path):
                picked = _pick_cjk_face(path, region)
                if picked:
                    return FontInfo(path, picked[0], picked[1], st, weight, cjk=True)
    for path in _fontconfig_cjk_files(region, style, weight):
        picked = _pick_cjk_face(path, region)
        if picked:
            fam = picked[1].lower()
            st = "serif" if ("serif" in fam and "sans" not in fam) or "ming" in fam or "song" in fam else "sans"
            return FontInfo(path, picked[0], picked[1], st, weight, cjk=True)
    raise FontMissing(
        f"No CJK font is installed, so Chinese/Japanese/Korean text cannot be drawn "
        f"(it would show as empty boxes). Install the Debian package {CJK_PACKAGE}: "
        f"apt-get install {CJK_PACKAGE}",
        package=CJK_PACKAGE,
    )


@cache
def _find_latin_font(style: str, weight: str) -> FontInfo:
    other = "sans" if style == "serif" else "serif"
    for st in (style, other):
        for path in LATIN_FONT_CANDIDATES.get((st, weight), ()):
            if os.path.isfile(path):
                faces = _faces(path)
                if faces:
                    return FontInfo(path, 0, faces[0][1], st, weight, cjk=False)
    found = _fontconfig_latin_file(style, weight)
    if found:
        faces = _faces(found)
        if faces:
            return FontInfo(found, 0, faces[0][1], style, weight, cjk=False)
    raise FontMissing(
        f"No Latin font is installed. Install the Debian package {LATIN_PACKAGE}: apt-get install {LATIN_PACKAGE}",
        package=LATIN_PACKAGE,
    )


def find_font(language: str, weight: str = "regular", style: str = "sans") -> FontInfo:
    """The font for text in `language` ("zh" -> Noto CJK SC face, "ja" -> JP, "ko" -> KR, else Latin).

    Raises FontMissing (naming fonts-noto-cjk) when a CJK language has no CJK font installed.
    """
    weight = "bold" if weight == "bold" else "regular"
    style = "serif" if style == "serif" else "sans"
    if languages.is_cjk(language):
        return _find_cjk_font(_cjk_region(language), style, weight)
    return _find_latin_font(style, weight)


def font_for_text(text: str, language: str, weight: str = "regular", style: str = "sans") -> FontInfo:
    """The font that draws this text: a CJK face if it has any CJK character (the CJK fonts also
    carry Latin glyphs, so mixed text stays in one font), else the Latin font."""
    weight = "bold" if weight == "bold" else "regular"
    style = "serif" if style == "serif" else "sans"
    if needs_cjk_font(text):
        return _find_cjk_font(_cjk_region(language, text), style, weight)
    return _find_latin_font(style, weight)


@lru_cache(maxsize=256)
def load_font(info: FontInfo, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(info.path, size, index=info.index)


def clear_font_cache() -> None:
    """Forget found and loaded fonts (after installing fonts, or in tests)."""
    _find_cjk_font.cache_clear()
    _find_latin_font.cache_clear()
    load_font.cache_clear()
