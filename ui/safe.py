"""Text from imported files, made safe to show: every group, person, unit and file name and every
message text is user-controlled and must be shown literally, never rendered as Markdown, HTML or
LaTeX, and never able to make the browser fetch anything.

Pure functions (no Streamlit import), so they are unit-tested on their own.

- :func:`md` for anything Streamlit renders as Markdown: ``st.markdown``/``st.write`` of a string,
  ``st.caption``, ``st.info``/``warning``/``error``/``success``, ``st.toast``, titles and
  subheaders, widget, tab and expander labels, ``help`` tooltips, ``st.progress`` text and
  ``st.table`` cells.
- :func:`plot` for plotly text: axis and category labels, ``text``, hover text and ``customdata``
  shown through a ``hovertemplate``, annotations. Plotly reads a subset of HTML there
  (``<a href>``, ``<b>``, ``<br>``, ``<span style>``).

``st.dataframe``/``st.data_editor`` cells (unless a ``MarkdownColumn`` is configured), select box
and multiselect options (``format_func`` too) and ``st.text`` are plain text and need neither.
"""

from __future__ import annotations

import re
import string
from typing import Any

# U+2060 WORD JOINER: invisible, zero-width, no line break. Streamlit runs a few rewrites on the
# already-parsed text of a Markdown body, where backslash escapes are no longer visible:
# GFM autolink literals (http://…, www.…, a@b.cn), emoji and icon shortcodes (:smile:,
# :streamlit:, :material_home:) and typographic arrows (->, <=, --). A word joiner at the right
# spot keeps those patterns from matching while the text still reads (and is found) the same.
WJ = "\u2060"

_PUNCT = frozenset(string.punctuation)  # every ASCII punctuation character CommonMark lets escape
_LINE_BREAK = re.compile(r"\r\n|[\r\n\t\v\f\x85\u2028\u2029]")
_SHORTCODE = re.compile(r":(?=[A-Za-z0-9_+-]+:)")                # :smile: :streamlit: :material_x:
_AUTOLINK = re.compile(r"(?i)(?=https?://|www\.)")              # a link needs a boundary before it
_EMAIL = re.compile(r"@(?=[-A-Za-z0-9_])")                       # a@b.cn
_ARROW = re.compile(r"(?<!\S)(<->|->|<-|--|>=|<=|~=)(?!\S)")     # → ← ↔ — ≥ ≤ ≈


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def md(value: Any) -> str:
    """``value`` as a Markdown fragment that Streamlit shows literally, character for character
    (line breaks and tabs become spaces), wherever it is placed in a Markdown string.

    Every ASCII punctuation character is backslash-escaped, which switches off all Markdown and
    GFM syntax (emphasis, links, images, code, HTML, headings and lists at the start of a line,
    tables), Streamlit's directives (``:red[…]``, ``:material/…:``) and LaTeX (``$…$``); a word
    joiner breaks the few patterns Streamlit still rewrites after the escapes are gone. Chinese
    text and full-width punctuation such as 「」（）：pass through unchanged."""
    s = _LINE_BREAK.sub(" ", _text(value))
    s = _SHORTCODE.sub(":" + WJ, s)
    s = _AUTOLINK.sub(WJ, s)
    s = _EMAIL.sub("@" + WJ, s)
    s = _ARROW.sub(lambda m: m[1][0] + WJ + m[1][1:], s)
    return "".join("\\" + c if c in _PUNCT else c for c in s)


def md_join(values: Any, sep: str = "、") -> str:
    """Several values, each through :func:`md`, joined by ``sep`` (trusted text)."""
    return sep.join(md(v) for v in values)


def plot(value: Any) -> str:
    """``value`` as plotly text that shows literally: ``&``, ``<`` and ``>`` as character
    references, so no tag (``<a href>``, ``<b>``, ``<br>``) and no entity is interpreted."""
    return _text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
