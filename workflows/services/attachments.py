"""Reading a file to attach to a case: its type recognised from its content (never from its name), its size
within the limit, its SHA-256. Raises BadInput (exit 2) for anything that cannot be attached."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from states.common import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES

from ..errors import BadInput

TYPE_LABELS = dict(ATTACHMENT_TYPES)
ALLOWED = "、".join(["PDF", "PNG", "JPEG", "TIFF", "Word（docx/doc）", "Excel（xlsx/xls）", "PowerPoint（pptx）"])
# OOXML: the part a [Content_Types].xml names for the main document of each kind
OOXML = (("/word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
         ("/xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         ("/ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"))


@dataclass(frozen=True)
class Material:
    filename: str
    content: bytes
    sha256: str
    media_type: str

    @property
    def size(self) -> int:
        return len(self.content)


def media_type(data: bytes) -> str | None:
    """The type of `data` by its magic bytes (and, for a ZIP, by its [Content_Types].xml); None if not allowed."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                types = z.read("[Content_Types].xml").decode("utf-8", "replace")
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
            return None
        for part, kind in OOXML:
            if f'PartName="{part}' in types:
                return kind
    return None


def read(path: str | Path) -> Material:
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"找不到材料文件 {path}（或它不是文件）；请核对路径", code="unknown_file")
    cap = ATTACHMENT_MAX_BYTES  # read at call time (a test lowers it)
    try:
        with path.open("rb") as fh:
            data = fh.read(cap + 1)  # never more than the limit and one byte
    except OSError as exc:
        raise BadInput(f"无法读取材料文件 {path}（{exc.strerror or type(exc).__name__}）；请检查文件权限后重试",
                       code="unreadable_file") from None
    if not data:
        raise BadInput(f"材料文件 {path.name} 是空文件，不能登记；请核对是否选错了文件", code="empty_file")
    if len(data) > cap:
        raise BadInput(f"材料文件 {path.name} 超过 {cap // (1024 * 1024)} MiB 的上限，不能登记；"
                       "请拆分为多个文件或降低扫描分辨率后分别登记", code="file_too_large")
    kind = media_type(data)
    if kind is None:
        raise BadInput(f"材料文件 {path.name} 的内容不是允许登记的类型（按文件内容识别，不看扩展名）；"
                       f"只能登记 {ALLOWED} 文件", code="file_type")
    return Material(path.name, data, hashlib.sha256(data).hexdigest(), kind)
