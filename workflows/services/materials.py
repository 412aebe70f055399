"""Reading a case's attached material back (the case page's download): the content stored under its SHA-256,
given only when that case's own log attached it, so a hash of another case's material names nothing here."""

from __future__ import annotations

from collections.abc import Callable

from states.common import ATTACH_TRIGGER

from ..errors import BadInput
from ..store import attachments_repo
from ..store.uow import UnitOfWork
from .common import require_case


class MaterialService:
    def __init__(self, uow: Callable[[], UnitOfWork]):
        self.uow = uow

    def content(self, case_id: int, sha256: str) -> dict:
        """The attachment `sha256` of the case: its file name and type as the attaching transition recorded
        them, and the stored bytes. Unknown case → `unknown_case`; a hash this case never attached (another
        case's, or none) → `unknown_attachment`."""
        with self.uow() as uow:
            require_case(uow.conn, case_id)
            attached = [t for t in attachments_repo.log_rows(uow.conn, case_id, ATTACH_TRIGGER)
                        if t.inputs.get("sha256") == sha256]
            blob = attachments_repo.blob(uow.conn, sha256) if attached else None
        if blob is None:
            raise BadInput(f"案件 {case_id} 没有 SHA-256 为 {sha256[:64]} 的材料；请在案件页的“案件材料”中选择",
                           code="unknown_attachment")
        latest = attached[-1].inputs  # the same content attached twice: the latest name it was given
        return {"filename": latest["filename"], "media_type": blob.media_type, "size": blob.size,
                "sha256": blob.sha256, "content": bytes(blob.content)}
