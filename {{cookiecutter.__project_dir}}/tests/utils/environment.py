"""The environment variables the project reads, for tests that clear or set them."""

CONFIG_VARIABLES = [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "LLM_MODEL",
    "WEATHER_OPENAPI_URL",
    "WEATHER_OPENAPI_SHA256",
    "WEATHER_API_BASE_URL",
    "WEATHER_TIMEOUT_SECONDS",
    "WEATHER_API_AUTH",
    "WEATHER_API_KEY",
    "WEATHER_API_TOKEN",
    "WEATHER_API_USERNAME",
    "WEATHER_API_PASSWORD",
]

# The variable that holds the credential of the scheme the tests use by default
# ({{ cookiecutter.project_slug }}/demo/weather_api.py's DEFAULT_SCHEME): a name, not a credential.
SECRET_VARIABLE = "WEATHER_API_KEY"  # pragma: allowlist secret
