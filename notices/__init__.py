"""Pure package: the written notices (Jinja2 templates, Chinese) and their renderers.

Layout after GB/T 9704-2012《党政机关公文格式》(templates/base.html.j2 + gbt9704.css.j2, both
inlined into every notice's HTML, so a stored notice carries its own layout). Clauses implemented:
* 5.1 幅面尺寸: A4; 5.2.1 页边与版心: 天头 37 mm, 订口 28 mm, 版心 156 x 225 mm;
  5.2.3 行数和字数: 22 lines of 28 characters (3号, line pitch 10.227 mm, character pitch 15.79 pt);
  5.2.2 字体和字号 / 5.2.4 颜色: 3号仿宋 body, 2号小标宋 title, 黑体 / 楷体 headings, red mark and rule;
* 7.2.4 发文机关标志 (red, centred, 35 mm below the type area's top, condensed, within 150 mm);
  7.2.5 发文字号 (two lines below, centred, 〔2026〕7号: hexagonal brackets, no padding, no 第);
  7.2.7 版头中的分隔线 (red, type-area wide, 4 mm below the number);
* 7.3.1 标题; 7.3.2 主送机关 (the addressee, by audience; full-width colon); 7.3.3 正文 (2-character
  indent, level-1 / level-2 headings); 7.3.4 附件说明; 7.3.5.1 署名, 成文日期 (right, 4 characters
  in) and the seal area (Ø42 mm, reserved, left blank for the seal); 7.3.5.4 成文日期 in Arabic
  numerals (2026年3月5日); 7.3.6 附注; 7.3.7 附件 on a page of its own (附件 label top left, title
  on line 3); 8 tables (the objection form); 7.5 页码 ("— 1 —", 4号, odd pages right, even left).
Not implemented (not used by notices to a party): 7.2.1 份号, 7.2.2 密级, 7.2.3 紧急程度,
7.2.6 签发人, 7.4 版记, and the special formats of clause 10.
Typefaces: 仿宋, 小标宋, 黑体, 楷体 and 宋体 are not free; Noto Serif/Sans CJK SC (Debian
fonts-noto-cjk) stand in for them unless the deployment names installed licensed fonts
(`creditflow init --font fangsong=仿宋_GB2312 …`, `render.TYPEFACES`). WeasyPrint cannot justify
CJK text, so paragraphs are set flush left on the 28-character grid.

Conventions every template follows (later procedures reuse them; docs/notices.md):
* extend ``base.html.j2`` and fill the blocks ``body`` (facts, legal basis by article, what happens
  next and by when), ``closing`` (特此告知。), and where needed ``attachments`` (附件说明),
  ``notes`` (附注) and ``annexes`` (the attachments themselves, ``{% call annex(n, title) %}``);
* show the subject only through ``party()`` and other people through the ``person_name`` /
  ``person_id`` filters: the masking rule lives in `notices.privacy` alone;
* ``law()`` cites the measure by its title, ``you()`` says 你 / 你单位, ``deadline(name)`` prints a
  running deadline's last day (with the provisional warning), ``date_zh`` formats dates;
* a decision against the subject (declared ``against_subject``) gets the ``remedies`` block
  (行政复议 60 days, 行政诉讼 6 months, bodies from the deployment's settings) automatically;
  a template may add it on a condition by overriding the block (a D grade).
Undefined variables are errors (StrictUndefined): a notice never prints a blank where a fact belongs.
The PDF form is made by `notices.pdf` (WeasyPrint, imported only there).
"""

from __future__ import annotations

from .render import RenderedNotice, environment, render, template_exists

__all__ = ["RenderedNotice", "environment", "render", "template_exists"]
