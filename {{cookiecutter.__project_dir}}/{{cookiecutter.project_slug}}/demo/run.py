"""What `{{ cookiecutter.project_slug }} demo` runs: the service on 127.0.0.1 with none of the project's
configuration. A throwaway database with a demo user, the scripted LLM and the local weather API
(this folder's stand-ins); every answer says it is a demo. Ctrl-C deletes it all."""

import os
import secrets
import signal
import socket
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType

from pydantic import SecretStr
from sqlalchemy.orm import Session

from ..service.accounts import create_user
from ..service.app import create_app
from ..service.db import open_configured_database
from ..service.schema import upgrade
from ..settings import APISettings, Settings
from .llm import DEMO_MARK, create_fake_llm
from .servers import serve_until_stopped, serving_in_a_thread, url_of
from .weather_api import DEFAULT_SCHEME, create_fake_weather_api, valid_environment

USERNAME = "demo"
DEMO_TITLE = "(DEMO: no LLM involved)"


def serve_demo(sock: socket.socket) -> int:
    """Serve the demo on `sock` until Ctrl-C or SIGTERM; the exit status."""
    signal.signal(signal.SIGTERM, stop_as_on_ctrl_c)
    try:
        with sock, ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="demo-")))
            llm_url = stack.enter_context(serving_in_a_thread(create_fake_llm(DEMO_MARK)))
            weather_url = stack.enter_context(serving_in_a_thread(create_fake_weather_api()))
            stack.enter_context(working_in(folder))
            use_only_the_stand_ins(llm_url, weather_url)
            settings = demo_settings(folder)
            password = secrets.token_urlsafe(12)
            create_demo_user(settings, password)
            app = create_app(settings)
            # The API's reference (/docs, /openapi.json) says so too; the chat page reads
            # settings.demo.
            app.title = f"{app.title} {DEMO_TITLE}"
            if not serve_until_stopped(app, sock, lambda: announce(url_of(sock), password)):
                return 1
    except KeyboardInterrupt:
        pass
    print("demo stopped: its database and files are deleted", flush=True)
    return 0


def stop_as_on_ctrl_c(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the demo as Ctrl-C does, its files deleted too (by default it would kill
    the process on the spot). uvicorn, while serving, takes both signals and raises them again
    once it has shut down."""
    raise KeyboardInterrupt


@contextmanager
def working_in(folder: Path) -> Iterator[None]:
    """In `folder`: out of reach of the project's .env, which settings read from the working
    directory."""
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def configuration_variables() -> set[str]:
    """Every environment variable the project's settings read (in upper case), those of each
    REST API workflows.py registers too."""
    classes: list[type[Settings] | type[APISettings]] = [Settings, APISettings]
    for settings_class in classes:  # the list grows: subclasses' subclasses are visited too
        classes += [
            subclass for subclass in settings_class.__subclasses__() if subclass not in classes
        ]
    return {
        f"{settings_class.model_config.get('env_prefix', '')}{field}".upper()
        for settings_class in classes
        for field in settings_class.model_fields
    }


def use_only_the_stand_ins(llm_url: str, weather_url: str) -> None:
    """Point the workflows (which read their settings from the environment) at the stand-ins,
    with none of the shell's settings left: the demo never uses a real key or server."""
    variables = configuration_variables()
    for name in [name for name in os.environ if name.upper() in variables]:
        del os.environ[name]  # settings read names in any case
    os.environ.update(
        {
            "OPENAI_API_KEY": "demo-needs-no-key",  # pragma: allowlist secret
            "OPENAI_BASE_URL": f"{llm_url}/v1",
            "WEATHER_OPENAPI_URL": f"{weather_url}/openapi.json",
            **valid_environment(DEFAULT_SCHEME),
        }
    )


def demo_settings(folder: Path) -> Settings:
    """The service's settings: those not given here are the defaults (the environment is
    cleared of them and the working directory has no .env)."""
    return Settings(
        jwt_secret_key=SecretStr(secrets.token_urlsafe(48)),
        database_url=f"sqlite:///{folder / 'demo.db'}",
        enable_docs=True,  # the API's reference at /docs
        demo=True,
    )


def create_demo_user(settings: Settings, password: str) -> None:
    """The database's schema (as `db upgrade` makes it) and the demo's one account."""
    engine = open_configured_database(settings)
    try:
        upgrade(engine)
        with Session(engine) as db:
            create_user(db, USERNAME, password, min_length=settings.password_min_length)
    finally:
        engine.dispose()


def announce(url: str, password: str) -> None:
    print(
        "\n".join(
            [
                "",
                "DEMO of {{ cookiecutter.project_slug }}: no LLM involved, no keys used. A stand-in answers every",
                "question with the local weather API's made-up forecast; the database lives until you stop.",
                "",
                f"  Open      {url}/chat",
                f"  Username  {USERNAME}",
                f"  Password  {password}",
                "",
                "Ctrl-C to stop.",
            ]
        ),
        flush=True,
    )
