"""Material attached to a case (`creditflow case attach CASE FILE --as USER`): the content kept once under its
SHA-256 in the append-only `attachment_blobs`, its type recognised from the content, the attachment logged
(hash-chained) with its internal record 材料登记记录. On SQLite and PostgreSQL; the command line in-process."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import func, select, text

from conftest import HOSPITAL_USCC, at
from test_cli_input import cli  # noqa: F401  (the in-process command line on a fresh store)
from workflows.clock import frozen_at
from workflows.errors import BadInput, Refused
from workflows.services import attachments
from workflows.store.tables import attachment_blobs, notices, transitions

HOSPITAL = "郑州市示例医院"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


def ooxml(part: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", f'<Types><Override PartName="/{part}" ContentType="x"/></Types>')
    return buf.getvalue()


def open_case(svc) -> int:
    svc.deployment.add_subject(HOSPITAL, "hospital", HOSPITAL_USCC, None)
    with frozen_at(at("2026-03-02 09:00")):
        return svc.cases.open("evaluation", "alice", {"year": 2025, "score": 65}, subject=HOSPITAL_USCC)["case_id"]


def counts(svc) -> tuple[int, int, int]:
    with svc.db.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (attachment_blobs, transitions, notices))


def attach(svc, case, path, actor="alice", when="2026-03-03 10:00", **kw):
    with frozen_at(at(when)):
        return svc.cases.attach(case, path, actor, **kw)


def test_attached_kept_by_hash_and_logged(svc, tmp_path):
    case = open_case(svc)
    scan = tmp_path / "现场检查笔录.pdf"
    scan.write_bytes(PDF)
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    out = attach(svc, case, scan, description="现场检查笔录扫描件")
    assert (out["sha256"], out["size"], out["media_type"], out["filename"]) == (
        hashlib.sha256(PDF).hexdigest(), len(PDF), "application/pdf", "现场检查笔录.pdf")
    pic = attach(svc, case, photo, actor="bob")
    again = attach(svc, case, tmp_path / "现场检查笔录.pdf", when="2026-03-04 10:00")  # the same content again
    assert again["sha256"] == out["sha256"] and again["notice"] != out["notice"]
    with svc.db.connect() as conn:
        blobs = {b.sha256: b for b in conn.execute(select(attachment_blobs))}
        log = conn.execute(select(transitions).where(transitions.c.case_id == case, transitions.c.trigger == "attach")
                           .order_by(transitions.c.seq)).all()
        record = conn.execute(select(notices).where(notices.c.number == out["notice"])).one()
    assert set(blobs) == {out["sha256"], pic["sha256"]}  # one blob per content, three log rows
    assert bytes(blobs[out["sha256"]].content) == PDF and blobs[pic["sha256"]].media_type == "image/png"
    assert [(r.actor, r.inputs["sha256"], r.from_state == r.to_state) for r in log] == [
        ("alice", out["sha256"], True), ("bob", pic["sha256"], True), ("alice", out["sha256"], True)]
    assert log[0].inputs["description"] == "现场检查笔录扫描件" and log[0].notice_hash == record.content_hash
    assert (record.title, record.audience) == ("材料登记记录", "internal")
    assert "现场检查笔录.pdf" in record.text and out["sha256"] in record.text and "北京时间" in record.text
    shown = svc.cases.show(case)["attachments"]
    assert [(a["filename"], a["sha256"], a["size"], a["media_type"], a["by"], a["notice"]) for a in shown] == [
        ("现场检查笔录.pdf", out["sha256"], len(PDF), "application/pdf", "alice", out["notice"]),
        ("photo.png", pic["sha256"], len(PNG), "image/png", "bob", pic["notice"]),
        ("现场检查笔录.pdf", out["sha256"], len(PDF), "application/pdf", "alice", again["notice"])]
    assert svc.audit.verify()["ok"]


def test_what_cannot_be_attached_changes_nothing(svc, tmp_path, monkeypatch):
    case = open_case(svc)
    fake = tmp_path / "决定书.pdf"  # named a PDF, really a program
    fake.write_bytes(b"MZ\x90\x00" + bytes(60))
    plain = tmp_path / "说明.pdf"
    plain.write_text("这是一段文字", encoding="utf-8")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    big = tmp_path / "big.pdf"
    big.write_bytes(PDF + bytes(100))
    zipped = tmp_path / "bundle.docx"  # a ZIP, but not an office document
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("readme.txt", "x")
    before = counts(svc)
    for path, code in ((fake, "file_type"), (plain, "file_type"), (zipped, "file_type"), (empty, "empty_file"),
                       (tmp_path / "missing.pdf", "unknown_file"), (tmp_path, "unknown_file")):
        with pytest.raises(BadInput) as bad:
            attach(svc, case, path)
        assert bad.value.code == code
    monkeypatch.setattr(attachments, "ATTACHMENT_MAX_BYTES", len(PDF) + 99)
    with pytest.raises(BadInput) as bad:
        attach(svc, case, big)
    assert bad.value.code == "file_too_large"
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    with pytest.raises(Refused) as refused:
        attach(svc, case, scan, actor="audrey")  # the auditor changes nothing
    assert refused.value.code == "READ-ONLY"
    with pytest.raises(BadInput) as bad:  # the hash is computed from a stored file, never typed in
        with frozen_at(at("2026-03-03 10:00")):
            svc.cases.act(case, "attach", "alice", {"filename": "x.pdf", "sha256": "0" * 64, "size": 1,
                                                    "media_type": "application/pdf"})
    assert bad.value.code == "attach_by_file"
    assert counts(svc) == before and svc.cases.show(case)["attachments"] == []


def test_a_closed_case_takes_no_material(svc, tmp_path):
    case = open_case(svc)
    with frozen_at(at("2026-03-24 00:00")):
        svc.sweep.run_once(at("2026-03-24 00:00"))  # the objection window ends: the result is final
    assert svc.cases.show(case)["final"]
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    before = counts(svc)
    with pytest.raises(Refused) as refused:
        attach(svc, case, scan, when="2026-03-25 10:00")
    assert refused.value.code == "TRIGGER" and counts(svc) == before


def test_blobs_are_append_only(svc, tmp_path):
    case = open_case(svc)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    attach(svc, case, scan)
    for sql in ("UPDATE attachment_blobs SET size = 1", "DELETE FROM attachment_blobs"):
        with pytest.raises(Exception, match="append-only"):
            with svc.db.begin() as conn:
                conn.execute(text(sql))
    assert counts(svc)[0] == 1 and svc.audit.verify()["ok"]


@pytest.mark.parametrize("data,kind", [
    (PDF, "application/pdf"), (PNG, "image/png"), (b"\xff\xd8\xff\xe0" + bytes(20), "image/jpeg"),
    (b"II*\x00" + bytes(8), "image/tiff"), (b"MM\x00*" + bytes(8), "image/tiff"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8), "application/x-ole-storage"),
    (ooxml("word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (ooxml("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (ooxml("ppt/presentation.xml"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (b"PK\x03\x04broken", None), (b"GIF89a" + bytes(8), None), (b"%PD", None),
])
def test_type_from_content(data, kind):
    assert attachments.media_type(data) == kind


def test_the_command_line(cli, tmp_path):
    cf = cli
    cf("init", "--department", "郑州市医疗保障局", "--prefix", "郑医保")
    cf("user", "add", "alice", "--role", "handler")
    cf("user", "add", "audrey", "--role", "auditor")
    cf("subject", "add", "--name", HOSPITAL, "--uscc", HOSPITAL_USCC, "--type", "hospital")
    case = cf("evaluation", "publish", "--subject", "1", "--year", "2025", "--score", "65", "--as", "alice",
              now="2026-03-02T09:00:00+08:00").json["case_id"]
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    out = cf("case", "attach", str(case), str(scan), "--as", "alice", "--description", "扫描件",
             now="2026-03-03T10:00:00+08:00").json
    assert {k: out[k] for k in ("case_id", "sha256", "size", "media_type", "filename")} == {
        "case_id": case, "sha256": hashlib.sha256(PDF).hexdigest(), "size": len(PDF),
        "media_type": "application/pdf", "filename": "scan.pdf"}
    assert out["notice"] and out["version"] == 2 and out["state"]
    shown = cf("case", "show", str(case)).json["attachments"]
    assert [(a["sha256"], a["by"], a["notice"]) for a in shown] == [(out["sha256"], "alice", out["notice"])]
    fake = tmp_path / "fake.pdf"
    fake.write_text("not a pdf")
    assert "PDF" in cf("case", "attach", str(case), str(fake), "--as", "alice", expect=2).err
    cf("case", "attach", str(case), str(tmp_path / "none.pdf"), "--as", "alice", expect=2)
    assert "READ-ONLY" in cf("case", "attach", str(case), str(scan), "--as", "audrey", expect=3).err
    cf("case", "act", str(case), "attach", "--set", "filename=x.pdf", "--as", "alice", expect=2)
    assert len(cf("case", "show", str(case)).json["attachments"]) == 1
    assert cf("audit", "verify").json["ok"]
