"""A weather API document written to run code on our server runs nothing.

The client is generated as Python from the document and imported. Each document below carries a
payload, in one of the places the code generators read, that writes a canary file if it ever
runs. The document is either refused with one line naming the field, before any code is made, or
the part is left out (or escaped) and the forecast still works.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.project_slug }}.weather import WeatherAPIError, create_weather_api

from .fakes.weather_api import create_weather_api_serving
from .utils.loopback import serve

pytestmark = pytest.mark.usefixtures("configured")

Edit = Callable[[dict[str, Any], str], None]


def daily(document: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"]["/daily"]["get"]
    return operation


def city(document: dict[str, Any]) -> dict[str, Any]:
    parameter: dict[str, Any] = daily(document)["parameters"][0]
    return parameter


def security_scheme_name(document: dict[str, Any], code: str) -> None:
    # The attack from the issue: fastagency writes f'APIKeyHeader(name="{name}")' into the source.
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["hostile"] = {
        "type": "apiKey",
        "in": "header",
        "name": f'x") and {code} or APIKeyHeader(name="X-Weather-Key',
    }
    daily(document)["security"] = [{"hostile": []}]


def parameter_name(document: dict[str, Any], code: str) -> None:
    city(document)["name"] = f"city: str = {code}, *, other"


def enum_value(document: dict[str, Any], code: str) -> None:
    city(document)["schema"]["enum"] = [f"x' + str({code}) + '"]


def default_value(document: dict[str, Any], code: str) -> None:
    city(document)["required"] = False
    city(document)["schema"]["default"] = f"x' + str({code}) + '"


def operation_id(document: dict[str, Any], code: str) -> None:
    hourly = document["paths"]["/hourly"]["get"]
    hourly["operationId"] = f"get_hourly_weather_hourly_get() -> None:\n    {code}\ndef x"


def path(document: dict[str, Any], code: str) -> None:
    document["paths"][f'/daily", description=str({code}), x="'] = document["paths"].pop("/daily")


def server_url(document: dict[str, Any], code: str) -> None:
    document["servers"] = [{"url": f'/v1" + str({code}) + "'}]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (security_scheme_name, "components.securitySchemes.hostile.name"),
        (parameter_name, 'paths["/daily"].get.parameters[0].name'),
        (enum_value, 'paths["/daily"].get.parameters[0].schema.enum[0]'),
        (default_value, 'paths["/daily"].get.parameters[0].schema.default'),
        (operation_id, "paths lacks the operations ['get_hourly_weather_hourly_get']"),
        (path, 'paths["/daily\\", description=str('),
        (server_url, "servers[0].url"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_document_value_that_would_become_code_is_refused_naming_its_field(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, edit: Edit, field: str
) -> None:
    canary = tmp_path / "owned.txt"
    app = create_weather_api_serving(lambda document: edit(document, writes(canary)))

    with serve(app) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        with pytest.raises(WeatherAPIError) as refusal:
            create_weather_api()

    message = str(refusal.value)
    assert message.startswith(f"WEATHER_OPENAPI_URL document refused: {field}")
    assert "\n" not in message
    assert not canary.exists()


@pytest.mark.parametrize(
    ("edit", "refusal"),
    [
        (lambda document: document.update(servers="/v1"), "servers is not a list"),
        (
            lambda document: document["components"].update(securitySchemes=["hostile"]),
            "components.securitySchemes is not an object",
        ),
        (
            lambda document: daily(document).update(parameters=7),
            'paths["/daily"].get.parameters is not a list',
        ),
        (
            lambda document: city(document).update(schema={"type": "string", "enum": "c"}),
            'paths["/daily"].get.parameters[0].schema.enum is not a list of values',
        ),
    ],
    ids=["servers", "security schemes", "parameters", "enum"],
)
def test_malformed_document_is_one_line_naming_the_field_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, edit: Callable[[dict[str, Any]], None], refusal: str
) -> None:
    with serve(create_weather_api_serving(edit)) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        with pytest.raises(WeatherAPIError) as error:
            create_weather_api()

    assert str(error.value) == f"WEATHER_OPENAPI_URL document refused: {refusal}"


def parameter_description(document: dict[str, Any], code: str) -> None:
    # fastagency writes it into a """...""" annotation; this one closes it and adds a default.
    city(document)["description"] = f'x"""] = {code}, *, other: Annotated[str, """'


def operation_description(document: dict[str, Any], code: str) -> None:
    daily(document)["summary"] = daily(document)["description"] = f'x"), {code}, ("'


def title(document: dict[str, Any], code: str) -> None:
    document["info"]["title"] = f'x") or {code} or ("'


def schema_and_field_names(document: dict[str, Any], code: str) -> None:
    hostile = f"x = {code}\nclass X"
    document["components"]["schemas"][hostile] = {
        "title": hostile,
        "type": "object",
        "properties": {hostile: {"type": "string", "title": hostile, "default": f"'{code}'"}},
    }
    response = daily(document)["responses"]["200"]["content"]["application/json"]
    response["schema"] = {"$ref": f"#/components/schemas/{hostile}"}


@pytest.mark.parametrize(
    "edit",
    [parameter_description, operation_description, title, schema_and_field_names],
    ids=lambda edit: edit.__name__,
)
def test_document_text_that_would_become_code_is_left_out_and_the_forecast_still_works(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, edit: Edit
) -> None:
    canary = tmp_path / "owned.txt"
    app = create_weather_api_serving(lambda document: edit(document, writes(canary)))

    with serve(app) as url:
        monkeypatch.setenv("WEATHER_OPENAPI_URL", f"{url}/openapi.json")
        api = create_weather_api()
        forecast = api.get_function("get_daily_weather_daily_get")(city="Zagreb")

    assert forecast["city"] == "Zagreb"
    assert not canary.exists()


def writes(canary: Path) -> str:
    """Python that writes the canary file when it runs (an absolute path: the generator chdirs)."""
    return f"__import__('pathlib').Path({str(canary)!r}).write_text('owned')"
