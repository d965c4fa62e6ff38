"""``GET /``: the pharmacists' web page. Upload or paste a plan (YAML, or FHIR R4/R5 JSON), see
the HTML report of ``lint --format html`` with its calendar, and download that report.

The page sends the plan's text with ``fetch()`` to ``POST /report`` (raw text, no form
encoding: no multipart parser needed) and shows the answer in a sandboxed frame. The plan is
linted with the service's settings (``lint``'s, reloaded with the rules) and never stored: it
lives in the request and is gone when the answer is sent; the logs name no plan text.
docs/web-page.md.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import os
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from .. import api

router = APIRouter()

_SCRIPT = """
"use strict";
const form = document.getElementById("plan-form");
const file = document.getElementById("plan-file");
const text = document.getElementById("plan-text");
const status = document.getElementById("status");
const frame = document.getElementById("report");
const download = document.getElementById("download");
let planName = "";
let reportUrl = null;

file.addEventListener("change", async () => {
  const chosen = file.files[0];
  if (!chosen) return;
  planName = chosen.name;
  text.value = await chosen.text();
  status.textContent = "Loaded " + chosen.name + ". Check it, or edit it first.";
});

text.addEventListener("input", () => { if (!text.value) planName = ""; });

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!text.value.trim()) {
    status.textContent = "Choose a plan file or paste a plan first.";
    return;
  }
  status.textContent = "Checking\\u2026";
  let response;
  try {
    response = await fetch("report", {
      method: "POST",
      headers: {"Content-Type": "text/plain; charset=utf-8",
                "X-Plan-Name": encodeURIComponent(planName)},
      body: text.value,
    });
  } catch (error) {
    status.textContent = "The service could not be reached.";
    return;
  }
  const body = await response.text();
  if (!response.ok) {
    let message = body;
    try { message = JSON.parse(body).error; } catch (error) { /* not JSON: shown as it is */ }
    status.textContent = "Not checked: " + message;
    return;
  }
  frame.srcdoc = body;
  frame.hidden = false;
  if (reportUrl) URL.revokeObjectURL(reportUrl);
  reportUrl = URL.createObjectURL(new Blob([body], {type: "text/html"}));
  download.href = reportUrl;
  download.download = response.headers.get("X-Report-Filename") || "blinacheck-report.html";
  download.hidden = false;
  status.textContent = "Checked: " + (response.headers.get("X-Summary") || "see the report");
});
""".strip()

_STYLE = """
body { font: 16px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem;
  color: #1b1b1b; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
form { display: grid; gap: .5rem; margin: 1rem 0; }
label { font-weight: 600; }
textarea { font: 13px/1.4 ui-monospace, monospace; width: 100%; box-sizing: border-box; }
.actions { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
button, #download { font: inherit; padding: .4rem 1rem; border: 1px solid #0b5394;
  border-radius: 4px; background: #0b5394; color: #fff; text-decoration: none; cursor: pointer; }
#download { background: #fff; color: #0b5394; }
#status { margin: 0; }
iframe { width: 100%; height: 80vh; border: 1px solid #bbb; }
.note { color: #555; font-size: .9rem; }
""".strip()


def _sha256(source: str) -> str:
    return base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")


# Nothing external, no inline script but this one (by its hash), no plugins, no framing of the
# page by another site; the report's frame is sandboxed (no script, no same origin).
PAGE_CSP = (
    "default-src 'none'; "
    f"script-src 'sha256-{_sha256(_SCRIPT)}'; "
    "style-src 'unsafe-inline'; "
    "img-src data:; "
    "connect-src 'self'; "
    "form-action 'self'; "
    "base-uri 'none'; "
    "frame-ancestors 'none'"
)
# The report itself, as `lint --format html` writes it (its own meta tag says the same).
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)
_COMMON_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>blinacheck: check a blinatumomab plan</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Check a blinatumomab plan</h1>
<p class="note">A plan file (YAML), or a FHIR R4/R5 bundle (JSON). The report is the one
<code>blinacheck lint --format html</code> writes, with this service's rules and settings.
The plan is not stored. blinacheck supports the pharmacist's verification; it does not
replace it.</p>
<form id="plan-form">
<label for="plan-file">Plan file</label>
<input type="file" id="plan-file" accept=".yaml,.yml,.json">
<label for="plan-text">Plan (the chosen file, or paste one here)</label>
<textarea id="plan-text" rows="14" spellcheck="false" autocomplete="off"></textarea>
<div class="actions">
<button type="submit" id="check">Check the plan</button>
<a id="download" href="#" hidden>Download the report (HTML)</a>
<p id="status" role="status" aria-live="polite"></p>
</div>
</form>
<iframe id="report" title="The report" sandbox hidden></iframe>
<script>{_SCRIPT}</script>
</body>
</html>
"""


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> HTMLResponse:
    """The page: upload or paste, check, see and download the report."""
    return HTMLResponse(PAGE, headers={**_COMMON_HEADERS, "Content-Security-Policy": PAGE_CSP})


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=_COMMON_HEADERS)


def plan_name(name: str) -> str:
    """The name the client gave its file, for the report only: its last path part, printable,
    at most 100 characters; never a path the service opens."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip()[:100]
    return base or "pasted plan"


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is over ``limit`` bytes (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _lint(text: str, digest: str, name: str, settings: Any) -> tuple[str, str]:
    """The HTML report of the plan text and its summary line; ``digest`` is the SHA-256 of
    the bytes received, as lint gives it of the file's bytes."""
    result = api.lint_text(text, settings, path=name)
    report = api.LintReport(results=[result])
    # The verification header as lint --format html fills it, but for text that is no file:
    # its hash is of the text received (record_context would read a file of that name).
    record = dataclasses.replace(
        api.record_context(api.LintReport(results=[]), settings.ruleset, _configuration(settings)),
        generated=dt.datetime.now(dt.UTC),
        plan_sha256={name: digest},
    )
    html = api.render(report, "html", ruleset=settings.ruleset, record=record)
    return html, api.summary_line(report)


def _configuration(settings: Any) -> list[tuple[str, str]]:
    """The rows `lint --format html` shows with no option given; the configuration file by its
    name only (the service's folders are not the pharmacist's business)."""
    from ..commands.lint import configuration_rows

    rows = configuration_rows(settings, (), (), None, settings.fail_on)
    config = settings.config
    if config is not None:
        rows[0] = (rows[0][0], os.path.basename(config.path))
    return rows


@router.post("/report", include_in_schema=False)
async def report(request: Request) -> Any:
    """Lint the plan text of the body (UTF-8) and answer the HTML report. The file's name
    comes in the header ``X-Plan-Name`` (percent-encoded UTF-8), not in the URL: access logs
    record URLs, and a file name may name a patient."""
    name = unquote(request.headers.get("x-plan-name", ""), errors="replace")
    limit: int = request.app.state.config.max_body_bytes
    body = await _read_body(request, limit)
    if body is None:
        return _error(413, f"the plan is over the service's limit of {limit} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _error(400, "the plan is not UTF-8 text")
    if not text.strip():
        return _error(400, "the plan is empty")
    shown = plan_name(name)
    settings = request.app.state.rules.settings
    digest = hashlib.sha256(body).hexdigest()
    html, summary = await run_in_threadpool(_lint, text, digest, shown, settings)
    stem = shown.rsplit(".", 1)[0] if "." in shown else shown
    filename = (
        "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "-" for c in stem)[:80]
        or "plan"
    )
    return HTMLResponse(
        html,
        headers={
            **_COMMON_HEADERS,
            "Content-Security-Policy": REPORT_CSP,
            "X-Summary": summary,
            "X-Report-Filename": f"{filename}-report.html",
        },
    )
