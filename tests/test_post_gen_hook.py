"""The post-generation hook: pruning from one manifest, .env, setup steps and their failures."""

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from .conftest import Render
from .helpers import TEMPLATE_DIR, TOOLS_BIN, answers, load_hook, run, tool

post_gen = load_hook("post_gen_project")
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.__project_dir}}"


def test_every_optional_path_exists_in_the_template() -> None:
    for path in post_gen.OPTIONAL_PATHS:
        in_template = path.format(project_slug="{{cookiecutter.project_slug}}")
        assert (PROJECT_TEMPLATE / in_template).exists(), f"the manifest names a missing {path}"


@pytest.mark.parametrize(
    ("choices", "removed"),
    [
        ({}, []),
        ({"use_devcontainer": False}, [".devcontainer"]),
        (
            {"service": "none"},
            [
                "weather_agent/service",
                "weather_agent/demo/command.py",
                "weather_agent/demo/run.py",
                "weather_agent/demo/servers.py",
                "tests/service",
                "tests/utils/accounts.py",
                "tests/utils/demo.py",
                "tests/utils/postgres.py",
                "tests/utils/service_processes.py",
                "tests/utils/websocket_client.py",
                "docker",
                ".dockerignore",
                "compose.yaml",
                "docs",
            ],
        ),
        ({"license": "Proprietary"}, ["LICENSE"]),
        ({"license": "Apache-2.0"}, []),
    ],
)
def test_paths_to_remove_follow_the_answers(choices: dict[str, object], removed: list[str]) -> None:
    assert post_gen.paths_to_remove(answers(**choices)) == removed


def test_prune_removes_only_unselected_paths_and_can_run_again(tmp_path: Path) -> None:
    (tmp_path / ".devcontainer").mkdir()
    (tmp_path / ".devcontainer" / "devcontainer.json").write_text("{}")
    (tmp_path / "LICENSE").write_text("")
    (tmp_path / "pyproject.toml").write_text("")

    for _ in range(2):  # copier runs tasks more than once during an update
        post_gen.prune(tmp_path, answers(use_devcontainer=False, license="Proprietary"))

    assert sorted(path.name for path in tmp_path.iterdir()) == ["pyproject.toml"]


def test_env_file_starts_from_the_example_and_is_private(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("OPENAI_API_KEY=\n")

    post_gen.write_env_file(tmp_path)

    assert (tmp_path / ".env").read_text() == "OPENAI_API_KEY=\n"
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_env_file_gets_a_fresh_signing_key_per_project(tmp_path: Path) -> None:
    keys = []
    for project in (tmp_path / "one", tmp_path / "two"):
        project.mkdir()
        (project / ".env.example").write_text("ENVIRONMENT=development\nJWT_SECRET_KEY=\n")
        post_gen.write_env_file(project)
        lines = (project / ".env").read_text().splitlines()
        assert lines[0] == "ENVIRONMENT=development"
        keys.append(lines[1].removeprefix("JWT_SECRET_KEY="))

    assert all(len(key) >= 48 for key in keys)
    assert keys[0] != keys[1]


def test_existing_env_file_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("OPENAI_API_KEY=\n")
    (tmp_path / ".env").write_text("OPENAI_API_KEY=users-own-value\n")

    post_gen.write_env_file(tmp_path)

    assert (tmp_path / ".env").read_text() == "OPENAI_API_KEY=users-own-value\n"


def step_names(choice: str, uv: str | None) -> list[str]:
    commands = post_gen.setup_commands(Path("/project"), answers(post_generation_setup=choice), uv)
    return [name for name, _ in commands]


def test_setup_steps_follow_the_choice() -> None:
    assert step_names("skip", uv="/bin/uv") == []
    assert step_names("install_only", uv="/bin/uv") == [
        "create .venv (uv)",
        "lock the dependencies (uv.lock)",
        "install the project (uv)",
    ]
    assert step_names("install_and_test", uv="/bin/uv")[-1] == "run the smoke tests"


def test_pip_is_used_without_uv() -> None:
    assert step_names("install_only", uv=None) == ["create .venv", "install the project (pip)"]


def test_uv_is_fetched_into_the_given_folder(tmp_path: Path) -> None:
    uv = post_gen.fetch_uv(tmp_path)

    assert uv is not None and Path(uv).is_relative_to(tmp_path)
    assert run([uv, "--version"], tmp_path).stdout.startswith("uv ")


def test_uv_that_cannot_be_fetched_means_pip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)

    assert post_gen.fetch_uv(tmp_path / "scratch") is None
    assert "could not fetch uv (" in capsys.readouterr().out
    assert not list((tmp_path / "scratch").glob("**/uv"))


def test_retry_names_uv_not_the_fetched_copy_that_is_gone() -> None:
    command = ["/tmp/uv-for-setup-x/bin/uv", "pip", "install", "-e", ".[dev]"]

    assert post_gen.retry_command(command, fetched_uv=command[0]) == (
        "python3 -m pip install uv && uv pip install -e '.[dev]'"
    )
    assert post_gen.retry_command(command, fetched_uv=None).startswith("/tmp/uv-for-setup-x/")


def test_missing_python_version_falls_back_to_the_running_interpreter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    assert post_gen.base_interpreter("3.99") == sys.executable
    assert "Python 3.99 not found" in capsys.readouterr().out


def test_python_that_does_not_run_is_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shim = tmp_path / "python3.99"  # like a pyenv shim for a version that is not selected
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.99: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    assert post_gen.base_interpreter("3.99") == sys.executable


def test_installed_python_version_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "python3.99").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(tmp_path))

    assert post_gen.base_interpreter("3.99") == str(tmp_path / "python3.99")


def test_failed_step_says_what_failed_and_how_to_retry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = [sys.executable, "-c", "import sys; print('no network'); sys.exit(3)"]

    assert post_gen.run_step("install the project", command, tmp_path) is False

    err = capsys.readouterr().err
    assert "no network" in err
    assert "FAILED" in err and "install the project" in err
    assert f"Retry with: cd {tmp_path} && " in err


def test_missing_program_is_a_failed_step_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert post_gen.run_step("create .venv", [str(tmp_path / "no-such-python")], tmp_path) is False
    assert "FAILED" in capsys.readouterr().err


def offline_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No uv, and pip with no index: the install step must fail."""
    env = {key: value for key, value in os.environ.items() if key != "TEMPLATE_SETUP_STRICT"}
    env.update(
        PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin",
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        **extra,
    )
    env["PATH"] = os.pathsep.join(
        part for part in env["PATH"].split(os.pathsep) if not (Path(part) / "uv").exists()
    )
    return env


def bake_cli(tmp_path: Path, env: dict[str, str], *answers_: str) -> tuple[int, str, Path]:
    output = tmp_path / "out"
    result = run(
        [tool("cookiecutter"), "--no-input", "-o", str(output), str(TEMPLATE_DIR), *answers_],
        tmp_path,
        env=env,
    )
    return result.returncode, result.stdout + result.stderr, output / "weather_agent"


def test_failed_install_keeps_the_project_and_prints_the_retry(tmp_path: Path) -> None:
    code, output, project = bake_cli(
        tmp_path, offline_env(tmp_path), "post_generation_setup=install_only"
    )

    assert code == 0
    assert "could not fetch uv" in output
    assert "FAILED" in output and "install the project (pip)" in output
    assert "Retry with: cd " in output
    assert "Generated, but setup did not finish" in output
    assert (project / "pyproject.toml").exists() and (project / ".env").exists()


def test_strict_mode_makes_a_failed_install_fatal(tmp_path: Path) -> None:
    code, output, _ = bake_cli(
        tmp_path,
        offline_env(tmp_path, TEMPLATE_SETUP_STRICT="1"),
        "post_generation_setup=install_only",
    )

    assert code != 0
    assert "FAILED" in output


def test_install_only_installs_without_running_tests(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"}
    code, output, project = bake_cli(tmp_path, env, "post_generation_setup=install_only")

    assert code == 0, output
    assert "install the project (uv)" in output and "run the smoke tests" not in output
    imported = run(
        [str(project / ".venv" / "bin" / "python"), "-c", "import weather_agent"], project
    )
    assert imported.returncode == 0, imported.stderr


def test_hook_is_idempotent_with_answers_as_json(render: Render) -> None:
    project = render(use_devcontainer=False)
    (project / ".env").write_text("OPENAI_API_KEY=kept\n")
    context = json.dumps(answers(use_devcontainer=False, post_generation_setup="skip"))

    for _ in range(3):
        result = run(
            [sys.executable, str(TEMPLATE_DIR / "hooks" / "post_gen_project.py"), context], project
        )
        assert result.returncode == 0, result.stderr

    assert (project / ".env").read_text() == "OPENAI_API_KEY=kept\n"
    assert not (project / ".devcontainer").exists()
    assert (project / ".git").is_dir()


@pytest.mark.parametrize("service", ["fastapi_oauth2", "none"])
def test_summary_gives_the_next_commands(service: str) -> None:
    text = post_gen.summary(Path("/p"), answers(service=service), ok=True)

    assert "Ready: /p" in text and ".venv/bin/pytest   (the whole suite" in text
    # Hooks installed before the first commit would check every generated file and block it.
    lines = text.splitlines()
    commit = lines.index('  git add -A && git commit -m "Initial commit"')
    assert lines[commit + 1] == "  .venv/bin/pre-commit install"
    assert ("users create <name> --role admin" in text) is (service == "fastapi_oauth2")
    # The demo needs no keys: it comes before editing .env.
    demo = "  .venv/bin/weather_agent demo    (try it first: no keys needed, no LLM involved)"
    assert (demo in lines) is (service == "fastapi_oauth2")
    if service == "fastapi_oauth2":
        assert lines.index(demo) < lines.index(
            "  edit .env (OPENAI_API_KEY and the weather API credential)"
        )
    serve = "uvicorn --factory weather_agent.service.app:create_app"
    assert (serve in text) is (service == "fastapi_oauth2")


def test_template_folder_outside_git_is_recorded_without_a_commit(tmp_path: Path) -> None:
    template = tmp_path / "template"
    template.mkdir()
    (template / "cookiecutter.json").write_text("{}")
    typed = {"_template": str(template), "_repo_dir": str(template), "_output_dir": "/out"}

    assert post_gen.template_origin(answers(**typed)) == (str(template), None)


def test_relative_template_is_placed_from_the_shells_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "template").mkdir()
    (tmp_path / "template" / "cookiecutter.json").write_text("{}")
    typed = {"_template": "template", "_repo_dir": "template", "_output_dir": "/elsewhere"}

    monkeypatch.setenv("PWD", str(tmp_path))
    assert post_gen.template_folder(answers(**typed)) == tmp_path / "template"
    # Neither the shell's folder nor the output folder holds it: nothing is guessed.
    monkeypatch.setenv("PWD", "/")
    assert post_gen.template_folder(answers(**typed)) is None
