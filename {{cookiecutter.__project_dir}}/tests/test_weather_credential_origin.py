"""The weather credential only goes to the API's own origin, whatever the document or API say.

A second loopback server on another port stands for another origin; it must receive nothing.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import HTTPException

from {{ cookiecutter.project_slug }}.demo.weather_api import create_fake_weather_api
from {{ cookiecutter.project_slug }}.weather import WeatherAPIError, create_weather_api
from {{ cookiecutter.project_slug }}.workflows import wf

from .fakes.recording_ui import RecordingUI
from .fakes.weather_api import create_weather_api_serving
from .utils.loopback import LocalServer, serve

pytestmark = pytest.mark.usefixtures("configured")


@pytest.fixture
def other_origin() -> Iterator[LocalServer]:
    app = create_fake_weather_api()
    with serve(app) as url:
        yield LocalServer(url, app)


def test_document_naming_another_server_is_refused_and_that_server_receives_nothing(
    monkeypatch: pytest.MonkeyPatch, other_origin: LocalServer
) -> None:
    def name_the_other_server(document: dict[str, Any]) -> None:
        document["servers"] = [{"url": other_origin.url}]

    with serve(create_weather_api_serving(name_the_other_server)) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        with pytest.raises(WeatherAPIError) as refusal:
            create_weather_api()

    assert str(refusal.value) == (
        "WEATHER_OPENAPI_URL document refused: servers[0].url names a server other than "
        f"{url}, where the document comes from"
    )
    assert other_origin.state.received == []


def test_document_url_that_redirects_is_refused_not_followed(
    monkeypatch: pytest.MonkeyPatch, other_origin: LocalServer
) -> None:
    app = create_fake_weather_api()

    @app.get("/moved.json")
    def moved() -> None:
        raise HTTPException(
            status_code=302, headers={"Location": f"{other_origin.url}/openapi.json"}
        )

    with serve(app) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/moved.json")
        with pytest.raises(WeatherAPIError) as refusal:
            create_weather_api()

    assert str(refusal.value) == (
        "WEATHER_OPENAPI_URL document refused: it answered HTTP 302, a redirect, which is not "
        "followed: set WEATHER_OPENAPI_URL to the final URL"
    )
    assert other_origin.state.documents_served == 0


def test_redirect_from_the_api_is_not_followed_and_the_agent_is_told(
    fake_llm: LocalServer, weather_api: LocalServer, other_origin: LocalServer
) -> None:
    weather_api.state.redirect_to = f"{other_origin.url}/daily?city=Paris"

    wf.run("weather", RecordingUI().create_workflow_ui("test-workflow"), question="Paris?")

    tool_results = [
        message["content"]
        for request in fake_llm.state.requests
        for message in request["body"]["messages"]
        if message["role"] == "tool"
    ]
    assert any("HTTP 302, a redirect, which is not followed" in text for text in tool_results)
    assert [request["path"] for request in weather_api.state.received][-1] == "/daily"
    assert other_origin.state.received == []


def test_base_url_setting_receives_the_calls_instead_of_the_documents_server(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer, other_origin: LocalServer
) -> None:
    monkeypatch.setenv("WEATHER_API_BASE_URL", other_origin.url)

    forecast = create_weather_api().get_function("get_daily_weather_daily_get")(city="Zagreb")

    assert forecast["city"] == "Zagreb"
    assert [request["path"] for request in other_origin.state.received][-1] == "/daily"
    assert weather_api.state.received == []


def test_token_request_redirected_elsewhere_is_not_followed(
    monkeypatch: pytest.MonkeyPatch, other_origin: LocalServer
) -> None:
    def redirect_the_token_url(document: dict[str, Any]) -> None:
        password_flow = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]
        password_flow["flows"]["password"]["tokenUrl"] = "/token-moved"

    monkeypatch.setenv("WEATHER_API_AUTH", "oauth2_password")
    app = create_weather_api_serving(redirect_the_token_url, "oauth2_password")

    @app.post("/token-moved")
    def moved() -> None:
        raise HTTPException(status_code=307, headers={"Location": f"{other_origin.url}/token"})

    with serve(app) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        api = create_weather_api()
        with pytest.raises(WeatherAPIError, match="HTTP 307, a redirect, which is not followed"):
            api.get_function("get_daily_weather_daily_get")(city="Zagreb")

    assert other_origin.state.received == []


def test_token_url_on_another_origin_is_refused(
    monkeypatch: pytest.MonkeyPatch, other_origin: LocalServer
) -> None:
    def send_the_password_elsewhere(document: dict[str, Any]) -> None:
        password_flow = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]
        password_flow["flows"]["password"]["tokenUrl"] = f"{other_origin.url}/token"

    monkeypatch.setenv("WEATHER_API_AUTH", "oauth2_password")
    with serve(create_weather_api_serving(send_the_password_elsewhere, "oauth2_password")) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        with pytest.raises(WeatherAPIError) as refusal:
            create_weather_api()

    assert str(refusal.value) == (
        "WEATHER_OPENAPI_URL document refused: components.securitySchemes.OAuth2PasswordBearer"
        f".flows.password.tokenUrl is not a plain URL on {url}"
    )
    assert other_origin.state.received == []
