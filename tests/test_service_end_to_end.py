"""The generated README's service recipe, end to end, as a user and an outside client do it.

A default project is installed; its console script creates a user; uvicorn serves
`<slug>.service.app:create_app` on loopback; a client written here, from the README's protocol
alone, signs in, lists and starts the weather workflow and follows it over the websocket. The fakes
from the project's own tests stand in for the LLM provider and the weather API. The README's
Python recipe (Authlib) runs as printed. Then a real browser signs in through Swagger UI's
Authorize dialog, and asks the weather question on the chat page. One browser serves the module.
"""

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect, sync_playwright

from .helpers import DEFAULT_SLUG, run
from .service_helpers import (
    FORECAST_DATE,
    PASSWORD,
    SERVICE_APP,
    free_port,
    generate_installed_project,
    run_weather_workflow,
    service_env,
    serving,
    uvicorn,
    weather_fakes,
)

# An installed Chromium (Debian's here; GitHub's runners have Chrome): Playwright's own browser
# download is unreachable here.
BROWSER = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    None,
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if BROWSER is None:
        pytest.skip("no Chromium or Chrome on PATH: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=BROWSER,
            # Chromium's own background traffic would be refused by this closed network.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_installed_project(tmp_path_factory.mktemp("service"))


def create_user(project: Path, env: dict[str, str], username: str) -> None:
    """The README's first steps: the database's schema, then an account."""
    console_script = str(project / ".venv" / "bin" / DEFAULT_SLUG)
    upgraded = run([console_script, "db", "upgrade"], project, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    created = run(
        [console_script, "users", "create", username], project, env=env, input=f"{PASSWORD}\n"
    )
    assert created.returncode == 0, created.stderr


def test_readme_service_recipe_runs_the_weather_workflow(project: Path) -> None:
    api = free_port()
    env = service_env()
    base = f"http://127.0.0.1:{api}"
    with weather_fakes(project, env) as fake_settings:
        env.update(fake_settings)
        create_user(project, env, "alice")
        with serving(uvicorn(project, *SERVICE_APP, port=api), project, env, f"{base}/health"):
            result = run_weather_workflow(base, "alice")

    assert "'city': 'Oslo'" in result and FORECAST_DATE in result


def readme_python_recipe(project: Path) -> str:
    """The README's Python client code: the first Python block under "Run a workflow"."""
    readme = (project / "README.md").read_text()
    section = readme.split("\n### Run a workflow\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_python_recipe_signs_in_refreshes_and_signs_out_with_authlib(
    project: Path,
) -> None:
    api = free_port()
    base = f"http://127.0.0.1:{api}"
    # One-minute access tokens: Authlib refreshes those before each request, as the README says.
    env = {**service_env(), "ACCESS_TOKEN_EXPIRE_MINUTES": "1"}
    create_user(project, env, "reader")
    # The recipe as printed, for this server and this test's account.
    recipe = readme_python_recipe(project).replace("http://127.0.0.1:8000", base)
    recipe = recipe.replace('username="alice"', 'username="reader"')
    logs_before = set(project.glob("server-*.log"))

    with serving(uvicorn(project, *SERVICE_APP, port=api), project, env, f"{base}/health"):
        ran = run(
            [str(project / ".venv" / "bin" / "python"), "-c", recipe],
            project,
            env=env,
            input=f"{PASSWORD}\n",
        )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().endswith("['weather']")
    (log,) = set(project.glob("server-*.log")) - logs_before
    requests = log.read_text()
    # Signed in, refreshed by itself before GET /, then revoked.
    assert requests.count('"POST /token HTTP/1.1" 200') == 2
    assert '"GET / HTTP/1.1" 200' in requests and '"POST /revoke HTTP/1.1" 200' in requests


def try_users_me(operation: Locator) -> str:
    """Run GET /users/me from Swagger UI; the response's status code."""
    # The operation's body renders after its summary is clicked: wait for the toggle before
    # reading it, or about 1 read in 10 finds no "Try it out" yet and never gets an Execute button.
    try_out = operation.locator("button.try-out__btn")
    try_out.wait_for(timeout=30_000)
    if try_out.inner_text().strip() == "Try it out":
        try_out.click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for(timeout=15_000)
    code = status.inner_text().strip()
    operation.locator("button.btn-clear").click()
    return code


def test_swagger_ui_works_offline_and_signs_in_through_authorize(
    project: Path, browser: Browser
) -> None:
    env = service_env()
    create_user(project, env, "bob")
    api = free_port()
    base = f"http://127.0.0.1:{api}"
    with serving(uvicorn(project, *SERVICE_APP, port=api), project, env, f"{base}/health"):
        page = browser.new_page()
        page.goto(f"{base}/docs")
        operation = page.locator("#operations-users-read_me_users_me_get")
        operation.locator(".opblock-summary").click(timeout=30_000)

        before = try_users_me(operation)
        page.locator("button.btn.authorize").first.click()
        page.fill("#oauth_username", "bob")
        page.fill("#oauth_password", PASSWORD)
        page.locator(".auth-btn-wrapper button.authorize").first.click()
        page.locator(".auth-btn-wrapper button:has-text('Logout')").wait_for(timeout=15_000)
        page.locator("button.btn-done").first.click()
        after = try_users_me(operation)
        page.close()

    assert (before, after) == ("401", "200")


def test_chat_page_answers_the_weather_question_in_a_real_browser_under_a_strict_policy(
    project: Path, browser: Browser, tmp_path: Path
) -> None:
    api = free_port()
    env = service_env()
    base = f"http://127.0.0.1:{api}"
    with weather_fakes(project, env) as fake_settings:
        env.update(fake_settings)
        create_user(project, env, "carol")
        with serving(uvicorn(project, *SERVICE_APP, port=api), project, env, f"{base}/health"):
            started = time.monotonic()
            page = browser.new_page()
            page.set_default_timeout(30_000)
            opened = page.goto(f"{base}/chat")
            assert opened is not None
            page.fill("input[name=username]", "carol")
            page.fill("input[name=password]", PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.fill("input[name=question]", "What is the weather in Oslo?")
            page.get_by_role("button", name="Start").click()
            expect(page.locator(".message.result")).to_contain_text(FORECAST_DATE)
            screenshot = tmp_path / "chat.png"
            page.screenshot(path=screenshot, full_page=True)
            print(f"chat page: answered in {time.monotonic() - started:.1f} s; {screenshot}")
            page.close()

    policy = opened.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
