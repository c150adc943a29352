"""ui/safe.py: user-controlled text shown literally in Streamlit Markdown and in plotly."""

from __future__ import annotations

import ast
import html
import re
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.safe import WJ, md, md_join, plot

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("raw, expected", [
    # Chinese text and full-width punctuation pass through untouched.
    ("党政办工作群", "党政办工作群"),
    ("「人居环境」督查小组（8 人）：第一组", "「人居环境」督查小组（8 人）：第一组"),
    # Images and links: every ASCII punctuation mark escaped, a word joiner before the URL.
    ("![x](http://127.0.0.9:9/leak.png)", r"\!\[x\]\(" + WJ + r"http\:\/\/127\.0\.0\.9\:9\/leak\.png\)"),
    ("[点我](http://127.0.0.9:9/)", r"\[点我\]\(" + WJ + r"http\:\/\/127\.0\.0\.9\:9\/\)"),
    # HTML.
    ("<img src=http://127.0.0.9:9/i.png>", r"\<img src\=" + WJ + r"http\:\/\/127\.0\.0\.9\:9\/i\.png\>"),
    ("<b>粗</b>", r"\<b\>粗\<\/b\>"),
    ("&lt;b&gt;", r"\&lt\;b\&gt\;"),
    # LaTeX, Streamlit directives and icons.
    ("$x^2$", r"\$x\^2\$"),
    (":red[红]", r"\:red\[红\]"),
    (":blue-badge[徽章]", r"\:blue\-badge\[徽章\]"),
    (":material/home:", r"\:material\/home\:"),
    # Shortcodes Streamlit replaces in the parsed text: a word joiner after the first colon.
    (":smile: :streamlit: :material_home:",
     r"\:" + WJ + r"smile\: \:" + WJ + r"streamlit\: \:" + WJ + r"material\_home\:"),
    ("会议 9:30:00 开始", r"会议 9\:" + WJ + r"30\:00 开始"),
    # Spreadsheet formula.
    ('=HYPERLINK("http://127.0.0.9:9")', r'\=HYPERLINK\(\"' + WJ + r'http\:\/\/127\.0\.0\.9\:9\"\)'),
    # Bare autolinks (URL, www., e-mail); a WeChat @mention is left alone.
    ("www.example.com", WJ + r"www\.example\.com"),
    ("见 HTTPS://a.cn", "见 " + WJ + r"HTTPS\:\/\/a\.cn"),
    ("a@b.cn @张三", r"a\@" + WJ + r"b\.cn \@张三"),
    # Typographic arrows Streamlit would draw as → ≤ —.
    ("a -> b <= c -- d", "a \\-" + WJ + "\\> b \\<" + WJ + "\\= c \\-" + WJ + "\\- d"),
    ("---", r"\-\-\-"),
    # Emphasis, code, strikethrough, headings, lists, quotes and tables at the start of a line.
    ("**粗** _斜_ `code` ~~删~~", r"\*\*粗\*\* \_斜\_ \`code\` \~\~删\~\~"),
    ("# 标题", r"\# 标题"),
    ("- 列表", r"\- 列表"),
    ("1. 列表", r"1\. 列表"),
    ("> 引用", r"\> 引用"),
    ("| a | b |", r"\| a \| b \|"),
    # A backslash in the name stays a backslash.
    (r"\*x\*", r"\\\*x\\\*"),
    # Line breaks and tabs would start new blocks: they become spaces.
    ("第一行\r\n第二行\n\t第三行", "第一行 第二行  第三行"),
    # Not strings.
    (None, ""),
    (12, "12"),
    (1.5, r"1\.5"),
])
def test_md(raw: object, expected: str) -> None:
    assert md(raw) == expected


def test_md_join() -> None:
    assert md_join(["甲群", "<b>乙</b>"]) == r"甲群、\<b\>乙\<\/b\>"
    assert md_join(("a_b", "c"), "；") == r"a\_b；c"
    assert md_join([]) == ""


@pytest.mark.parametrize("raw, expected", [
    ("党政办工作群", "党政办工作群"),
    ("<b>粗</b>", "&lt;b&gt;粗&lt;/b&gt;"),
    ('<a href="http://127.0.0.9:9/">点我</a>', '&lt;a href="http://127.0.0.9:9/"&gt;点我&lt;/a&gt;'),
    ("第一行<br>第二行", "第一行&lt;br&gt;第二行"),
    ('<span style="font-size:80px">大</span>', '&lt;span style="font-size:80px"&gt;大&lt;/span&gt;'),
    # An entity in a name is shown as written, not decoded.
    ("A&amp;B &lt;", "A&amp;amp;B &amp;lt;"),
    # Markdown means nothing to plotly.
    ("$x^2$ **粗** ![x](http://127.0.0.9:9/leak.png)", "$x^2$ **粗** ![x](http://127.0.0.9:9/leak.png)"),
    (None, ""),
    (3, "3"),
])
def test_plot(raw: object, expected: str) -> None:
    assert plot(raw) == expected


def _shown(markdown: str) -> str:
    """What a reader sees of md()'s output: escapes resolved, word joiners invisible."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WJ, "")


@given(st.text())
def test_md_shows_every_character_and_leaves_no_syntax(raw: str) -> None:
    out = md(raw)
    assert _shown(out) == re.sub(r"\r\n|[\r\n\t\v\f\x85\u2028\u2029]", " ", raw).replace(WJ, "")
    assert not re.search(r"[\r\n]", out)
    # Every ASCII punctuation character is escaped (an escaped backslash counts as a pair).
    bare = re.sub(r"\\.", "", out)
    assert not set(bare) & set(string.punctuation)


@given(st.text())
def test_plot_shows_every_character_and_leaves_no_tag(raw: str) -> None:
    out = plot(raw)
    assert html.unescape(out) == raw
    assert "<" not in out and ">" not in out


def test_safe_stays_free_of_streamlit() -> None:
    """ui/safe.py is pure: it imports neither streamlit nor plotly."""
    tree = ast.parse((ROOT / "ui" / "safe.py").read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"streamlit", "plotly", "ui", "core"}
