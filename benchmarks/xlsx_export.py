"""An XLSX export of 100,000 rows streams with bounded memory (issue #15: <= 200 MB of
resident memory).

A report never lists people, so its largest real table is the caseload of every
attorney in the exports (one row each, about 2,000 in the largest organization at 1M
survivors). The goal is about the export machinery: this script builds one table of
`--rows` rows (default 100,000; a label and three counts each, totals added), publishes
it, and sends it through `reports.exports.xlsx_file` and the `FileResponse` the view
returns, block by block into nothing, as a WSGI server would. It runs in a fresh child
process, and reports that child's peak resident memory, the time taken and the file's
size; then reads the file back with openpyxl to check that every row arrived.

Prints a table and, last, one JSON line with "pass"; exits 0 on pass, 1 on fail. No
database is needed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 200


def _child(rows: int, keep: str | None) -> None:
    """In a fresh process: the export, timed; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")
    os.environ.setdefault("AFTERCARE_ENV", "test")
    import django

    django.setup()
    from django.http import FileResponse

    from reports.exports import XLSX_TYPE, xlsx_file
    from reports.tables import Table, publish

    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    table = Table(
        key="many",
        title="Many rows",
        row_header="Row",
        rows=[f"Row {n:06d}" for n in range(rows)],
        columns=["A", "B", "C"],
        values=[[n % 97, n % 89, n % 83] for n in range(rows)],
        suppress=False,
    )
    published = publish(table, threshold=11)
    del table
    table_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    built = time.perf_counter()
    response = FileResponse(
        xlsx_file([published]), as_attachment=True, filename="x.xlsx", content_type=XLSX_TYPE
    )
    size = 0
    sink = open(keep, "wb") if keep else None  # noqa: SIM115
    for block in response.streaming_content:
        size += len(block)
        if sink:
            sink.write(block)
    response.close()
    if sink:
        sink.close()
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "rows": rows,
                "baseline_mb": round(baseline_mb, 1),
                "table_mb": round(table_mb, 1),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "table_seconds": round(built - started, 2),
                "export_seconds": round(done - built, 2),
                "bytes": size,
            }
        )
    )


def _rows_in(path: str) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return sum(1 for _row in book["Many rows"].iter_rows(values_only=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--keep", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.rows, args.keep)
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export.xlsx")
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--rows", str(args.rows), "--keep", path],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        lines = _rows_in(path)
    expected = 2 + args.rows + 1  # title, header, rows, total
    passed = measured["peak_mb"] <= GOAL_MB and lines == expected
    print(f"rows exported                 {args.rows:,} ({lines:,} lines read back)")
    print(f"child before the export       {measured['baseline_mb']} MB resident")
    print(f"child with the table          {measured['table_mb']} MB resident")
    print(f"child peak                    {measured['peak_mb']} MB resident (goal <= {GOAL_MB})")
    print(
        f"time                          table {measured['table_seconds']} s, "
        f"export and send {measured['export_seconds']} s, {measured['bytes']:,} bytes"
    )
    print(json.dumps({**measured, "lines_read_back": lines, "pass": passed}))
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
