"""The pharmacists' web page (issue 13): a real server on a loopback port, driven in Debian's
headless Chromium through Selenium and chromedriver, and called with httpx. A plan uploaded on
the page shows the report of `lint --format html`, its error on the right day of the calendar;
plan text is escaped; the CSP allows nothing external; nothing is stored."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import EXAMPLES, fail_if_hung, run_blinacheck
from .serve_server import running

CHILD = EXAMPLES / "child-it-day-1.yaml"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Debian's packages; .ci/run installs them: apt-get install chromium chromium-driver


def named(name: str) -> dict[str, str]:
    """The header the page sends the file's name in."""
    from urllib.parse import quote

    return {"X-Plan-Name": quote(name, safe="")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running("--isolated", cwd=tmp_path_factory.mktemp("page-server")) as serving:
        yield serving.url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,1600",
    ):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: object, condition: object, what: str) -> object:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 60, poll_frequency=0.1).until(condition, what)  # type: ignore[arg-type]


def check(driver: object) -> None:
    """Press the button and wait for the report in its frame."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(driver, WebDriver)
    driver.find_element(By.ID, "check").click()
    wait_for(
        driver,
        lambda d: d.find_element(By.ID, "status").text.startswith(("Checked", "Not checked")),
        "the report",
    )


def csp_complaints(driver: object) -> list[str]:
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(driver, WebDriver)
    return [e["message"] for e in driver.get_log("browser") if "Content Security" in e["message"]]


def test_an_uploaded_plan_shows_its_error_on_the_right_day(
    server: str, browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    driver = browser
    assert isinstance(driver, WebDriver)
    driver.get(server + "/")
    assert driver.title == "blinacheck: check a blinatumomab plan"
    driver.find_element(By.ID, "plan-file").send_keys(str(CHILD))
    wait_for(driver, lambda d: d.find_element(By.ID, "plan-text").get_property("value"), "the file")
    check(driver)
    assert driver.find_element(By.ID, "status").text == (
        "Checked: 1 error, 0 warnings, 0 info in 1 file"
    )
    driver.switch_to.frame(driver.find_element(By.ID, "report"))
    (finding,) = driver.find_elements(By.CSS_SELECTOR, "tr.finding")
    assert finding.get_attribute("data-rule") == "it-on-infusion-day-1"
    assert "sev-error" in (finding.get_attribute("class") or "")
    # The calendar: the one flagged day is Day 1 of cycle 1, marked as an error.
    flagged = driver.find_elements(By.CSS_SELECTOR, "td.day[class*='flag-']")
    assert [
        (
            td.find_element(By.XPATH, "ancestor::figure").get_attribute("data-cycle"),
            td.get_attribute("data-day"),
            [c for c in (td.get_attribute("class") or "").split() if c.startswith("flag-")],
        )
        for td in flagged
    ] == [("1", "1", ["flag-error"])]
    assert "IT methotrexate 12 mg" in (flagged[0].get_attribute("title") or "")
    assert flagged[0].is_displayed()
    driver.switch_to.default_content()

    # The download button saves the report that is shown.
    download = driver.find_element(By.ID, "download")
    assert download.is_displayed()
    download.click()
    saved = tmp_path / "downloads" / "child-it-day-1-report.html"
    wait_for(driver, lambda d: saved.is_file() and saved.stat().st_size > 0, "the download")
    page = saved.read_text(encoding="utf-8")
    assert 'data-rule="it-on-infusion-day-1"' in page
    again = httpx.post(
        server + "/report", headers=named("child-it-day-1.yaml"), content=CHILD.read_bytes()
    )
    assert without_time(page) == without_time(again.text)
    assert csp_complaints(driver) == []


def without_time(page: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "TIME", page)


HOSTILE = CHILD.read_text(encoding="utf-8").replace(
    "title: Paediatric R/R B-ALL, blinatumomab cycle 1 (IT booked on Day 1)",
    "title: \"<script>document.title = 'pwned'</script><img src=x onerror=alert(1)>\"\n"
    "# </textarea><script>alert(2)</script>",
)


def test_plan_text_is_shown_as_text_never_run(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    driver = browser
    assert isinstance(driver, WebDriver)
    driver.get(server + "/")
    textarea = driver.find_element(By.ID, "plan-text")
    driver.execute_script("arguments[0].value = arguments[1]", textarea, HOSTILE)
    check(driver)
    assert driver.title == "blinacheck: check a blinatumomab plan"
    driver.switch_to.frame(driver.find_element(By.ID, "report"))
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.CSS_SELECTOR, "img[src='x']") == []
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "<script>document.title = 'pwned'</script><img src=x onerror=alert(1)>" in body
    assert driver.find_elements(By.CSS_SELECTOR, "tr.finding[data-rule='it-on-infusion-day-1']")
    driver.switch_to.default_content()
    assert csp_complaints(driver) == []


def test_the_page_and_the_report_allow_nothing_external(server: str) -> None:
    page = httpx.get(server + "/")
    csp = page.headers["content-security-policy"]
    assert re.fullmatch(
        r"default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]{43}='; style-src 'unsafe-inline'; "
        r"img-src data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        r"frame-ancestors 'none'",
        csp,
    ), csp
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    # Nothing on the page is fetched from elsewhere; its one script is inline, hashed.
    assert not re.search(r"\b(src|href)=\"(https?:)?//", page.text)
    assert page.text.count("<script>") == 1
    report = httpx.post(
        server + "/report", headers=named("child-it-day-1.yaml"), content=CHILD.read_bytes()
    )
    assert report.headers["content-security-policy"].startswith("default-src 'none';")
    assert report.headers["cache-control"] == "no-store"


def test_the_report_is_lints_html_report(server: str) -> None:
    """The same page as `blinacheck lint --format html` of the file (its time of day aside)."""
    report = httpx.post(
        server + "/report", headers=named("child-it-day-1.yaml"), content=CHILD.read_bytes()
    )
    assert report.status_code == 200
    assert report.headers["x-report-filename"] == "child-it-day-1-report.html"
    linted = run_blinacheck(
        "lint", "--isolated", "--format", "html", "child-it-day-1.yaml", cwd=EXAMPLES
    )
    assert linted.returncode == 1
    assert without_time(report.text) == without_time(linted.stdout)


def test_a_fhir_bundle_is_checked_too(server: str, tmp_path: Path) -> None:
    converted = run_blinacheck("convert", "--to", "fhir-r4", str(CHILD))
    assert converted.returncode == 0, converted.stderr
    report = httpx.post(
        server + "/report", headers=named("bundle.json"), content=converted.stdout.encode()
    )
    assert report.status_code == 200
    assert report.headers["x-summary"] == "1 error, 0 warnings, 0 info in 1 file"
    assert 'data-rule="it-on-infusion-day-1"' in report.text


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\plans\\child.yaml", "child.yaml"),
        ("a\x1b[31mred.yaml", "a[31mred.yaml"),
        ("Überweisung ünd.yaml", "Überweisung ünd.yaml"),
        ("", "pasted plan"),
    ],
)
def test_the_file_name_is_a_name_only(server: str, name: str, shown: str) -> None:
    """The name is shown in the report; the service never opens a file by it (the report's
    SHA-256 is of the text received)."""
    import hashlib

    text = CHILD.read_bytes()
    report = httpx.post(server + "/report", headers=named(name), content=text)
    assert report.status_code == 200
    assert f'<p class="path">{shown}</p>' in report.text
    assert hashlib.sha256(text).hexdigest() in report.text


def test_bad_bodies_get_a_clear_4xx(tmp_path: Path) -> None:
    (tmp_path / "blinacheck.toml").write_text("[serve]\nmax-body-bytes = 1000\n")
    with running(cwd=tmp_path) as serving:
        big = httpx.post(serving.url + "/report", content=b"#" * 1001)
        assert big.status_code == 413
        assert "1000" in big.json()["error"]
        binary = httpx.post(serving.url + "/report", content=b"\xff\xfe\x00plan")
        assert (binary.status_code, binary.json()) == (400, {"error": "the plan is not UTF-8 text"})
        empty = httpx.post(serving.url + "/report", content=b"  \n")
        assert (empty.status_code, empty.json()) == (400, {"error": "the plan is empty"})
        # Not a plan at all: the report says why, located, as lint does.
        prose = httpx.post(serving.url + "/report", content=b"- just\n- a list\n")
        assert prose.status_code == 200
        assert "invalid-plan" in prose.text


def test_the_page_limits_the_body_itself(tmp_path: Path) -> None:
    """Mounted in another app without the service's limit, the page still reads no more than
    max-body-bytes."""
    import asyncio
    from types import SimpleNamespace

    from fastapi import FastAPI

    from blinacheck import api
    from blinacheck.serve.page import router

    app = FastAPI()
    app.state.config = SimpleNamespace(max_body_bytes=1000)
    app.state.rules = SimpleNamespace(settings=api.load_settings(isolated=True))
    app.include_router(router)

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://page") as client:
            return await client.post("/report", content=b"#" * 1001)

    big = asyncio.run(post())
    assert (big.status_code, big.json()) == (
        413,
        {"error": "the plan is over the service's limit of 1000 bytes"},
    )


def test_plans_are_not_stored(tmp_path: Path) -> None:
    """After a plan is checked the server's folder holds only the (empty) audit log, and the
    service's log holds no plan text and no file name."""
    marker = "Ward 7 plan for patient Jane Example"
    plan = CHILD.read_text(encoding="utf-8").replace("title: Paediatric", f"title: {marker}")
    before = sorted(p.name for p in tmp_path.iterdir())
    with running("--isolated", cwd=tmp_path) as serving:
        answer = httpx.post(serving.url + "/report", headers=named("jane.yaml"), content=plan)
        assert answer.status_code == 200 and marker in answer.text
        with fail_if_hung(30, "the request's log line"):
            while not [e for e in serving.log() if e.get("method") == "POST"]:
                time.sleep(0.05)
        (logged,) = [e for e in serving.log() if e.get("method") == "POST"]
        lines = list(serving.lines)
    after = {p.name for p in tmp_path.iterdir()} - set(before)
    assert after <= {"blinacheck-audit.db", "blinacheck-audit.db-wal", "blinacheck-audit.db-shm"}
    for name in after:
        assert marker.encode() not in (tmp_path / name).read_bytes()
    assert (logged["method"], logged["status"]) == ("POST", 200)
    assert not any(marker in line or "jane" in line for line in lines)
