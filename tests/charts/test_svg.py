"""The SVG drawing functions, on plain data: escaping, CJK labels, empty and zero data."""

import xml.etree.ElementTree as ET

import pytest

from interviews.charts import svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup):
    """Every chart is well-formed XML with a title and a description that name it."""
    root = ET.fromstring(markup)
    # An image unless it holds links: an image's content is presentational (axe: nested-interactive).
    assert root.get("role") == ("group" if root.find(f".//{SVG}a") is not None else "img")
    title_id, desc_id = root.get("aria-labelledby"), root.get("aria-describedby")
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    return root


def heatmap(rows=("Data quality",), columns=("Ada",), cells=None, **kwargs):
    cells = {(0, 0): svg.Cell(3, "/search/?topic=data-quality", "3 turns")} if cells is None else cells
    options = {"chart_id": "m", "title": "Turns", "desc": "Counts", "rotate_columns": True, **kwargs}
    return svg.heatmap(svg.Axis(tuple(rows)), svg.Axis(tuple(columns)), cells, **options)


HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"


def test_a_name_like_a_script_tag_is_text_in_every_chart():
    drawings = [
        svg.bars([svg.Bar(HOSTILE, 3, "3 · 100%", href='/x?a=1&b="2"')], chart_id="b", title=HOSTILE, desc=HOSTILE),
        heatmap(rows=(HOSTILE,), columns=(HOSTILE,), cells={(0, 0): svg.Cell(1, "/s?q=<b>", HOSTILE)}),
        svg.strip_row([svg.Segment(1, "chart-s1", "/t#t0", HOSTILE)], chart_id="s", title=HOSTILE, desc=HOSTILE),
        svg.lane_row([svg.Segment(1, "chart-s1", "/t#t0", HOSTILE)], {0}, chart_id="l", title=HOSTILE, desc="d"),
    ]
    for markup in drawings:
        assert "<script" not in markup
        assert "&lt;script&gt;" in markup
        root = parse(markup)  # quotes in attributes did not break the markup either
        texts = [el.text for el in root.iter() if el.text]
        assert any(HOSTILE in text for text in texts) or any("&" in text for text in texts)


def test_links_keep_their_query_strings_escaped_and_take_no_tab_stop():
    markup = heatmap(cells={(0, 0): svg.Cell(2, "/search/?speaker=ada&topic=data-quality", "2 turns")})
    assert 'href="/search/?speaker=ada&amp;topic=data-quality"' in markup
    link = parse(markup).find(f".//{SVG}a")
    assert link.get("href") == "/search/?speaker=ada&topic=data-quality"
    assert link.get("tabindex") == "-1"


def test_cjk_labels_keep_their_characters_and_language():
    markup = svg.bars(
        [svg.Bar("数据质量与合成数据", 12, "12 · 60%", lang="zh"), svg.Bar("Robotik", 8, "8 · 40%", lang="de")],
        chart_id="b",
        title="字数",
        desc="每个话题的字数",
    )
    root = parse(markup)
    labels = {el.text: el.get("lang") for el in root.iter(f"{SVG}text") if el.get("class") == "chart-label"}
    assert labels == {"数据质量与合成数据": "zh", "Robotik": "de"}


def test_cjk_characters_count_as_full_width_when_labels_are_fitted():
    assert svg.text_width("数据", 10) == 20
    assert svg.text_width("ab", 10) == pytest.approx(11.2)
    assert svg.fit("数据质量与合成数据", 50, 10) == "数据质量…"
    assert svg.fit("Data quality", 500, 10) == "Data quality"


def test_zero_data_draws_empty_charts_without_dividing_by_zero():
    assert svg.layout([]) == []
    assert svg.layout([0, 0]) == [(0.0, 0.0), (0.0, 0.0)]
    assert svg.LinearScale(0, 100)(5) == 0
    parse(svg.bars([svg.Bar("Nobody", 0, "0 · 0%")], chart_id="b", title="t", desc="d"))
    parse(svg.bars([], chart_id="b", title="t", desc="d"))
    parse(heatmap(cells={}))
    parse(heatmap(rows=(), columns=(), cells={}))
    parse(svg.strip_row([], chart_id="s", title="t", desc="d"))
    assert svg.heat_level(0, 0) == 0 and svg.heat_level(5, 0) == 0


def test_strip_segments_are_as_wide_as_their_share_edge_to_edge():
    positions = svg.layout([1, 3, 0, 4])
    assert positions == [(0.0, 125.0), (125.0, 375.0), (500.0, 0.0), (500.0, 500.0)]
    assert sum(width for _x, width in positions) == svg.STRIP_WIDTH


def test_heat_levels_grow_with_the_count_up_to_the_darkest():
    levels = [svg.heat_level(n, 100) for n in (0, 1, 4, 25, 64, 100)]
    assert levels == sorted(levels) and levels[0] == 0 and levels[1] == 1 and levels[-1] == svg.HEAT_LEVELS
    assert svg.heat_level(1000, 100) == svg.HEAT_LEVELS


def test_empty_cells_are_drawn_but_not_linked_nor_numbered():
    root = parse(heatmap(rows=("A", "B"), columns=("x",), cells={(0, 0): svg.Cell(4, "/s", "4")}))
    assert len(root.findall(f".//{SVG}a")) == 1
    assert [el.get("class") for el in root.iter(f"{SVG}rect")] == ["chart-heat5", "chart-heat0"]


def test_palette_gives_a_key_the_same_colour_every_time_and_cycles_past_its_size():
    palette = svg.Palette(["host", "guest"])
    assert palette.css_class("guest") == "chart-s2"
    assert palette.css_class("host") == "chart-s1"
    for n in range(svg.PALETTE_SIZE):
        palette.css_class(f"extra-{n}")
    assert palette.css_class(f"extra-{svg.PALETTE_SIZE - 2}") == "chart-s1"


def test_a_chart_that_links_is_a_named_group_and_one_that_does_not_is_an_image():
    linked = parse(svg.bars([svg.Bar("Robotics", 3, "3", href="/topics/robotics/")], chart_id="b", title="t", desc="d"))
    plain = parse(svg.bars([svg.Bar("Ada", 3, "3")], chart_id="c", title="t", desc="d"))
    assert (linked.get("role"), plain.get("role")) == ("group", "img")
    assert linked.get("aria-labelledby") == "b-title"
