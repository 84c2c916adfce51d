"""`{{ cookiecutter.project_slug }} ...`: the project's console command (installed as a script)."""

import argparse
import sys
from collections.abc import Callable, Sequence
{% if cookiecutter.service == "fastapi_oauth2" %}
from .service.commands import add_service_commands
{%- endif %}
from .settings import Settings
from .weather import WeatherAPIError, review_weather_document


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="{{ cookiecutter.project_slug }}")
    groups = root.add_subparsers(dest="group", required=True)
    groups.add_parser(
        "openapi",
        help="check the weather API's OpenAPI document; print its SHA-256 and operations to pin it",
    ).set_defaults(run=review_openapi_document)
{%- if cookiecutter.service == "fastapi_oauth2" %}
    add_service_commands(groups)
{%- endif %}
    return root


def review_openapi_document(arguments: argparse.Namespace) -> int:
    """Fetch and check the document (nothing is generated from it) and print the review."""
    try:
        accepted, report = review_weather_document(Settings())
    except WeatherAPIError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report)
    return 0 if accepted else 1


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    # Each command group names the function that carries out its commands.
    run: Callable[[argparse.Namespace], int] = arguments.run
    return run(arguments)


if __name__ == "__main__":
    sys.exit(main())
