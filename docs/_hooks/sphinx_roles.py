"""MkDocs hook: render the Sphinx roles of our numpydoc docstrings as cross-references.

Docstrings say ``:func:`emgforce.io.c3d.read_c3d``` (numpydoc's convention, read
by IDEs and ``help()``); Markdown turns that into ``:func:<code>...</code>``.
This hook replaces each such role with an mkdocs-autorefs reference marked
``optional``: a link when the target is documented on the site, plain code
otherwise (private helpers, scipy), never a warning. ``~a.b.c`` shows ``c``.
"""

from __future__ import annotations

import html
import re

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const|term):<code>(~?)([^<]+?)</code>")


def render_roles(text: str) -> str:
    """Turn every ``:role:<code>target</code>`` into an optional autorefs reference."""

    def replace(m: re.Match) -> str:
        short, target = m.group(1) == "~", html.unescape(m.group(2)).strip()
        ident = target.removesuffix("()")
        title = target.rpartition(".")[2] if short else target
        return f'<autoref identifier="{html.escape(ident)}" optional><code>{html.escape(title)}</code></autoref>'

    return ROLE.sub(replace, text)


def on_page_content(html_text: str, **kwargs) -> str:
    return render_roles(html_text)
