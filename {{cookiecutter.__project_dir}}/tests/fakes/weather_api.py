"""The local weather API ({{ cookiecutter.project_slug }}/demo/weather_api.py) serving an OpenAPI document a test changed."""

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from {{ cookiecutter.project_slug }}.demo.weather_api import DEFAULT_SCHEME, create_fake_weather_api


def create_weather_api_serving(
    edit: Callable[[dict[str, Any]], None], scheme: str = DEFAULT_SCHEME
) -> FastAPI:
    """The fake API, serving its own OpenAPI document as changed by `edit`."""
    app = create_fake_weather_api(scheme)
    document = copy.deepcopy(app.openapi())
    edit(document)
    app.state.document = document
    return app
