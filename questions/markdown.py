"""Markdown to safe HTML, rendered once when content is saved.

markdown-it-py (CommonMark + tables + strikethrough) parses; `$...$` and `$$...$$` become MathML
(latex2mathml) and fenced code is highlighted by Pygments with CSS classes, all on the server, so
pages need no JavaScript for either. nh3 then sanitises the result: no script, no event handlers,
no style, no javascript:/data: URLs, no hx-* attributes.
"""

import html
from collections.abc import Callable

import latex2mathml.converter
import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

_MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
    "msub", "msup", "msubsup", "mfrac", "msqrt", "mroot", "munder", "mover", "munderover",
    "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "merror",
}  # fmt: skip
_MATHML_ATTRIBUTES = {
    "math": {"display", "xmlns"},
    "mo": {
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "form",
        "largeop",
        "movablelimits",
    },
    "mi": {"mathvariant"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mtable": {"columnalign", "rowspacing", "columnspacing"},
    "mtd": {"columnalign"},
    "mspace": {"width"},
    "mfrac": {"linethickness"},
    "annotation": {"encoding"},
    "menclose": {"notation"},
    "munderover": {"accent", "accentunder"},
    "mover": {"accent"},
    "munder": {"accentunder"},
}
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
    "div", "sub", "sup", "kbd",
} | _MATHML_TAGS  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    **_MATHML_ATTRIBUTES,
}

_formatter = HtmlFormatter(nowrap=True)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """A fenced block as <pre class="highlight"> with Pygments' token classes (no inline style)."""
    name = lang.strip().split()[0] if lang.strip() else ""
    try:
        lexer = get_lexer_by_name(name) if name else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    language = f' class="language-{html.escape(name)}"' if name else ""
    return (
        f'<pre class="highlight"><code{language}>{highlight(code, lexer, _formatter)}</code></pre>'
    )


def _math(latex: str, display: bool) -> str:
    try:
        return latex2mathml.converter.convert(latex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any malformed formula shows as its source, never an error
        return f'<code class="math-error">{html.escape(latex)}</code>'


def renderer(math: Callable[[str, bool], str]) -> MarkdownIt:
    """CommonMark with tables, highlighted code and `$…$`/`$$…$$` formulas drawn by `math`
    (the formula's TeX, and whether it is a display block)."""
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=True, double_inline=True)

    def inline(self, tokens, idx, options, env) -> str:
        return math(tokens[idx].content, False)

    def block(self, tokens, idx, options, env) -> str:
        return f'<div class="math-block">{math(tokens[idx].content, True)}</div>\n'

    md.add_render_rule("math_inline", inline)
    md.add_render_rule("math_inline_double", block)
    md.add_render_rule("math_block", block)
    md.add_render_rule("math_block_label", block)
    return md


_md = renderer(_math)


def sanitize(fragment: str) -> str:
    """Keep only the tags and attributes our content uses; links get rel=noopener."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render(text: str) -> str:
    """Markdown source to sanitised HTML, ready to store and show."""
    return sanitize(_md.render(text or ""))
