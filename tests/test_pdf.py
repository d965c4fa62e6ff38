"""`lint --format pdf -o FILE`: the HTML record as a PDF, read back with poppler's tools."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import EXAMPLES, REPO

CHILD = EXAMPLES / "child-it-day-1.yaml"
ADULT = EXAMPLES / "adult-rr-cycles-1-2.yaml"
# Debian's poppler-utils; .ci/run installs it.
POPPLER_MISSING = "pdftotext/pdftoppm are not installed (Debian: apt-get install poppler-utils)"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blinacheck", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )


def test_pdf_has_the_record_header_tables_and_sign_off(tmp_path: Path) -> None:
    assert shutil.which("pdftotext") and shutil.which("pdftoppm"), POPPLER_MISSING
    out = tmp_path / "record.pdf"
    result = run("lint", "--format", "pdf", "-o", str(out), str(CHILD), str(ADULT))
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"1 error, 0 warnings, 0 info in 2 files; written to {out}\n"
    assert out.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in (
        "What was checked",
        "SHA-256 " + hashlib.sha256(CHILD.read_bytes()).hexdigest()[:40],
        "IT methotrexate on Day 1 of",
        "Doses and bags",
        "4.47 mcg/day (5 × 0.89 m²; cap 9)",
        "Pump rate (label)",
        "Sign-off",
        "Prepared by",
        "Verified by",
    ):
        assert words in text, words
    # Every page renders to an image that is not blank.
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    assert all(page.stat().st_size > 3_000 for page in pages)


def test_pdf_needs_an_output_file() -> None:
    result = run("lint", "--format", "pdf", str(CHILD))
    assert result.returncode == 2
    assert result.stderr == "--format pdf writes a file: give -o FILE\n"


def test_a_plain_lint_does_not_import_the_pdf_library() -> None:
    for extra in ([], ["--format", "html"]):
        code = (
            "import sys\nfrom blinacheck.cli import main\ntry:\n"
            f"    main(['lint', *{extra!r}, {str(CHILD)!r}])\n"
            "except SystemExit:\n    pass\n"
            "print('weasyprint' in sys.modules, file=sys.stderr)\n"
        )
        found = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
        )
        assert found.stderr.strip().splitlines()[-1] == "False", (extra, found.stderr)
