"""Finish the rendered project: prune unselected parts, write .env, git init, install, test.

Cookiecutter runs this in the new project folder with the answers rendered in below; copier runs
it as a task with the answers as JSON in argv[1] and the operation ("copy", "update") in argv[2].
Updates run it on throwaway renders too: copier renders the old and the new template version
into scratch folders, cruft does the same for `cruft update` and `cruft diff`. There it only
prunes, so that the diff between two renders holds template changes and nothing else (no .env
with a fresh key, no .git, no install). A failing setup step never deletes the project: it says
what failed and the command to retry. Set TEMPLATE_SETUP_STRICT=1 to make such failures fatal
(the template's CI).
"""

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Files and folders that exist only for some answers (cookiecutter cannot skip folders by name),
# by their path in the template: "{project_slug}" stands for the package folder.
OPTIONAL_PATHS: dict[str, Callable[[dict[str, object]], bool]] = {
    ".devcontainer": lambda answers: bool(answers["use_devcontainer"]),
    "{project_slug}/service": lambda answers: answers["service"] == "fastapi_oauth2",
    # `<slug> demo` serves the service; the stand-ins beside it (demo/llm.py...) serve the tests.
    "{project_slug}/demo/command.py": lambda answers: answers["service"] == "fastapi_oauth2",
    "{project_slug}/demo/run.py": lambda answers: answers["service"] == "fastapi_oauth2",
    "{project_slug}/demo/servers.py": lambda answers: answers["service"] == "fastapi_oauth2",
    "tests/service": lambda answers: answers["service"] == "fastapi_oauth2",
    "tests/utils/accounts.py": lambda answers: answers["service"] == "fastapi_oauth2",
    "tests/utils/demo.py": lambda answers: answers["service"] == "fastapi_oauth2",
    "tests/utils/postgres.py": lambda answers: answers["service"] == "fastapi_oauth2",
    "tests/utils/service_processes.py": lambda answers: answers["service"] == "fastapi_oauth2",
    "tests/utils/websocket_client.py": lambda answers: answers["service"] == "fastapi_oauth2",
    # The container image and compose file serve the service: console-only projects have none.
    "docker": lambda answers: answers["service"] == "fastapi_oauth2",
    ".dockerignore": lambda answers: answers["service"] == "fastapi_oauth2",
    "compose.yaml": lambda answers: answers["service"] == "fastapi_oauth2",
    # The README's picture of the service's chat page.
    "docs": lambda answers: answers["service"] == "fastapi_oauth2",
    # Proprietary code ships no license: all rights reserved.
    "LICENSE": lambda answers: answers["license"] != "Proprietary",
}
STRICT_VARIABLE = "TEMPLATE_SETUP_STRICT"
# What cruft reads to update a project; `cruft create` writes it, cookiecutter does not.
CRUFT_FILE = ".cruft.json"


def load_answers() -> dict[str, object]:
    """Copier passes the answers as JSON in argv[1]; cookiecutter renders them in below."""
    if len(sys.argv) > 1:
        return dict(json.loads(sys.argv[1]))
    return dict(json.loads(r"""{{ cookiecutter | tojson }}"""))


def paths_to_remove(answers: dict[str, object]) -> list[str]:
    return [
        path.format(project_slug=answers["project_slug"])
        for path, wanted in OPTIONAL_PATHS.items()
        if not wanted(answers)
    ]


def prune(project: Path, answers: dict[str, object]) -> None:
    for name in paths_to_remove(answers):
        path = project / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def git_output(folder: Path, *arguments: str) -> str | None:
    """What a git command prints in `folder`; None when git is missing or the command fails."""
    git = shutil.which("git")
    if git is None:
        return None
    result = subprocess.run(
        [git, *arguments], cwd=folder, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else None


def is_scratch_render(project: Path, answers: dict[str, object], updating: bool) -> bool:
    """Whether `project` is a render an update tool diffs and deletes, not one someone keeps.

    Cruft, the only tool that puts `_commit` in the answers, renders both template versions for
    `cruft update` and `cruft diff` into fresh temporary folders (tempfile's tmpXXXXXXXX), and
    `cruft create` where the user asked. `copier update` works only in a git project with every
    file committed, and renders its two scratch copies into folders git does not track.
    """
    if "_commit" in answers:
        scratch = project.resolve().parent
        return scratch.parent == Path(tempfile.gettempdir()).resolve() and bool(
            re.fullmatch(r"tmp[a-z0-9_]{8}", scratch.name)
        )
    if updating:
        return not git_output(project, "ls-files", "--", ".")
    return False


def template_folder(answers: dict[str, object]) -> Path | None:
    """The folder cookiecutter rendered from (`_repo_dir`): a local template as typed, or its
    clone of a template URL. None when a relative path cannot be placed."""
    typed = Path(str(answers["_repo_dir"]))
    if typed.is_absolute():
        return typed.resolve()
    # Relative to the folder cookiecutter ran in, which is not this hook's: a shell's PWD names
    # it, and so does the output folder when none was given.
    for base in (os.environ.get("PWD"), str(answers["_output_dir"])):
        if base and (Path(base) / typed / "cookiecutter.json").is_file():
            return (Path(base) / typed).resolve()
    return None


def template_origin(answers: dict[str, object]) -> tuple[str, str | None]:
    """Where cruft finds the template again, and its commit when it is a git repository."""
    folder = template_folder(answers)
    if folder is None:
        return str(answers["_template"]), None
    top_level = git_output(folder, "rev-parse", "--show-toplevel")
    is_repository = top_level is not None and Path(top_level).resolve() == folder
    commit = git_output(folder, "rev-parse", "HEAD") if is_repository else None
    if answers["_template"] == answers["_repo_dir"]:  # a local folder, not a clone
        return str(folder), commit
    # A clone of the URL typed (or of what a gh: abbreviation stands for).
    url = git_output(folder, "remote", "get-url", "origin") if is_repository else None
    return url or str(answers["_template"]), commit


def write_cruft_file(project: Path, answers: dict[str, object]) -> None:
    """Record the answers as `cruft create` would, so `cruft update` works without `cruft link`
    (which records the template's defaults, not the answers this project was made with)."""
    template, commit = template_origin(answers)
    chosen = {name: value for name, value in answers.items() if not name.startswith("_")}
    record = {
        "template": template,
        "commit": commit,
        "checkout": answers["_checkout"],
        "context": {"cookiecutter": {**chosen, "_template": template, "_commit": commit}},
        "directory": None,
        # Never diffed nor patched, whatever a render holds: the project's own secrets.
        "skip": [".env"],
    }
    # cruft's own layout, so that its rewrite after each update changes only what changed.
    text = json.dumps(record, ensure_ascii=False, indent=2, separators=(",", ": "))
    (project / CRUFT_FILE).write_text(text + "\n")


def write_env_file(project: Path) -> None:
    """Start .env from .env.example, with a fresh JWT signing key; an existing .env is kept."""
    env_file = project / ".env"
    if env_file.exists():
        return
    lines = (project / ".env.example").read_text().splitlines(keepends=True)
    env_file.touch(mode=0o600)
    env_file.write_text(
        "".join(
            f"JWT_SECRET_KEY={secrets.token_urlsafe(48)}\n" if line == "JWT_SECRET_KEY=\n" else line
            for line in lines
        )
    )


def venv_python(project: Path) -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return project / ".venv" / scripts / ("python.exe" if os.name == "nt" else "python")


def base_interpreter(python_version: str) -> str:
    """The chosen Python when it is installed and runs, else the one running this hook."""
    candidate = shutil.which(f"python{python_version}")
    # A pyenv shim is on PATH even when that version is not selected, and then fails.
    if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
        return candidate
    print(f"   Python {python_version} not found: the venv uses {sys.executable}", flush=True)
    return sys.executable


def fetch_uv(scratch: Path) -> str | None:
    """uv from PyPI into `scratch`, for this setup only: pip alone resolves and installs the
    project's dependencies about ten times slower. None (and pip is used) when that fails."""
    print("-> fetch uv from PyPI (used for this setup only) ...", flush=True)
    started = time.monotonic()
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # Never build uv from source: that needs Rust and takes longer than pip would.
    command += ["--only-binary=:all:", "--target", str(scratch), "uv"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    found = sorted(scratch.glob("bin/uv")) + sorted(scratch.glob("Scripts/uv.exe"))
    if result.returncode != 0 or not found:
        reason = (result.stderr.strip().splitlines() or ["no uv program in the download"])[-1]
        print(f"   could not fetch uv ({reason}): installing with pip instead", flush=True)
        return None
    print(f"   done in {time.monotonic() - started:.1f} s", flush=True)
    return str(found[0])


def setup_commands(
    project: Path, answers: dict[str, object], uv: str | None
) -> list[tuple[str, list[str]]]:
    """The named setup steps the answers ask for, run in the project folder with uv if given."""
    choice = answers["post_generation_setup"]
    if choice == "skip":
        return []
    python = base_interpreter(str(answers["python_version"]))
    venv = str(venv_python(project))
    if uv:
        # --seed puts pip in the venv too, for users who go on with pip. uv.lock pins every
        # version installed here; committed, it gives a clone and CI the same (`uv sync --locked`).
        steps = [
            (
                "create .venv (uv)",
                [uv, "venv", "--quiet", "--seed", "--allow-existing", "--python", python, ".venv"],
            ),
            ("lock the dependencies (uv.lock)", [uv, "lock", "--quiet"]),
            ("install the project (uv)", [uv, "sync", "--quiet", "--locked", "--extra", "dev"]),
        ]
    else:
        steps = [
            ("create .venv", [python, "-m", "venv", ".venv"]),
            (
                "install the project (pip)",
                [venv, "-m", "pip", "install", "--quiet", "-e", ".[dev]"],
            ),
        ]
    if choice == "install_and_test":
        # The smoke tests show that the project works on this machine: the weather workflow
        # offline, the service through a workflow, the console. The whole suite tests the code,
        # which the template's CI does for every option; it is one command away (the summary).
        # One process: for three tests, starting parallel workers costs more than it saves.
        tests = [venv, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "smoke", "-n", "0"]
        steps.append(("run the smoke tests", tests))
    return steps


def shell_line(command: list[str]) -> str:
    return subprocess.list2cmdline(command) if os.name == "nt" else shlex.join(command)


def retry_command(command: list[str], fetched_uv: str | None) -> str:
    """The command to retry a step by hand; a uv fetched for the setup is gone by then."""
    if fetched_uv and command[0] == fetched_uv:
        return "python3 -m pip install uv && " + shell_line(["uv", *command[1:]])
    return shell_line(command)


def run_step(name: str, command: list[str], cwd: Path, retry: str | None = None) -> bool:
    """Run one step, print how long it took; on failure print its output and the retry command."""
    started = time.monotonic()
    print(f"-> {name} ...", flush=True)
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        output, ok = result.stdout + result.stderr, result.returncode == 0
    except OSError as error:
        output, ok = str(error), False
    elapsed = time.monotonic() - started
    if ok:
        print(f"   done in {elapsed:.1f} s", flush=True)
        return True
    print(output.rstrip()[-4000:], file=sys.stderr)
    print(
        f"   FAILED after {elapsed:.1f} s: {name}. Your project is intact in {cwd}.\n"
        f"   Retry with: cd {cwd} && {retry or shell_line(command)}",
        file=sys.stderr,
        flush=True,
    )
    return False


def git_init(project: Path) -> bool:
    if (project / ".git").exists():
        return True
    git = shutil.which("git")
    if git is None:
        print("   git not found: skipped `git init`", file=sys.stderr)
        return True
    return run_step("git init", [git, "init", "--quiet"], project)


def summary(project: Path, answers: dict[str, object], ok: bool) -> str:
    slug = answers["project_slug"]
    lines = [
        "",
        f"{'Ready' if ok else 'Generated, but setup did not finish'}: {project}",
        "Next:",
        f"  cd {project}",
    ]
    setup = answers["post_generation_setup"]
    if setup == "skip":
        lines.append('  python3 -m venv .venv && .venv/bin/pip install -e ".[dev]"')
    if answers["service"] == "fastapi_oauth2":
        lines.append(f"  .venv/bin/{slug} demo    (try it first: no keys needed, no LLM involved)")
    lines.append("  edit .env (OPENAI_API_KEY and the weather API credential)")
    # The hooks check what a commit adds: installed before the first commit, they would check
    # every generated file at once and block it.
    lines += [
        '  git add -A && git commit -m "Initial commit"',
        "  .venv/bin/pre-commit install",
    ]
    left_out = "   (the whole suite: setup ran the smoke tests only)"
    lines += [
        f"  .venv/bin/pytest{left_out if setup == 'install_and_test' else ''}",
        f"  .venv/bin/fastagency run {slug}/main.py",
    ]
    if answers["service"] == "fastapi_oauth2":
        lines += [
            f"  .venv/bin/{slug} db upgrade",
            f"  .venv/bin/{slug} users create <name> --role admin",
            f"  .venv/bin/uvicorn --factory {slug}.service.app:create_app --port 8000",
        ]
    return "\n".join(lines)


def update_summary(project: Path) -> str:
    return "\n".join(
        [
            "",
            f"Template update merged into {project}",
            "Next:",
            f"  cd {project}",
            "  git status && git diff    (resolve any conflict marked <<<<<<<)",
            '  git add -A && git commit -m "Update from the template"',
            "  uv sync --extra dev    (if pyproject.toml changed: updates uv.lock and .venv)",
        ]
    )


def main() -> int:
    answers = load_answers()
    updating = sys.argv[2:3] == ["update"]
    project = Path.cwd()
    prune(project, answers)
    if is_scratch_render(project, answers, updating):
        return 0
    write_env_file(project)
    if updating:
        print(update_summary(project))
        return 0
    if "_repo_dir" in answers:  # rendered by cookiecutter, which records nothing itself
        write_cruft_file(project, answers)
    ok = git_init(project)
    with tempfile.TemporaryDirectory(prefix="uv-for-setup-") as scratch:
        uv = fetched_uv = None
        if answers["post_generation_setup"] != "skip":
            uv = shutil.which("uv") or (fetched_uv := fetch_uv(Path(scratch)))
        for name, command in setup_commands(project, answers, uv):
            ok = ok and run_step(name, command, project, retry_command(command, fetched_uv))
    print(summary(project, answers, ok))
    strict = os.environ.get(STRICT_VARIABLE) == "1"
    return 1 if strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
