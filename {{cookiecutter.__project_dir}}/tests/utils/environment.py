"""The environment variables the project reads, for tests that clear or set them."""

CONFIG_VARIABLES = [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "LLM_MODEL",
    "WEATHER_OPENAPI_URL",
    "WEATHER_OPENAPI_SHA256",
    "WEATHER_API_BASE_URL",
    "WEATHER_TIMEOUT_SECONDS",
    "WEATHER_API_KEY",
    "WEATHER_API_TOKEN",
    "WEATHER_API_USERNAME",
    "WEATHER_API_PASSWORD",
]

# The variable that holds the credential: a name, not a credential.
{%- if cookiecutter.weather_api_auth.startswith("api_key") %}
SECRET_VARIABLE = "WEATHER_API_KEY"  # pragma: allowlist secret
{%- elif cookiecutter.weather_api_auth == "http_bearer" %}
SECRET_VARIABLE = "WEATHER_API_TOKEN"  # pragma: allowlist secret
{%- elif cookiecutter.weather_api_auth in ["http_basic", "oauth2_password"] %}
SECRET_VARIABLE = "WEATHER_API_PASSWORD"  # pragma: allowlist secret
{%- endif %}
