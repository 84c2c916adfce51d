"""`{{ cookiecutter.project_slug }} ...`: the project's console command (installed as a script)."""

import argparse
import sys
from collections.abc import Callable, Sequence
{% if cookiecutter.service == "fastapi_oauth2" %}
from .api.cli import add_user_commands
{% endif %}

def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="{{ cookiecutter.project_slug }}")
    groups = root.add_subparsers(dest="group", required=True)
{%- if cookiecutter.service == "fastapi_oauth2" %}
    add_user_commands(groups)
{%- endif %}
    return root


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    # Each command group names the function that carries out its commands.
    run: Callable[[argparse.Namespace], int] = arguments.run
    return run(arguments)


if __name__ == "__main__":
    sys.exit(main())
