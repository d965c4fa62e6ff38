"""A fresh clone is the whole project: no file in it (code, tests, docs, examples, CI) refers to a
path outside the repository, such as the build machine's folders or a checkout beside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .conftest import REPO

# Paths that exist only on the machine the project was built on, or beside its checkout.
OUTSIDE = re.compile(
    r"\.\./+shared\b"  # the fact base and schemas beside the checkout
    r"|\bshared/(?:clinical|schemas|seeds|design|hooks)\b"
    r"|(?<![\w.:/-])/(?:work|farm|root|home|Users)/"  # the build machine's own folders
)
# ``Path(__file__).parents[N]`` from a file at depth d leaves the checkout when N > d.
PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]")


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8", "surrogateescape")
    files = []
    for name in filter(None, listed.split("\0")):
        path = REPO / name
        if path.is_file() and path.suffix not in {".png", ".pdf", ".ico"}:
            files.append(path)
    return files


def test_no_file_names_a_path_outside_the_repository() -> None:
    files = tracked_text_files()
    assert len(files) > 50  # the whole tree was really listed
    offenders = []
    for path in files:
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        depth = len(path.relative_to(REPO).parts) - 1
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{path.relative_to(REPO)}:{number}: {line.strip()}"
            if OUTSIDE.search(line):
                offenders.append(where)
            for match in PARENTS.finditer(line):
                if int(match.group(1)) > depth:
                    offenders.append(where)
    assert offenders == [], "\n".join(offenders)


def test_the_check_recognises_what_it_forbids() -> None:
    assert OUTSIDE.search("see " + "../" + "shared/clinical/sources.md")
    assert OUTSIDE.search("listed in `" + "/work" + "/shared/clinical/sources.md`")
    assert not OUTSIDE.search("relative to /srv/plans")
    assert not OUTSIDE.search("https://example.org/home/index.html")
    match = PARENTS.search("Path(__file__).resolve().parents[2] / 'x'")
    assert match is not None and match.group(1) == "2"
