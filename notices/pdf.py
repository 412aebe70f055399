"""The PDF form of a notice, made with WeasyPrint from the notice's stored HTML.

Import this module only where a PDF is made (`creditflow notice pdf`, tests): WeasyPrint and its
native libraries take a while to load, and nothing else needs them.

Determinism. WeasyPrint 70 writes no timestamp of its own: /CreationDate and /ModDate come from
the document metadata, which we set from the notice's issue instant (the HTML carries the same
instant in ``<meta name="dcterms.created">``); the trailer /ID is derived from the number and the
issue instant. Given the same HTML, two renders with the same WeasyPrint, pydyf, Pango, HarfBuzz
and fonts give the same bytes. Across upgrades of that stack they need not, which is why the shell
stores the bytes of the first export (table ``notice_pdfs``) and serves those ever after.
Never use ``pdf_variant='pdf/x-4'`` (it adds a render-time timestamp).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

SHANGHAI_OFFSET = "+08:00"


def _w3c(instant: datetime | str) -> str:
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    if instant.tzinfo is None:
        raise ValueError("the issue instant must carry its time zone")
    from calendars import SHANGHAI

    return instant.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


def pdf_identifier(number: str, issued_at: datetime | str) -> bytes:
    """The PDF trailer /ID of a notice: stable, and different for every notice."""
    return hashlib.sha256(f"{number}|{_w3c(issued_at)}".encode()).hexdigest()[:32].encode()


def render_pdf(html: str, number: str, issued_at: datetime | str) -> bytes:
    """A notice's HTML (self-contained: its style is inline) as PDF bytes. No resource is fetched."""
    import weasyprint

    created = _w3c(issued_at)
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))  # a notice loads nothing from outside
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    document.metadata.created = created
    document.metadata.modified = created
    return document.write_pdf(pdf_identifier=pdf_identifier(number, issued_at))


def renderer_versions() -> dict:
    """What the bytes depend on (recorded with every stored PDF): the Python packages, Pango,
    HarfBuzz, and the font file each stand-in family resolves to."""
    import ctypes
    import shutil
    import subprocess

    import pydyf
    import weasyprint
    from weasyprint.text.ffi import pango

    v = pango.pango_version()
    versions = {"weasyprint": weasyprint.__version__, "pydyf": pydyf.__version__,
                "pango": f"{v // 10000}.{v // 100 % 100}.{v % 100}"}
    try:
        hb = ctypes.CDLL("libharfbuzz.so.0")
        hb.hb_version_string.restype = ctypes.c_char_p
        versions["harfbuzz"] = hb.hb_version_string().decode()
    except (OSError, AttributeError):
        pass
    if shutil.which("fc-match"):
        for family in ("Noto Serif CJK SC", "Noto Sans CJK SC"):
            found = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True)
            versions[f"font:{family}"] = found.stdout.strip()
    return versions
