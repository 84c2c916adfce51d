"""Every option renders a clean project: the default, then one option value at a time."""

import json
import os
import py_compile
import tomllib
from pathlib import Path

import pytest

from .conftest import Render
from .helpers import (
    AUTH_SCHEMES,
    DEFAULT_SLUG,
    PROJECT_TEMPLATE,
    QUESTIONS,
    TOOLS_BIN,
    rendered_text_files,
    run,
)

GENERATOR_TEMPLATE = Path(DEFAULT_SLUG) / "openapi_template" / "main.jinja2"


def option_cases() -> list[pytest.param]:
    """The default answers, then each other value of every choice and boolean question."""
    cases = [pytest.param({}, id="default")]
    for question, default in QUESTIONS.items():
        if question.startswith("_"):
            continue
        if isinstance(default, list):
            others = default[1:]
        elif isinstance(default, bool):
            others = [not default]
        else:
            continue
        cases += [pytest.param({question: value}, id=f"{question}={value}") for value in others]
    return cases


@pytest.mark.parametrize("answers", option_cases())
def test_option_renders_a_clean_project(
    render: Render,
    project_python: Path,
    mypy_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    answers: dict[str, object],
) -> None:
    # Setup choices other than "skip" install (with uv) and may test; a failed step fails here.
    monkeypatch.setenv("PATH", f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TEMPLATE_SETUP_STRICT", "1")
    project = render(**answers)

    for path in rendered_text_files(project):
        text = path.read_text()
        if path.relative_to(project) == GENERATOR_TEMPLATE:
            # The API client's code template keeps fastapi-code-generator's own tags.
            assert "cookiecutter" not in text
            continue
        assert "{{" not in text and "{%" not in text, f"unrendered Jinja in {path}"
        if path.suffix == ".py":
            py_compile.compile(str(path), doraise=True)
    for command in (
        [str(project_python), "-m", "ruff", "check", "--no-cache", "."],
        [str(project_python), "-m", "ruff", "format", "--no-cache", "--check", "."],
        [
            str(project_python),
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(mypy_cache),
            DEFAULT_SLUG,
            "tests",
        ],
    ):
        result = run(command, project)
        assert result.returncode == 0, result.stdout + result.stderr


def test_python_version_reaches_every_tool_target(render: Render) -> None:
    project = render(python_version="3.12")

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["tool"]["ruff"]["target-version"] == "py312"
    assert pyproject["tool"]["mypy"]["python_version"] == "3.12"
    # The interpreter running the hook must still be able to install the project.
    assert pyproject["project"]["requires-python"] == ">=3.10"
    devcontainer = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())
    assert devcontainer["image"].endswith(":1-3.12-bookworm")
    assert 'python-version: "3.12"' in (project / ".github" / "workflows" / "test.yml").read_text()


def test_no_devcontainer_leaves_no_devcontainer_folder(render: Render) -> None:
    project = render(use_devcontainer=False)

    assert not (project / ".devcontainer").exists()
    assert (project / "pyproject.toml").exists()


@pytest.mark.parametrize("scheme", AUTH_SCHEMES)
def test_chosen_scheme_is_only_the_default_in_env_files_which_declare_every_credential(
    render: Render, scheme: str
) -> None:
    project = render(weather_api_auth=scheme)

    # The scheme is a setting: every credential variable is there to switch to by editing .env.
    credentials = [f"WEATHER_API_{part}" for part in ("KEY", "TOKEN", "USERNAME", "PASSWORD")]
    for env_file in (".env.example", ".env"):
        lines = (project / env_file).read_text().splitlines()
        assert f"WEATHER_API_AUTH={scheme}" in lines
        assert [line for line in lines if line.split("=")[0] in credentials] == [
            f"{variable}=" for variable in credentials
        ]
    env_example = (project / ".env.example").read_text()
    for variable in ["OPENAI_API_KEY", "OPENAI_BASE_URL", "LLM_MODEL"]:
        assert f"\n{variable}=" in env_example
    secrets = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())["secrets"]
    assert sorted(secrets) == sorted(["OPENAI_API_KEY", *credentials])


def test_scheme_answer_changes_no_code_or_test(render: Render) -> None:
    first, second = render(weather_api_auth="api_key_header"), render(weather_api_auth="none")

    # Only the .env files (the default), the README (which names it) and the answers differ.
    differing = {
        str(path.relative_to(first))
        for path in first.rglob("*")
        if path.is_file() and ".git" not in path.parts
        if path.read_bytes() != (second / path.relative_to(first)).read_bytes()
    }
    assert differing <= {".env", ".env.example", "README.md", ".cruft.json"}


def test_secrets_file_is_ignored_and_starts_empty(render: Render) -> None:
    project = render()

    assert ".env" in (project / ".gitignore").read_text().splitlines()
    ignored = run(["git", "check-ignore", ".env"], project)
    assert ignored.returncode == 0, ".env must be git-ignored"

    def without_signing_key(path: Path) -> list[str]:
        lines = path.read_text().splitlines()
        return [line for line in lines if not line.startswith("JWT_SECRET_KEY=")]

    assert without_signing_key(project / ".env") == without_signing_key(project / ".env.example")
    assert (project / ".env").stat().st_mode & 0o077 == 0, ".env must be private to its owner"


def test_console_only_project_has_no_service(render: Render) -> None:
    project = render(service="none")

    assert not (project / DEFAULT_SLUG / "api").exists()
    assert not (project / "tests" / "api").exists()
    pyproject = (project / "pyproject.toml").read_text()
    for service_dependency in (
        "pyjwt",
        "pwdlib",
        "sqlalchemy",
        "fastapi,server",
    ):
        assert service_dependency not in pyproject
    # The console script stays (`openapi`), without the service's `users` commands.
    assert f'{DEFAULT_SLUG} = "{DEFAULT_SLUG}.cli:main"' in pyproject
    assert "add_user_commands" not in (project / DEFAULT_SLUG / "cli.py").read_text()
    assert "JWT_SECRET_KEY" not in (project / ".env").read_text()
    assert "uvicorn" not in (project / "README.md").read_text()
    assert not (project / "docs").exists()  # the chat page's picture


def test_readme_picture_is_copied_unrendered(render: Render) -> None:
    picture = Path("docs") / "chat.png"

    copied = (render() / picture).read_bytes()

    assert copied == (PROJECT_TEMPLATE / picture).read_bytes()


def test_service_project_gets_a_private_signing_key(render: Render) -> None:
    project = render()

    env = dict(
        line.split("=", 1) for line in (project / ".env").read_text().splitlines() if "=" in line
    )
    assert len(env["JWT_SECRET_KEY"]) >= 48
    assert "JWT_SECRET_KEY=\n" in (project / ".env.example").read_text()
    assert (project / DEFAULT_SLUG / "service" / "app.py").exists()
