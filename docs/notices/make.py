"""Regenerate the PNGs in this folder: one notice of each procedure, every page side by side.

    .venv/bin/python docs/notices/make.py

Drives the story of tests/notice_story.py on a throw-away SQLite database, exports the notices'
PDFs as `creditflow notice pdf` does, and rasterises them with pdftoppm (poppler-utils) at 80 dpi.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))

SHOWN = {  # file name -> (template, predicate on the story entry)
    "evaluation-published.png": ("evaluation/published.html.j2", lambda e: True),
    "objection-dismissed.png": ("objection/decided.html.j2", lambda e: e["against_subject"]),
}


def main() -> None:
    from PIL import Image

    import notice_story
    from conftest import make_services

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        svc = make_services(f"sqlite:///{tmp / 'story.db'}", tmp)
        svc.deployment.init(department_name="郑州市医疗保障局", number_prefix="郑医保", reconsideration_body="郑州市人民政府",
                 court="郑州铁路运输法院")
        for name, roles in (("alice", ["handler"]), ("bob", ["approver"]), ("carol", ["handler", "approver"])):
            svc.deployment.add_user(name, roles)
        entries = notice_story.run(svc, override_dir=tmp)
        for filename, (template, wanted) in SHOWN.items():
            entry = next(e for e in entries if e["template"] == template and wanted(e))
            pdf = tmp / "notice.pdf"
            pdf.write_bytes(svc.documents.pdf(entry["number"])["pdf"])
            for old in tmp.glob("page-*.png"):
                old.unlink()
            subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(tmp / "page")], check=True)
            pages = [Image.open(p).convert("RGB") for p in sorted(tmp.glob("page-*.png"))]
            gap = 16
            sheet = Image.new("RGB", (sum(p.width for p in pages) + gap * (len(pages) + 1),
                                      max(p.height for p in pages) + 2 * gap), (200, 200, 200))
            x = gap
            for page in pages:
                sheet.paste(page, (x, gap))
                x += page.width + gap
            sheet.save(HERE / filename, optimize=True)
            print(f"{filename}: {entry['number']} {entry['title']} ({len(pages)} pages)")
        svc.db.dispose()


if __name__ == "__main__":
    main()
