"""The chat page in a real browser: Playwright driving the Chromium or Chrome on this machine
(Playwright's own browser download is not needed), against the real service on loopback, the
fake LLM and the local weather API. Launched once per test session; each test gets a fresh
context (no cookies, no memory) the width of a phone."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.demo.llm import DEMO_MARK
from {{ cookiecutter.project_slug }}.demo.weather_api import FORECAST_DATE
from {{ cookiecutter.project_slug }}.service.app import create_app
from {{ cookiecutter.project_slug }}.service.models import LoginSession
from {{ cookiecutter.project_slug }}.settings import Settings

from ..utils.accounts import PASSWORD, MakeUser
from ..utils.demo import running_demo
from ..utils.loopback import serve
from ..utils.workflows import AddWorkflow

# Debian's and Ubuntu's Chromium, or Google Chrome (GitHub's runners have it).
BROWSER = next(
    (
        path
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (path := shutil.which(name))
    ),
    None,
)
if BROWSER is None:  # one line in the test summary, for the whole file
    pytest.skip(
        "no Chromium or Chrome on PATH: apt-get install chromium (or google-chrome)",
        allow_module_level=True,
    )

# Chromium's own background traffic (updates, sync, ...) would leave the machine; the tests
# allow loopback only.
QUIET_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHORT_TMPDIR = "/tmp"  # noqa: S108 (Chromium makes its own private folder in it)
PHONE = ViewportSize(width=412, height=915)
WAIT_MS = 30_000
QUESTION = "What is the weather in Paris?"


def explode(ui: Any, params: dict[str, Any]) -> str:
    raise RuntimeError("a detail for the server log only")


def choose(ui: Any, params: dict[str, Any]) -> str:
    unit = ui.multiple_choice(
        sender="Workflow", recipient="User", prompt="Which unit?", choices=["Celsius", "Fahrenheit"]
    )
    return f"You chose {unit}"


def toppings(ui: Any, params: dict[str, Any]) -> str:
    chosen = ui.multiple_choice(
        sender="Workflow",
        recipient="User",
        prompt="Which toppings?",
        choices=["cheese", "olives", "ham"],
        single=False,
    )
    return f"Toppings: {chosen}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=BROWSER,
            args=QUIET_CHROMIUM,
            # Chromium puts a socket in TMPDIR: under a deep one (a test's tmp folder) its path
            # passes the 108-byte limit of socket paths and the browser aborts at start.
            env={**os.environ, "TMPDIR": SHORT_TMPDIR},
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def service(settings: Settings, make_user: MakeUser, add_workflow: AddWorkflow) -> Iterator[str]:
    add_workflow("explode", explode, ("user",))
    add_workflow("choose", choose, ("user",))
    add_workflow("toppings", toppings, ("user",))
    make_user("alice")
    with serve(create_app(settings)) as url:
        yield url


def sign_in(page: Page, service: str, password: str = PASSWORD, username: str = "alice") -> None:
    page.goto(f"{service}/")  # the service's address: a browser lands on the chat page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def start(page: Page, workflow: str, question: str = "") -> None:
    page.get_by_label("Workflow", exact=True).select_option(workflow)
    page.get_by_label("Question").fill(question)
    page.get_by_role("button", name="Start").click()


def screenshot(page: Page, name: str, folder: Path) -> Path:
    """A picture of the page as the test left it, kept with the test's files; its path printed."""
    path = folder / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    print(f"screenshot: {path}")
    return path


@pytest.mark.usefixtures("configured")
def test_a_user_signs_in_asks_about_the_weather_answers_the_workflow_and_signs_out(
    page: Page, service: str, db: Session, tmp_path: Path
) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, service)
    expect(page).to_have_url(f"{service}/chat")
    expect(page.get_by_text("Demo: no LLM involved")).to_be_hidden()
    start(page, "weather")  # no question: the workflow asks for one

    answer = page.get_by_label("Your answer")
    expect(page.locator("#answer-prompt")).to_have_text(
        "What would you like to know about the weather?"
    )
    expect(answer).to_be_focused()
    answer.fill(QUESTION)
    answer.press("Enter")  # the keyboard alone

    result = page.locator(".message.result")
    expect(result).to_contain_text(FORECAST_DATE)
    tool_call = page.locator("details").first
    expect(tool_call.locator("summary")).to_have_text("Tool call: get_daily_weather_daily_get")
    expect(tool_call.get_by_text("Result")).to_be_hidden()  # folded until opened
    expect(page.locator(".message.answer")).to_have_text("You" + QUESTION)
    screenshot(page, "chat", tmp_path)

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.locator("#conversation")).to_be_hidden()
    assert db.scalars(select(LoginSession.revoked)).all() == [True]  # the session has ended
    assert console == []  # no error, no request the Content-Security-Policy refused


def test_a_wrong_password_is_refused_with_the_services_reason(page: Page, service: str) -> None:
    sign_in(page, service, password="not alice's password")  # pragma: allowlist secret

    expect(page.get_by_role("alert").first).to_have_text(
        "Sign-in refused: Incorrect username or password (HTTP 400)"
    )
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_label("Workflow", exact=True)).to_be_hidden()


def test_a_multiple_choice_question_is_answered_in_the_page(page: Page, service: str) -> None:
    sign_in(page, service)
    start(page, "choose")

    page.get_by_label("Fahrenheit").check()
    page.get_by_role("button", name="Send").click()

    expect(page.locator(".message.result")).to_have_text("ResultYou chose Fahrenheit")


def test_a_question_with_several_answers_gets_the_chosen_ones(page: Page, service: str) -> None:
    sign_in(page, service)
    start(page, "toppings")

    page.get_by_label("cheese").check()
    page.get_by_label("ham").check()
    page.get_by_role("button", name="Send").click()

    expect(page.locator(".message.result")).to_have_text("ResultToppings: cheese,ham")


def test_a_failed_workflow_shows_its_incident_id_and_nothing_else(page: Page, service: str) -> None:
    sign_in(page, service)
    start(page, "explode")

    error = page.locator(".message.error").first
    expect(error).to_contain_text("The workflow failed (incident ")
    expect(page.locator("#conversation")).not_to_contain_text("a detail for the server log only")


def test_an_expired_access_token_is_refreshed_by_the_page(page: Page, service: str) -> None:
    sign_in(page, service)
    expect(page.get_by_label("Workflow", exact=True)).to_be_visible()
    # What an access token looks like to the service once it has expired: not valid.
    page.evaluate("session.tokens.access_token = 'expired'")

    start(page, "choose")

    expect(page.get_by_label("Celsius")).to_be_visible()  # the run started, after a refresh
    assert page.evaluate("session.tokens.access_token") != "expired"


def test_calls_that_find_the_token_expired_together_refresh_it_once(
    page: Page, service: str, db: Session
) -> None:
    sign_in(page, service)
    expect(page.get_by_label("Workflow", exact=True)).to_be_visible()
    page.evaluate("session.tokens.access_token = 'expired'")

    # A refresh token sent twice would end the session (the service takes it for a stolen one).
    listed = page.evaluate(
        "Promise.all([api('fastagency/discovery'), api('fastagency/discovery')])"
    )

    assert [len(workflows) for workflows in listed] == [4, 4]  # weather and this module's three
    assert db.scalars(select(LoginSession.revoked)).all() == [False]


def test_a_demo_service_says_so_on_its_page(page: Page, settings: Settings) -> None:
    with serve(create_app(settings.model_copy(update={"demo": True}))) as demo:
        page.goto(f"{demo}/chat")

        expect(page.get_by_text("Demo: no LLM involved")).to_be_visible()


@pytest.mark.slow
def test_the_demo_answers_a_question_in_the_page_marked_as_a_demo(
    page: Page, tmp_path: Path
) -> None:
    with running_demo(tmp_path) as demo:
        sign_in(page, demo.url, demo.password, username=demo.username)
        expect(page.get_by_text("Demo: no LLM involved")).to_be_visible()
        start(page, "weather", QUESTION)

        result = page.locator(".message.result")
        expect(result).to_contain_text(FORECAST_DATE)
        expect(result).to_contain_text(DEMO_MARK)
        screenshot(page, "demo", tmp_path)
        code, _ = demo.stop()

    assert code == 0
