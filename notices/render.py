"""Jinja2 environment and rendering (HTML, plus a plain-text form for terminals and search)."""

from __future__ import annotations

import hashlib
import html as _html
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, select_autoescape

from .privacy import mask_id, mask_name


def date_zh(value) -> str:
    """成文日期 in Arabic numerals: 2026年11月23日."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notices", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(mask_id=mask_id, mask_name=mask_name, date_zh=date_zh)
    return env


def template_exists(name: str) -> bool:
    try:
        environment().get_template(name)
    except TemplateNotFound:
        return False
    return True


@dataclass(frozen=True)
class RenderedNotice:
    html: str
    text: str
    content_hash: str  # sha256 of the HTML as stored


_BLOCK = re.compile(r"</(p|div|h1|h2|h3|li|tr|table|section|header|footer)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_STYLE = re.compile(r"<(style|script)[^>]*>.*?</\1>", re.S | re.I)


def html_to_text(markup: str) -> str:
    body = _STYLE.sub("", markup)
    body = _BLOCK.sub("\n", body)
    body = _html.unescape(_TAG.sub("", body))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in body.splitlines()]
    return "\n".join(line for line in lines if line)


def render(template: str, context: dict) -> RenderedNotice:
    markup = environment().get_template(template).render(**context)
    return RenderedNotice(markup, html_to_text(markup), hashlib.sha256(markup.encode("utf-8")).hexdigest())
