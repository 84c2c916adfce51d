"""Two versions of this template in a git repository, and a project with a local edit: what the
copier and cruft update tests start from."""

import os
import shutil
from pathlib import Path

from .helpers import NOT_RENDERED, QUESTIONS, TEMPLATE_DIR, run

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.invalid",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.invalid",
}
V2_SECTION = "## Added in template v2\n"
LOCAL_EDIT = "My own words about this agent."


def git(cwd: Path, *arguments: str) -> str:
    result = run(["git", *arguments], cwd, env={**os.environ, **GIT_IDENTITY})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def make_template_repository(repository: Path) -> Path:
    """This template's working tree as a git repository: tag v1, then v2 adds a README section."""
    shutil.copytree(TEMPLATE_DIR, repository, ignore=shutil.ignore_patterns(".git", *NOT_RENDERED))
    git(repository, "init", "--quiet")
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "-m", "Template v1")
    git(repository, "tag", "v1")
    readme = repository / "{{cookiecutter.__project_dir}}" / "README.md"
    readme.write_text(readme.read_text() + "\n" + V2_SECTION)
    git(repository, "commit", "--quiet", "--all", "-m", "Template v2")
    git(repository, "tag", "v2")
    return repository


def commit_generated_project(project: Path) -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Generated from template v1")


def edit_description(project: Path) -> None:
    """A local edit near the top of the README, far from where v2 adds its section."""
    readme = project / "README.md"
    description = QUESTIONS["description"]
    assert f"\n{description}\n" in readme.read_text()
    readme.write_text(readme.read_text().replace(description, LOCAL_EDIT))
    git(project, "commit", "--quiet", "--all", "-m", "Local edit")


def changed_paths(project: Path) -> set[str]:
    """What `git status` lists: changed, added, deleted and untracked paths."""
    return {line[3:] for line in git(project, "status", "--porcelain").splitlines()}


def assert_update_merged(project: Path) -> None:
    readme = (project / "README.md").read_text()
    assert readme.endswith(V2_SECTION), "the template's change did not arrive"
    assert LOCAL_EDIT in readme, "the local edit was lost"
    assert "<<<<<<<" not in readme
