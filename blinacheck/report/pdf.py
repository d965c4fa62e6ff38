"""PDF of the HTML report (``lint --format pdf -o FILE``), rendered by WeasyPrint.

The same page as ``--format html``, laid out for print by its print stylesheet. WeasyPrint is
an optional dependency (``pip install 'blinacheck[pdf]'``; it needs Debian's Pango,
``libpango-1.0-0 libpangoft2-1.0-0``), imported here only, so a plain lint never loads it.
Nothing is fetched while rendering: the page has no outside resource, and the URL fetcher
refuses any.
"""

from __future__ import annotations

from typing import Any, NoReturn


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or a library it needs) is not installed."""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"blinacheck's report fetches nothing ({url})")


def render(html: str) -> bytes:
    """The PDF of an HTML report."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: a missing system library (Pango)
        raise PdfUnavailable(
            "the PDF format needs WeasyPrint: pip install 'blinacheck[pdf]' (and on Debian: "
            f"apt-get install libpango-1.0-0 libpangoft2-1.0-0); {exc}"
        ) from None
    document = weasyprint.HTML(string=html, url_fetcher=_no_fetch)
    data: bytes = document.write_pdf()
    return data
