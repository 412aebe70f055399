"""Writes the example import files beside this script: evaluation_import_2026.xlsx and .csv (the same rows).

    .venv/bin/python docs/examples/make_evaluation_import.py [OUTPUT_DIR]

The rows are invented subjects of the demo bureau's division (workflows/demo.py: its USCC and ID number
builders give valid check characters under GB 32100-2015 and GB 11643-1999), none of them among the demo's
own subjects, so the file imports into a fresh store or into the demo bureau alike:

    creditflow evaluation import docs/examples/evaluation_import_2026.xlsx --year 2026 --as zhangmin --dry-run

The xlsx keeps its identifier column as text (an 18-digit number typed into a number cell loses its last
digits); the CSV is UTF-8 with a BOM, as Excel writes "CSV UTF-8（逗号分隔）".
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from workflows.demo import demo_id_number, demo_uscc  # noqa: E402

HEADER = ("名称", "类型", "证件号码", "得分", "备注")
ROWS = (
    ("示例市第三人民医院", "定点医疗机构", demo_uscc("12", "41990301"), 93.5, ""),
    ("示例市妇幼保健院", "定点医疗机构", demo_uscc("12", "41990302"), 88, ""),
    ("示例市安康医院有限公司", "定点医疗机构", demo_uscc("91", "MA9X1A01"), 76.25, "现场检查扣分：病历书写不规范"),
    ("示例县中医院", "定点医疗机构", demo_uscc("12", "41990303"), 91, ""),
    ("示例市同仁堂大药房有限公司", "定点零售药店", demo_uscc("91", "MA9X1B02"), 85.5, ""),
    ("示例市益民药店", "定点零售药店", demo_uscc("92", "MA9X1C03"), 64, "串换药品，已立案处理"),
    ("示例市康泰大药房连锁有限公司第五分店", "定点零售药店", demo_uscc("91", "MA9X1D04"), 79.9, ""),
    ("示例市华康医疗费用审核服务有限公司", "承办经办业务的第三方机构", demo_uscc("91", "MA9X1E05"), 90, ""),
    ("孙八", "医保医师、护士、药师等从业人员", demo_id_number("19800415", "053"), 95, ""),
    ("周九", "医保医师、护士、药师等从业人员", demo_id_number("19870702", "066"), 82.75, ""),
    ("吴十", "医保医师、护士、药师等从业人员", demo_id_number("19930211", "071"), 71, "年度考核扣分"),
)


def write_xlsx(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2026年度评价结果"
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    for cell in ws["C"]:
        cell.number_format = "@"  # text: Excel keeps all 18 characters
    for column, width in zip("ABCDE", (40, 30, 24, 8, 30)):
        ws.column_dimensions[column].width = width
    wb.save(path)


def write_csv(path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        out.writerows(ROWS)


def main(out: Path = HERE) -> tuple[Path, Path]:
    paths = out / "evaluation_import_2026.xlsx", out / "evaluation_import_2026.csv"
    write_xlsx(paths[0])
    write_csv(paths[1])
    return paths


if __name__ == "__main__":
    written = main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"wrote {written[0]} and {written[1]} ({len(ROWS)} rows)")
