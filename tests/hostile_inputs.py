"""Hostile inputs, shared by the tests and the scripts in benchmarks/: pathological search queries,
fuzzed transcript files, stored-XSS payloads. Plain Python, no Django: the scripts import it before
they set Django up.
"""

from __future__ import annotations

import codecs
import io
import random
import zipfile

# --- Search -----------------------------------------------------------------------------------

#: (what it is, query-string parameters) for /search/ and /api/search.
PATHOLOGICAL_QUERIES: list[tuple[str, dict]] = [
    ("empty phrase", {"q": '""'}),
    ("star", {"q": "*"}),
    ("prefix wildcard", {"q": "a*"}),
    ("infix wildcard", {"q": "*a*"}),
    ("question marks", {"q": "???"}),
    ("all-fields wildcard", {"q": "*:*"}),
    ("field query", {"q": "django_ct:* OR id:*"}),
    ("range", {"q": "[a TO z] {0 TO 9}"}),
    ("boost and fuzz", {"q": 'data^99 modell~5 "a b"~10'}),
    ("operators only", {"q": "AND OR NOT ANDNOT ANDMAYBE TO"}),
    ('-ANDNOT""-', {"q": '-ANDNOT""-'}),
    ("T ANDNOT ANDNOT :", {"q": "T ANDNOT ANDNOT :"}),
    ("unclosed phrase", {"q": '"daten qualität'}),
    ("only exclusions", {"q": "-daten -数据 --x ---"}),
    ("backslashes", {"q": '\\\\ \\" \\* \\'}),
    ("200 nested parentheses", {"q": "(" * 200 + "daten" + ")" * 200}),
    ("1,000 unbalanced parentheses", {"q": "(" * 1000}),
    ("1,000 OR-ed terms", {"q": " OR ".join(f"w{i}" for i in range(1000))}),
    ("1,000 excluded terms", {"q": " ".join(f"-w{i}" for i in range(1000))}),
    ("300 phrases", {"q": " ".join(f'"a{i} b{i}"' for i in range(300))}),
    ("10,000 characters", {"q": "x" * 10_000}),
    ("10,000 CJK characters", {"q": "数据" * 5_000}),
    ("10,000 spaces then a word", {"q": " " * 10_000 + "daten"}),
    ("one 3,000-letter word", {"q": "datenqualität" * 230}),
    ("combining marks", {"q": "e" + "\u0301" * 2000}),
    ("RTL override and zero-width", {"q": "\u202edaten\u202c \u200b\u200d\ufeff数据"}),
    ("control characters and NUL", {"q": "da\x00ten \x01\x02\x1b[31m \x7f"}),
    ("emoji and astral plane", {"q": "🙂🏳️‍🌈 𝔡𝔞𝔱𝔢𝔫 \U0010ffff"}),
    ("lone surrogate, escaped", {"q": "\\ud800 &#xd800; %ED%A0%80"}),
    ("HTML in the query", {"q": '"><script>alert(1)</script><img src=x onerror=alert(1)>'}),
    ("template syntax", {"q": "{{ 7*7 }} {% debug %} ${7*7}"}),
    ("page 0", {"q": "daten", "page": "0"}),
    ("negative page", {"page": "-1"}),
    ("page 1e10", {"page": "1e10"}),
    ("300-digit page", {"page": "9" * 300}),
    ("300-digit page with a query", {"q": "daten", "page": "1" + "0" * 299}),
    ("page NaN", {"page": "NaN"}),
    ("fullwidth page digit", {"page": "２"}),
    ("unknown sort", {"q": "daten", "sort": "-date; DROP TABLE"}),
    (
        "unknown filter values",
        {
            "speaker": "nobody",
            "language": "xx",
            "year": "99999999999999999999",
            "interview": "../../etc/passwd",
            "topic": "\x00",
        },
    ),
    ("2,000-character filter value", {"speaker": "s" * 2000}),
    ("500 language filters", {"language": [f"l{i}" for i in range(500)]}),
    ("100 queries in one URL", {"q": [f"w{i}" for i in range(100)]}),
]


# --- Uploads ----------------------------------------------------------------------------------

VALID_TRANSCRIPT = """\
Building Robots That Learn: A Conversation with Mara Lindqvist

Interviewer: Mara, thanks for joining. What made you start a robotics company?

Mara Lindqvist: Language models learned from the whole internet, while robots learned from a few hundred demonstrations.

Interviewer: What surprised you most?

Mara Lindqvist: Tactile sensing mattered far more than camera resolution.

Interviewer: Where will robots be in five years?

Mara Lindqvist: Folding laundry in ordinary homes, slowly, but every single day.
"""

CHINESE_TRANSCRIPT = """\
关于数据的对话

主持人：数据质量重要吗？

王芳：数据质量至关重要。我们的重点是合成数据。

主持人：算力呢？

王芳：算力有帮助，但它是最贵的办法。
"""

_MINIMAL_PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nxref\n0 3\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("transcript.txt", text)
    return buffer.getvalue()


def _unique(rng: random.Random) -> str:
    # A fresh line per file, so that no two valid uploads share bytes (the second would be a
    # duplicate, refused for that reason rather than for its content).
    return f"Interviewer: Reference {rng.getrandbits(48):012x}, noted for the record.\n\n"


def _valid(rng: random.Random) -> str:
    base = rng.choice([VALID_TRANSCRIPT, CHINESE_TRANSCRIPT])
    return (
        base + "\n" + _unique(rng) + "Mara Lindqvist: Yes.\n"
        if base is VALID_TRANSCRIPT
        else base + "\n" + _unique(rng) + "王芳：是的。\n"
    )


def _mutate(data: bytes, rng: random.Random, edits: int) -> bytes:
    out = bytearray(data)
    for _ in range(edits):
        roll = rng.random()
        position = rng.randrange(len(out) + 1)
        if roll < 0.4 and out:
            out[min(position, len(out) - 1)] = rng.randrange(256)
        elif roll < 0.7:
            out[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif out:
            del out[position : position + rng.randint(1, 16)]
    return bytes(out)


def _fuzz_random_bytes(rng, light=False):
    return "random.txt", rng.randbytes(rng.choice([1, 7, 100, 4096, 200_000]))


def _fuzz_truncated_utf8(rng, light=False):
    data = (CHINESE_TRANSCRIPT + _unique(rng)).encode("utf-8") * rng.randint(1, 30)
    cut = len(data) - rng.randint(1, 2)  # inside a three-byte character
    return "truncated.txt", data[:cut]


def _fuzz_utf16_no_bom(rng, light=False):
    codec = rng.choice(["utf-16-le", "utf-16-be"])
    return "utf16.txt", _valid(rng).encode(codec)


def _fuzz_utf16_odd_length(rng, light=False):
    return "utf16-odd.txt", codecs.BOM_UTF16_LE + _valid(rng).encode("utf-16-le")[:-1]


def _fuzz_utf32(rng, light=False):
    return "utf32.txt", _valid(rng).encode(rng.choice(["utf-32", "utf-32-be"]))


def _fuzz_zip_renamed(rng, light=False):
    return rng.choice(["transcript.txt", "transcript.md", "transcript.html"]), _zip(_valid(rng))


def _fuzz_pdf_renamed(rng, light=False):
    return "transcript.txt", _MINIMAL_PDF + rng.randbytes(rng.randint(0, 5000))


def _fuzz_png_renamed(rng, light=False):
    return "image.md", _PNG + rng.randbytes(rng.randint(0, 2000))


def _as_html(text: str) -> str:
    return "".join(f"<p>{paragraph}</p>" for paragraph in text.split("\n\n") if paragraph.strip())


def _fuzz_many_attributes(rng, light=False):
    attributes = " ".join(f'a{i}="{i}"' for i in range(50_000))
    body = f"<p {attributes}>Interviewer: Hello?</p>" + _as_html(_valid(rng))
    return "attributes.html", f"<html><body>{body}</body></html>".encode()


def _fuzz_nested_brackets(rng, light=False):
    opener, closer = rng.choice(
        [("[", "]"), ("(", ")"), ("{", "}"), ("<div>", "</div>"), ("<b>", "</b>"), ("> ", ""), ("* ", ""), ("[", "")]
    )
    depth = 13_000
    nested = "Interviewer: " + opener * depth + "question" + closer * depth
    if opener.startswith("<"):
        return "nested.html", f"<html><body><p>{nested}</p>{_as_html(_valid(rng))}</body></html>".encode()
    return "nested" + rng.choice([".txt", ".md"]), (_valid(rng) + "\n" + nested + "\n").encode()


def _fuzz_huge_line(rng, light=False):
    size = 100_000 if light else rng.choice([100_000, 1_000_000, 4_000_000])
    if rng.random() < 0.5:  # one enormous turn in a transcript
        return "line.txt", (_valid(rng) + "\nMara Lindqvist: " + "word " * (size // 5)).encode()
    return "line.txt", ("x" * size).encode()


def _fuzz_many_turns(rng, light=False):
    turns = 500 if light else rng.choice([2_000, 5_000, 19_990, 40_000])
    lines = [f"{'Interviewer' if i % 2 == 0 else 'Mara Lindqvist'}: turn {i}" for i in range(turns)]
    return "many.txt", ("Long talk\n\n" + "\n\n".join(lines) + "\n" + _unique(rng)).encode()


def _fuzz_many_speakers(rng, light=False):
    syllables = ["ka", "lo", "mi", "ra", "su", "te", "vo", "ne", "di", "po"]

    def name(i):
        return "".join(syllables[int(d)] for d in f"{i:04d}").capitalize() + " " + syllables[i % 10].capitalize() + "n"

    lines = [
        f"Interviewer: Who is next?\n\n{name(i)}: I am number {i}."
        for i in range(300 if light else rng.choice([300, 1500]))
    ]
    return "speakers.txt", ("Many voices\n\n" + "\n\n".join(lines) + "\n\n" + _unique(rng)).encode()


def _fuzz_long_labels(rng, light=False):
    label = rng.choice(["A" * 5000, "Name " * 1000, "名" * 3000, "<script>alert(1)</script>" * 100])
    return "labels.txt", f"{_valid(rng)}\n{label}: hello\n\nMara Lindqvist: hi\n".encode()


def _fuzz_long_headings(rng, light=False):
    heading = rng.choice(["# " + "Heading " * 2000, "## " + "标题" * 3000, "#" * 500 + " deep"])
    return "headings.md", f"{heading}\n\nInterviewer: hello\n\nMara Lindqvist: hi\n\n{_unique(rng)}".encode()


def _fuzz_long_title(rng, light=False):
    return "title.md", f"# {'Title ' * 3000}\n\n{VALID_TRANSCRIPT}{_unique(rng)}".encode()


def _fuzz_mixed_encodings(rng, light=False):
    parts = [
        "Interviewer: Grüße aus Köln?\n\n".encode(),
        "Mara Lindqvist: Grüße zurück.\n\n".encode("latin-1"),
        "主持人：你好。\n\n".encode("gb18030"),
        "王芳：こんにちは。\n\n".encode("shift_jis", "replace"),
        _unique(rng).encode("utf-16-le"),
    ]
    rng.shuffle(parts)
    return "mixed.txt", b"".join(parts)


def _fuzz_valid_with_garbage(rng, light=False):
    text = _valid(rng)
    garbage = rng.choice(
        [
            "\x00" * 50,
            "\ufeff\ufeff",
            "\u202e\u202d" * 20,
            "\x1b[2J\x1b[31m",
            "\r\r\r\n\r",
            "\u2028\u2029" * 10,
            "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
            "�" * 30,
            "\x0c\x0b" * 10,
            "<!--",
            "<![CDATA[",
            "</body></html>",
            "::::::::::",
            "：：：：",
            "Interviewer:" * 200,
        ]
    )
    lines = text.split("\n")
    lines.insert(rng.randrange(len(lines) + 1), garbage)
    encoding = rng.choice(["utf-8", "utf-8-sig", "utf-16", "gb18030"])
    return rng.choice(["garbage.txt", "garbage.md"]), "\n".join(lines).encode(encoding, "replace")


def _fuzz_hostile_html(rng, light=False):
    body = rng.choice(
        [
            "<script>alert(1)</script>" * 1000,
            "<p onclick=alert(1)>Interviewer: hi</p>" * 500,
            "<svg><script>alert(1)</script></svg><math><mi xlink:href=javascript:alert(1)>x</mi></math>",
            "<table>" * 5000,
            "<p>" + "&amp;" * 100_000 + "</p>",
            "<" * 100_000,
            "<a href='" + "x" * 500_000,
            "<!--" + "-" * 100_000,
            "<style>" + "a{}" * 50_000 + "</style>",
        ]
    )
    return (
        "hostile.html",
        f"<html><head><title>t</title></head><body>{body}{_as_html(_valid(rng))}</body></html>".encode(),
    )


def _fuzz_markdown_bombs(rng, light=False):
    text = rng.choice(
        [
            "> " * 10_000 + "Interviewer: hi",
            "- " * 10_000 + "Interviewer: hi",
            "[x](" * 10_000,
            "*" * 100_000,
            "`" * 100_000,
            "\n".join("#" * (i % 7) + " h" for i in range(20_000)),
        ]
    )
    return "bomb.md", (text + "\n\n" + _valid(rng)).encode()


def _fuzz_empty_ish(rng, light=False):
    return rng.choice(["empty.txt", "blank.md", "bom.txt"]), rng.choice(
        [b"", b" ", b"\n\n\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\t\r\n"]
    )


def _fuzz_filenames(rng, light=False):
    name = rng.choice(
        [
            "../../../../etc/passwd.txt",
            "..\\..\\windows\\win.ini.txt",
            "a" * 300 + ".txt",
            "имя файла.txt",
            "file.TXT",
            "file.txt.exe",
            "no-extension",
            ".txt",
            "nul\x00.txt",
            "line\nbreak.txt",
            'semi;colon".md',
            "%2e%2e%2fpasswd.txt",
            "COM1.txt",
            " .txt",
            "file.html.txt",
        ]
    )
    return name, _valid(rng).encode()


def _fuzz_oversized(rng, light=False):
    return "big.txt", b"Interviewer: " + b"a" * (5 * 1024 * 1024)


def _fuzz_mutated_valid(rng, light=False):
    data = _valid(rng).encode(rng.choice(["utf-8", "utf-16", "gb18030"]))
    return rng.choice(["mutated.txt", "mutated.md", "mutated.html"]), _mutate(data, rng, rng.choice([1, 3, 10, 100]))


def _fuzz_valid(rng, light=False):
    return rng.choice(["valid.txt", "valid.md"]), _valid(rng).encode(rng.choice(["utf-8", "utf-16", "gb18030"]))


#: kind -> generator(rng) -> (filename, bytes). Weights give mutated files the largest share.
FUZZERS = {
    "random bytes": (_fuzz_random_bytes, 6),
    "truncated UTF-8": (_fuzz_truncated_utf8, 3),
    "UTF-16 without BOM": (_fuzz_utf16_no_bom, 3),
    "UTF-16 odd length": (_fuzz_utf16_odd_length, 1),
    "UTF-32": (_fuzz_utf32, 1),
    "zip renamed": (_fuzz_zip_renamed, 2),
    "PDF renamed": (_fuzz_pdf_renamed, 2),
    "PNG renamed": (_fuzz_png_renamed, 1),
    "50,000-attribute tag": (_fuzz_many_attributes, 1),
    "13,000 nested brackets": (_fuzz_nested_brackets, 3),
    "huge single line": (_fuzz_huge_line, 2),
    "thousands of turns": (_fuzz_many_turns, 1),
    "thousands of speakers": (_fuzz_many_speakers, 1),
    "long labels": (_fuzz_long_labels, 2),
    "long headings": (_fuzz_long_headings, 2),
    "long title": (_fuzz_long_title, 1),
    "mixed encodings": (_fuzz_mixed_encodings, 3),
    "valid with garbage": (_fuzz_valid_with_garbage, 6),
    "hostile HTML": (_fuzz_hostile_html, 3),
    "Markdown bombs": (_fuzz_markdown_bombs, 2),
    "empty-ish": (_fuzz_empty_ish, 2),
    "odd file names": (_fuzz_filenames, 3),
    "over the size limit": (_fuzz_oversized, 1),
    "mutated valid transcript": (_fuzz_mutated_valid, 12),
    "valid transcript": (_fuzz_valid, 3),
}


def fuzzed_uploads(count: int, seed: int, *, light=False) -> list[tuple[str, str, bytes]]:
    """``count`` files as (kind, filename, bytes); every kind at least once when count allows.
    ``light`` keeps the largest files small (for the test suite; the script uses full sizes)."""
    rng = random.Random(seed)
    kinds = list(FUZZERS)
    weights = [FUZZERS[k][1] for k in kinds]
    chosen = kinds[:count] + rng.choices(kinds, weights, k=max(0, count - len(kinds)))
    files = []
    for kind in chosen:
        filename, data = FUZZERS[kind][0](rng, light)
        files.append((kind, filename, data))
    return files


# --- Stored XSS -------------------------------------------------------------------------------

#: Payloads for every text an archive stores and shows. Each one that ran would open an alert
#: numbered after it (or, for links and URLs, leave a javascript: link behind).
XSS_PAYLOADS: list[str] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><img src=x onerror=alert(3)>',
    "'><svg onload=alert(4)>",
    "<svg><script>alert(5)</script></svg>",
    '<iframe srcdoc="<script>parent.alert(6)</script>"></iframe>',
    '<a href="javascript:alert(7)">link 7</a>',
    "javascript:alert(8)",
    "javascript\u200b:alert(9)",
    "jav&#x09;ascript:alert(10)",
    '<a href="jav&#x09;ascript:alert(11)">link 11</a>',
    "<body onload=alert(12)>",
    '<div style="background:url(javascript:alert(13))">13</div>',
    '<div style="width:expression(alert(14))">14</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(15)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(16)>">',
    "{{ 7*7 }} {% debug %} {{ request.META }}",
    "[click](javascript:alert(18))",
    '<object data="javascript:alert(19)"></object>',
    '<embed src="javascript:alert(20)">',
    '<form action="javascript:alert(21)"><button>21</button></form>',
    "<input autofocus onfocus=alert(22)>",
    "<details open ontoggle=alert(23)>",
    "<video><source onerror=alert(24)></video>",
    "\u202e<script>alert(25)</script>\u202c",
    "</textarea><script>alert(26)</script>",
    "</title><script>alert(27)</script>",
    "</script><script>alert(28)</script>",
    '<base href="javascript:alert(29)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(30)">',
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgzMSk8L3NjcmlwdD4=",
    '<a href="&#106;avascript:alert(32)">link 32</a>',
    '<svg><a xlink:href="javascript:alert(33)"><text x="9" y="9">33</text></a></svg>',
    '" onmouseover="alert(34)" autofocus onfocus="alert(34)',
    "' onfocus='alert(35)' autofocus='",
    "<style>@import 'javascript:alert(36)';</style>",
    "${alert(37)} `${alert(37)}`",
    "<!--<img src=--><img src=x onerror=alert(38)//>",
    "<x contenteditable onblur=alert(39)>",
    '<a href="vbscript:msgbox(40)">link 40</a>',
]

#: Link targets for the URL fields: http(s) (ingest refuses anything else) with markup inside.
XSS_URLS: list[str] = [
    'https://example.org/?q="><script>alert(41)</script>',
    "https://example.org/#<img/src=x/onerror=alert(42)>",
    "http://example.org/'onmouseover='alert(43)",
]
