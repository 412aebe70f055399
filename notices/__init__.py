"""Pure package: the written notices (Jinja2 templates, Chinese) and their renderers.

Conventions every template follows (later procedures reuse them):
* extend ``base.html.j2`` and fill the blocks ``body`` (facts, legal basis, what happens next)
  and, where needed, ``attachments``;
* use the ``mask_id`` / ``mask_name`` filters for anything a public or third-party notice shows
  (the rule lives in `notices.privacy`), and ``date_zh`` for dates (2026年11月23日);
* a decision against the subject includes ``{{ remedies() }}`` (行政复议 / 行政诉讼).
Undefined variables are errors (StrictUndefined): a notice never prints a blank where a fact belongs.
"""

from __future__ import annotations

from .render import RenderedNotice, environment, render, template_exists

__all__ = ["RenderedNotice", "environment", "render", "template_exists"]
