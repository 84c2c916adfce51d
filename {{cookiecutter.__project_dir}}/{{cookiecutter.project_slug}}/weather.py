"""The weather REST API the agent calls: its settings and the operations the agent may call.

Everything else (fetching and checking the API's document, the credential, timeouts, no
redirects) is the client layer's, in clients/.
"""

from pydantic_settings import SettingsConfigDict

from .clients.credentials import APIClientError
from .clients.openapi import OpenAPIClient, create_client
from .clients.openapi_review import review
from .settings import APISettings


class WeatherSettings(APISettings):
    """WEATHER_OPENAPI_URL, WEATHER_API_AUTH, WEATHER_API_KEY... (see APISettings)."""

    model_config = SettingsConfigDict(env_prefix="WEATHER_")

    openapi_url: str | None = "https://weather.tools.fastagency.ai/openapi.json"


# The API operations (operationIds) the agent may call; the model sees them by these names.
# Only these, and what they need, are taken from the API's document (see clients/openapi.py).
WEATHER_FUNCTIONS = ["get_daily_weather_daily_get", "get_hourly_weather_hourly_get"]

# Any failure of the weather client, whichever layer found it; workflows.py reports these.
WeatherAPIError = APIClientError


def create_weather_api() -> OpenAPIClient:
    """The weather client with this run's credential (built from the document once per process)."""
    return create_client(WeatherSettings(), WEATHER_FUNCTIONS)


def review_weather_document() -> tuple[bool, str]:
    """Whether the weather API's current document is accepted, and a report to print."""
    return review(WeatherSettings(), WEATHER_FUNCTIONS)
