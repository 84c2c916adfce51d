"""`{{ cookiecutter.project_slug }} demo [--port N]`: the service to try with no keys (run.py), from the console
command (service/commands.py adds it)."""

import argparse
import sys

from .servers import bind_loopback

DEFAULT_PORT = 8000


def add_demo_command(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    demo = groups.add_parser(
        "demo",
        help="try the service with no keys: a throwaway database and user, stand-ins for the LLM "
        "and the weather API, on 127.0.0.1 (no LLM involved)",
    )
    demo.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"the service's port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free port)",
    )
    demo.set_defaults(run=run_demo)


def run_demo(arguments: argparse.Namespace) -> int:
    """Take the port, then serve the demo on it until Ctrl-C; the exit status."""
    try:
        sock = bind_loopback(arguments.port)
    except (OSError, OverflowError) as error:
        print(
            f"error: cannot listen on 127.0.0.1:{arguments.port} ({error}): choose another "
            "port with --port, or --port 0 for any free one",
            file=sys.stderr,
        )
        return 1
    # Imported here: the service and its agents take a second or more to import, which the
    # other commands (users, db) need not wait for.
    from .run import serve_demo

    return serve_demo(sock)
