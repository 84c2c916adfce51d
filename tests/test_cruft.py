"""A cookiecutter project records its answers for cruft, and `cruft update` brings a later
template version into it cleanly: no `cruft link`, no secret changed, no stray file."""

import json
import os
from pathlib import Path

import pytest

from .helpers import CRUFT_FILE, run, tool
from .template_versions import (
    GIT_IDENTITY,
    assert_update_merged,
    changed_paths,
    commit_generated_project,
    edit_description,
    git,
    make_template_repository,
)


@pytest.fixture(scope="module")
def template_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template_repository(tmp_path_factory.mktemp("template") / "repository")


def cookiecutter(template: str, output: Path, *arguments: str) -> Path:
    """Cookiecutter run as from a shell in the folder above `output`."""
    folder = output.parent
    result = run(
        [tool("cookiecutter"), "--no-input", "-o", str(output), template, *arguments],
        folder,
        env={
            **os.environ,
            "PWD": str(folder),  # a shell sets it; subprocess's cwd does not
            # Cookiecutter clones a template URL into its own folder: one per test.
            "COOKIECUTTER_CONFIG": str(cookiecutter_config(folder)),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (project,) = output.iterdir()
    return project


def cookiecutter_config(folder: Path) -> Path:
    config = folder / "cookiecutter-config.yaml"
    config.write_text(
        f"cookiecutters_dir: {folder / 'cookiecutters'}\nreplay_dir: {folder / 'replay'}\n"
    )
    return config


def cruft_record(project: Path) -> dict[str, object]:
    return dict(json.loads((project / CRUFT_FILE).read_text()))


def test_project_records_its_answers_and_the_template_commit(
    template_repository: Path, tmp_path: Path
) -> None:
    template = tmp_path / "template"
    git(tmp_path, "clone", "--quiet", "--branch", "v1", str(template_repository), str(template))

    # Typed relative to the shell's folder, which the hook does not run in.
    project = cookiecutter(
        "template",
        tmp_path / "out",
        "post_generation_setup=skip",
        "weather_api_auth=http_bearer",
        "license=Apache-2.0",
    )

    record = cruft_record(project)
    assert record["template"] == str(template)
    assert record["commit"] == git(template_repository, "rev-parse", "v1^{commit}").strip()
    # The answers given, not the template's defaults (what `cruft link --no-input` records).
    answers = record["context"]["cookiecutter"]  # type: ignore[index]
    assert answers["weather_api_auth"] == "http_bearer"
    assert answers["license"] == "Apache-2.0"
    assert record["skip"] == [".env"]


def test_template_from_a_url_is_recorded_by_its_url(
    template_repository: Path, tmp_path: Path
) -> None:
    url = template_repository.as_uri()

    # Cookiecutter's form for a git URL; cruft clones the plain URL.
    project = cookiecutter(
        f"git+{url}", tmp_path / "out", "--checkout", "v1", "post_generation_setup=skip"
    )

    record = cruft_record(project)
    assert record["template"] == url
    assert record["checkout"] == "v1"
    assert record["commit"] == git(template_repository, "rev-parse", "v1^{commit}").strip()


def test_cruft_update_brings_v2_keeps_local_edits_and_secrets(
    template_repository: Path, tmp_path: Path
) -> None:
    project = cookiecutter(
        f"git+{template_repository.as_uri()}",
        tmp_path / "out",
        "--checkout",
        "v1",
        "post_generation_setup=skip",
    )
    commit_generated_project(project)
    edit_description(project)
    env_file = (project / ".env").read_bytes()

    result = run(
        [tool("cruft"), "update", "--skip-apply-ask"],
        project,
        env={**os.environ, **GIT_IDENTITY},
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert_update_merged(project)
    assert changed_paths(project) == {"README.md", CRUFT_FILE}
    assert (project / ".env").read_bytes() == env_file, "the update changed a secret"
    assert cruft_record(project)["commit"] == git(template_repository, "rev-parse", "v2").strip()
    # cruft's own line is the summary: its scratch renders print nothing of the hook's.
    assert "Project's cruft has been updated" in output
    assert "Ready" not in output and "Next:" not in output
