"""`{{ cookiecutter.project_slug }} openapi`: review the weather API's document before trusting it, and pin it."""

import hashlib
from pathlib import Path
from typing import Any

import pytest
import requests

from {{ cookiecutter.project_slug }}.cli import main
from {{ cookiecutter.project_slug }}.weather import create_weather_api

from .fakes.weather_api import create_weather_api_serving
from .utils.loopback import LocalServer, serve

pytestmark = pytest.mark.usefixtures("configured")


def review(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["openapi"])
    return code, capsys.readouterr().out.splitlines()


def test_review_prints_the_digest_the_operations_and_the_line_that_pins_the_document(
    monkeypatch: pytest.MonkeyPatch, weather_api: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    served = requests.get(f"{weather_api.url}/openapi.json", timeout=5).content
    digest = hashlib.sha256(served).hexdigest()

    code, lines = review(capsys)

    assert code == 0
    assert f"SHA-256: {digest}" in lines
    assert "  * GET /daily get_daily_weather_daily_get" in lines
    assert "  * GET /hourly get_hourly_weather_hourly_get" in lines
    assert f"calls and the credential go to: {weather_api.url}" in lines
    assert lines[-1] == f"WEATHER_OPENAPI_SHA256={digest}"
    # The printed line is what the client then accepts.
    monkeypatch.setenv("WEATHER_OPENAPI_SHA256", digest)
    api = create_weather_api()
    assert api.get_function("get_daily_weather_daily_get")(city="Zagreb")["city"] == "Zagreb"


def test_review_of_a_hostile_document_runs_nothing_and_says_why_it_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canary = tmp_path / "owned.txt"
    code_that_writes_it = f"__import__('pathlib').Path({str(canary)!r}).write_text('owned')"

    def hostile(document: dict[str, Any]) -> None:
        daily = document["paths"]["/daily"]["get"]
        daily["parameters"][0]["name"] = f"city = {code_that_writes_it}"
        # Terminal control sequences in the document are shown escaped, not sent to the terminal.
        daily["operationId"] = "\x1b[2J\x1b[Hget_daily_weather_daily_get"

    with serve(create_weather_api_serving(hostile)) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        code, lines = review(capsys)

    assert code == 1
    assert lines[-1] == (
        "WEATHER_OPENAPI_URL document refused: paths lacks the operations "
        "['get_daily_weather_daily_get']"
    )
    assert r"    GET /daily '\x1b[2J\x1b[Hget_daily_weather_daily_get'" in lines
    assert not any("\x1b" in line for line in lines)
    assert not canary.exists()
