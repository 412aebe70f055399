"""Jinja2 environment and rendering (HTML, plus a plain-text form for terminals and search).

The PDF form of a stored notice is made from its stored HTML by `notices.pdf` (WeasyPrint is
imported there, and only by the commands that render PDFs).
"""

from __future__ import annotations

import hashlib
import html as _html
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from collections.abc import Mapping

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, select_autoescape
from markupsafe import Markup

from .privacy import mask_id, mask_name, needs_masking, party_view, person_id, person_name

# GB/T 9704-2012 names a typeface for each element; none of them is free. Each role maps to the
# official face and its free stand-in from Debian's fonts-noto-cjk. A deployment that has licensed
# fonts installed names them in its settings (`creditflow init --font fangsong=仿宋_GB2312`), and
# the notices it issues from then on use them, with the stand-in behind for missing glyphs.
TYPEFACES = {
    # role: (official face, stand-in family, stand-in weight)
    "fangsong": ("仿宋", "Noto Serif CJK SC", "normal"),  # body, number, addressee, signature, date
    "xiaobiaosong": ("小标宋", "Noto Serif CJK SC", "bold"),  # issuing-authority mark, title
    "heiti": ("黑体", "Noto Sans CJK SC", "normal"),  # level-1 headings, 附件 label
    "kaiti": ("楷体", "Noto Serif CJK SC", "bold"),  # level-2 headings
    "songti": ("宋体", "Noto Serif CJK SC", "normal"),  # page numbers
}
_FAMILY = re.compile(r"^[\w\u3400-\u9fff \-]{1,64}$")


def check_font_family(name: str) -> str:
    """A font family name as a setting may give it: letters, CJK, digits, spaces, '-' and '_'."""
    name = (name or "").strip()
    if not _FAMILY.match(name):
        raise ValueError(f"font family {name!r}: use the family name as fc-list shows it (letters, digits, - and _)")
    return name


def typefaces(configured: Mapping | None = None) -> dict:
    """CSS font-family lists and weights per GB/T 9704 role, from the deployment's licensed fonts if any."""
    configured = configured or {}
    out = {}
    for role, (_official, standin, weight) in TYPEFACES.items():
        licensed = configured.get(role)
        if licensed:
            family = f'"{check_font_family(licensed)}", "{standin}"'
            out[role] = {"family": Markup(family), "weight": "normal", "licensed": True}
        else:
            out[role] = {"family": Markup(f'"{standin}"'), "weight": weight, "licensed": False}
    return out


def date_zh(value) -> str:
    """成文日期 in Arabic numerals: 2026年11月23日."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def next_day(value):
    """The day after `value`: a period counted to its last day ends at 24:00 of that day, so what
    takes effect when it ends does so on the next day (e.g. a result entered in the archive)."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return value + timedelta(days=1)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notices", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the release: no stat() of every template on every render
    )
    env.filters.update(mask_id=mask_id, mask_name=mask_name, date_zh=date_zh, next_day=next_day,
                       person_name=person_name, person_id=person_id)
    env.globals.update(party_view=party_view, needs_masking=needs_masking, typefaces=typefaces)
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

    def numbered(self, placeholder: str, number: str) -> "RenderedNotice":
        """The notice with its document number put in where it was rendered with `placeholder`.

        The engine renders before it takes the number, so the number row (locked until commit, to keep
        numbers gapless) is held only for the writes, not for the rendering."""
        if placeholder not in self.html:
            raise ValueError("the notice was not rendered with the number placeholder")
        html = self.html.replace(placeholder, number)
        return RenderedNotice(html, self.text.replace(placeholder, number), hashlib.sha256(html.encode("utf-8")).hexdigest())


_BLOCK = re.compile(r"</(p|div|h1|h2|h3|li|tr|table|section|header|footer|th)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_STYLE = re.compile(r"<(style|script)[^>]*>.*?</\1>", re.S | re.I)
_BLANKS = re.compile(r"[ \t]+")


def html_to_text(markup: str) -> str:
    body = _STYLE.sub("", markup)
    body = _BLOCK.sub("\n", body)
    # One pass for the blank runs: [ \t]+ never spans a line break, so this equals collapsing line by line.
    body = _BLANKS.sub(" ", _html.unescape(_TAG.sub("", body)))
    return "\n".join(stripped for line in body.splitlines() if (stripped := line.strip()))


def render(template: str, context: dict) -> RenderedNotice:
    markup = environment().get_template(template).render(**context)
    return RenderedNotice(markup, html_to_text(markup), hashlib.sha256(markup.encode("utf-8")).hexdigest())
