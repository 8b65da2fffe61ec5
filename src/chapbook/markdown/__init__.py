"""Markdown → XHTML, read the way the blog's own CommonMark renderer reads it.

Why markdown-it-py and not Python-Markdown: Zola and Hugo render CommonMark, and
Python-Markdown 3.11 (even with `extra` and `sane_lists`) reads real posts differently:
a list written directly under a paragraph stays part of the paragraph, a list nested
by two spaces is flattened, and ~~strike~~ stays literal. markdown-it-py passes the
CommonMark spec and is extended through its own rule chain, as the processors here are.
"""

from .render import RenderContext, RenderedBody, render_body, render_title

__all__ = ["RenderContext", "RenderedBody", "render_body", "render_title"]
