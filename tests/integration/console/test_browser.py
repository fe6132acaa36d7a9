"""The console in a real browser: Debian's Chromium, headless, driven by Playwright, against a
real `kpfeed serve` process. Each journey keeps screenshots in test-artifacts/console/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from feed.store import approve_record, make_engine, save_revision, submit_for_review, transaction
from feed.synthetic import synthetic_record
from tests.conftest import REPO
from tests.integration.api.live import LiveServer, start_server
from tests.integration.console.workspace import (
    CODE,
    CODE_RECORD,
    COMPANY,
    IMPORTER,
    PASSWORD,
    REVIEWER,
    XSS_ALIAS,
    XSS_ID,
    XSS_NAME,
    XSS_ORGANISATION,
    Workspace,
)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "console"


@pytest.fixture(scope="module")
def server(workspace: Workspace) -> Iterator[LiveServer]:
    live = start_server(
        database_url=workspace.database_url,
        public_dir=workspace.public_dir,
        data_dir=workspace.root / "var",
        KPFEED_KEY_DIR=str(workspace.key_dir),
    )
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield launched
        finally:
            launched.close()


class Visitor:
    """One person in their own browser context (own cookies), and every dialog they saw."""

    def __init__(
        self, browser: Any, server: LiveServer, journey: str, who: str, shots: list[int]
    ) -> None:
        self.context = browser.new_context(
            base_url=server.url, viewport={"width": 1280, "height": 900}
        )
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.journey, self.who, self.shots = journey, who, shots

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, step: str) -> None:
        self.shots[0] += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = f"{self.journey}-{self.shots[0]:02d}-{self.who}-{step}.png"
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=True)

    def sign_in_with_token(self, token: str) -> None:
        self.page.goto("/console/login")
        self.page.fill("#f-token", token)
        self.page.get_by_role("button", name="Sign in with token").click()
        self.page.wait_for_url(lambda url: "/console/login" not in url)

    def sign_in_with_password(self, name: str, password: str) -> None:
        self.page.goto("/console/login")
        self.page.fill("#f-name", name)
        self.page.fill("#f-password", password)
        self.page.get_by_role("button", name="Sign in with password").click()
        self.page.wait_for_url(lambda url: "/console/login" not in url)

    def close(self) -> None:
        self.context.close()
        assert self.dialogs == [], f"a script ran: {self.dialogs}"
        assert self.errors == []


@pytest.fixture
def people(browser: Any, server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Make visitors for this test; each is closed (and checked for dialogs) at the end."""
    made: list[Visitor] = []
    journey = request.node.name.removeprefix("test_")
    shots = [0]  # numbered across the journey's visitors, in the order taken

    def visitor(who: str) -> Visitor:
        made.append(Visitor(browser, server, journey, who, shots))
        return made[-1]

    yield visitor
    report = getattr(request.node, "report_call", None)
    for one in made:
        if report is not None and report.failed:
            one.shot("failure")
        one.close()


def test_search_for_a_code_and_open_the_record(people: Any) -> None:
    moderator = people("anyone")
    page = moderator.page
    page.goto("/console/records")
    page.fill("#f-q", CODE)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(rf"q={CODE}"))
    results = page.locator("table.results tbody tr")
    expect(results).to_have_count(1)
    moderator.shot("search-results")
    results.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/console/records/{CODE_RECORD}"))
    assert page.locator("h1").inner_text() == "Synthetic symbol 0000007"
    # Guidance comes first, and the code is listed with the indicators.
    headings = page.locator("h2").all_inner_texts()
    assert headings[0] == "Moderation guidance"
    expect(page.locator("code", has_text=CODE)).to_have_count(1)
    moderator.shot("record")


def test_a_company_reports_a_false_positive_and_sees_its_status(
    people: Any, workspace: Workspace
) -> None:
    company = people("company")
    company.sign_in_with_token(workspace.tokens[COMPANY])
    page = company.page
    page.goto(f"/console/records/{CODE_RECORD}")
    page.get_by_role("link", name="Report a false positive").click()
    page.select_option("#f-reason", "news-or-research")
    page.fill("#f-comment", "Matched in a synthetic news report about the code.")
    company.shot("form")
    page.get_by_role("button", name="Send to the editors").click()
    page.wait_for_url(re.compile(r"/console/feedback/[0-9a-f]{32}\?done=feedback"))
    feedback_id = page.url.split("/feedback/")[1].split("?")[0]
    assert page.locator(".badge.st-received").inner_text() == "received"
    company.shot("received")

    editor = people("editor")
    editor.sign_in_with_token(workspace.tokens["synthetic-editor-b"])
    editor.page.goto("/console/editor/feedback")
    editor.page.locator(f'a[href="/console/editor/feedback/{feedback_id}"]').click()
    editor.page.select_option("#f-status", "under_review")
    editor.page.fill("#f-reason", "We are checking the news context.")
    editor.page.get_by_role("button", name="Change status").click()
    expect(editor.page.get_by_role("status")).to_have_text("Status changed.")
    editor.shot("triaged")

    page.goto("/console/feedback")
    row = page.locator("tbody tr", has=page.locator(f'a[href="/console/feedback/{feedback_id}"]'))
    assert row.locator(".badge").inner_text() == "under review"
    assert "We are checking the news context." in row.inner_text()
    company.shot("my-feedback")


def test_an_editor_fixes_a_located_error_and_a_second_editor_approves(
    people: Any, workspace: Workspace
) -> None:
    record = "symbol:synthetic-0000004"
    author = people("editor-a")
    author.sign_in_with_password("synthetic-editor-a", PASSWORD)
    page = author.page
    page.goto(f"/console/editor/records/{record}")
    page.fill("#f-aliases-0-language", "not a language")
    page.fill("#f-comment", "Alias language")
    page.get_by_role("button", name="Save draft").click()
    error = page.locator("#f-aliases-0-language-errors")
    expect(error).to_be_visible()
    expect(error).to_contain_text("language")
    assert page.locator("#f-aliases-0-language").get_attribute("aria-invalid") == "true"
    assert "nothing was saved" in page.locator("#problems").inner_text()
    author.shot("inline-error")
    page.fill("#f-aliases-0-language", "de")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_have_text("Draft saved.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_have_text("Submitted for review.")
    assert "another editor must approve it" in page.locator("#review").inner_text()
    author.shot("submitted")

    reviewer = people("editor-b")
    reviewer.sign_in_with_token(workspace.tokens["synthetic-editor-b"])
    reviewer.page.goto("/console/editor")
    reviewer.page.get_by_role("link", name="Synthetic symbol 0000004").first.click()
    reviewer.shot("review")
    reviewer.page.get_by_role("button", name=re.compile("^Approve revision")).click()
    expect(reviewer.page.get_by_role("status")).to_have_text("Approved.")
    expect(reviewer.page.locator(".badge.state-approved")).to_have_count(1)
    reviewer.shot("approved")


def _approve_a_change(workspace: Workspace) -> None:
    engine = make_engine(workspace.database_url)
    try:
        with transaction(engine) as session:
            changed = synthetic_record(3, variant=2)
            save_revision(session, changed, author=IMPORTER, comment="synthetic change")
            submit_for_review(session, changed.id, actor=IMPORTER)
            approve_record(session, changed.id, approver=REVIEWER)
    finally:
        engine.dispose()


def test_a_publisher_previews_approves_and_publishes_a_release(
    people: Any, workspace: Workspace, server: LiveServer
) -> None:
    _approve_a_change(workspace)
    maker = people("publisher-a")
    maker.sign_in_with_token(workspace.tokens["synthetic-publisher-a"])
    page = maker.page
    page.goto("/console/editor/releases")
    version = page.locator("#f-preview-version").input_value()
    assert page.locator("article.change", has_text="group:synthetic-0000003").count() == 1
    page.fill("#f-notes", "Synthetic autumn release: one record changed.")
    maker.shot("preview")
    page.get_by_role("button", name=f"Create draft release {version}").click()
    expect(page.get_by_role("status")).to_contain_text("Draft release created")
    assert "another publisher approves it" in page.locator("main").inner_text()
    maker.shot("created")

    publisher = people("publisher-b")
    publisher.sign_in_with_token(workspace.tokens["synthetic-publisher-b"])
    second = publisher.page
    second.goto("/console/editor/releases")
    second.get_by_role("link", name=version).first.click()
    expect(second).to_have_url(re.compile(rf"/console/editor/releases/{re.escape(version)}$"))
    changed = second.locator("article.change", has_text="group:synthetic-0000003")
    expect(changed.locator("table.diff th", has_text="summary")).to_have_count(1)  # side by side
    publisher.shot("preview")
    second.get_by_role("button", name=f"Approve release {version}").click()
    expect(second.get_by_role("status")).to_have_text("Release approved.")
    second.get_by_role("button", name=f"Sign and publish release {version}").click()
    expect(second.get_by_role("status")).to_contain_text("it is in the feed now")
    publisher.shot("published")

    feed = httpx.get(f"{server.url}/feed/feed.json", timeout=10).json()
    assert feed["_kpfeed"]["version"] == version
    second.goto("/console/releases")
    assert second.locator("tbody tr").first.locator("a").inner_text() == version
    publisher.shot("public-releases")


def test_the_xss_record_renders_as_text(people: Any, workspace: Workspace) -> None:
    reader = people("anyone")
    page = reader.page
    page.goto(f"/console/records/{XSS_ID}")
    assert page.locator("h1").inner_text() == XSS_NAME
    assert page.get_by_text(XSS_ALIAS).count() == 1
    assert page.locator("img, iframe, script").count() == 0
    reader.shot("record")
    page.goto("/console/records")
    assert page.get_by_role("link", name=XSS_NAME).count() == 1
    page.goto("/console/releases/2024.1")
    assert page.get_by_role("link", name=XSS_NAME).count() == 1
    reader.shot("release")

    editor = people("editor")
    editor.sign_in_with_token(workspace.tokens["synthetic-editor-b"])
    for path in (
        f"/console/editor/records/{XSS_ID}",
        "/console/editor/feedback",
        "/console/editor/dashboard",
    ):
        editor.page.goto(path)
        assert editor.page.locator("img, iframe, script").count() == 0
    assert editor.page.get_by_text(XSS_ORGANISATION).count() >= 1  # in the participation table
    editor.shot("dashboard")
