"""Copier asks cookiecutter's questions, renders the same project from the same files, refuses the
same answers, and brings later template versions into a project that has local edits."""

import keyword
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config
from copier import run_copy
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from .helpers import (
    ANSWERS_FILE,
    AUTH_SCHEMES,
    COPIER_CONFIG,
    CRUFT_FILE,
    QUESTION_NAMES,
    QUESTIONS,
    TEMPLATE_DIR,
    TOOLS_BIN,
    answers,
    copier_copy,
    load_hook,
    project_tree,
    run,
    tool,
)
from .template_versions import (
    GIT_IDENTITY,
    LOCAL_EDIT,
    V2_SECTION,
    assert_update_merged,
    changed_paths,
    commit_generated_project,
    edit_description,
    git,
    make_template_repository,
)

pre_gen = load_hook("pre_gen_project")
PROMPTS = QUESTIONS["__prompts__"]
COPIER_QUESTIONS = {
    name: spec
    for name, spec in COPIER_CONFIG.items()
    if not name.startswith("_") and spec.get("when") is not False
}


def cookiecutter_cli(
    output: Path, *answers_: str, template: Path = TEMPLATE_DIR, **kwargs: Any
) -> Path:
    result = run(
        [tool("cookiecutter"), "--no-input", "-o", str(output), str(template), *answers_],
        output.parent,
        **kwargs,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (project,) = output.iterdir()
    return project


def assert_same_project(copier_project: Path, cookiecutter_project: Path) -> None:
    copier_tree, cookiecutter_tree = (
        project_tree(copier_project),
        project_tree(cookiecutter_project),
    )
    assert sorted(copier_tree) == sorted(cookiecutter_tree)
    for path, content in copier_tree.items():
        assert content == cookiecutter_tree[path], f"{path} differs between copier and cookiecutter"


# One source of truth for the questions: copier.yml restates cookiecutter.json field by field.


def test_copier_asks_the_cookiecutter_questions_in_order() -> None:
    assert list(COPIER_QUESTIONS) == QUESTION_NAMES


@pytest.mark.parametrize("name", QUESTION_NAMES)
def test_question_has_the_same_default_help_and_choices(name: str) -> None:
    cookiecutter_default, prompt, question = QUESTIONS[name], PROMPTS[name], COPIER_QUESTIONS[name]

    if isinstance(cookiecutter_default, list):
        assert question["type"] == "str"
        assert list(question["choices"].values()) == cookiecutter_default
        assert list(question["choices"]) == [prompt[value] for value in cookiecutter_default]
        assert question["default"] == cookiecutter_default[0]
        assert question["help"] == prompt["__prompt__"]
    elif isinstance(cookiecutter_default, bool):
        assert question["type"] == "bool"
        assert question["default"] is cookiecutter_default
        assert question["help"] == prompt
    else:
        assert question["type"] == "str"
        # Copier renders defaults with the answers as top-level names.
        assert question["default"] == cookiecutter_default.replace("cookiecutter.", "")
        assert question["help"] == prompt


def test_computed_cookiecutter_variable_holds_every_answer_and_private_value() -> None:
    computed = COPIER_CONFIG["cookiecutter"]
    private = [name for name in QUESTIONS if name.startswith("__") and name != "__prompts__"]

    assert computed["when"] is False and computed["type"] == "json"
    for name in [*QUESTION_NAMES, *private]:
        assert f'"{name}": ' in computed["default"], f"cookiecutter.{name} is missing"


def copier_answers(destination: Path, **data: object) -> dict[str, Any]:
    """The `cookiecutter` variable copier computes for these answers (nothing written)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no git tags", "dirty template"
        worker = run_copy(
            str(TEMPLATE_DIR),
            str(destination),
            data=data,
            vcs_ref="HEAD",  # the files under test, not the newest tag
            defaults=True,
            unsafe=True,
            pretend=True,
            quiet=True,
        )
    assert not destination.exists()
    return dict(worker.answers.combined["cookiecutter"])


def cookiecutter_answers(**data: object) -> dict[str, Any]:
    """The `cookiecutter` dict cookiecutter computes for these answers (no Jinja in them)."""
    context = generate_context(
        context_file=str(TEMPLATE_DIR / "cookiecutter.json"), extra_context=data
    )
    return dict(prompt_for_config(context, no_input=True))


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Weather Agent", "weather_agent"),
        ("  Ünïcødé Ágent 🤖 ", "ncd_gent"),
        ("2nd-Gen  Weather.Agent, v2", "nd_gen_weatheragent_v2"),
        ("🤖 ___ !!!", "weather_agent"),
        ("A" * 300, "a" * 24),
    ],
)
def test_both_tools_compute_the_same_answers_and_a_valid_slug(
    tmp_path: Path, name: str, slug: str
) -> None:
    from_copier = copier_answers(
        tmp_path / "project", project_name=name, post_generation_setup="skip"
    )
    from_cookiecutter = cookiecutter_answers(project_name=name, post_generation_setup="skip")

    assert from_copier == from_cookiecutter
    assert from_copier["project_slug"] == slug
    assert from_copier["__project_dir"] == slug
    assert pre_gen.answer_problems(from_copier) == []


# Copier has no pre-generation step: its validators refuse what the hook refuses, message for
# message. Rendered here with copier's environment (copier.yml's _envops) for hundreds of names.


def copier_environment() -> SandboxedEnvironment:
    envops = dict(COPIER_CONFIG["_envops"])
    assert envops.pop("undefined") == "jinja2.StrictUndefined"
    return SandboxedEnvironment(undefined=StrictUndefined, **envops)


REFUSED_NAMES = sorted(
    pre_gen.PROJECT_IMPORTS
    | set(sys.stdlib_module_names)
    | set(keyword.kwlist)
    | set(keyword.softkwlist)
)
OTHER_SLUGS = [
    *["", "weather/agent", "..\\agent", "1agent", "٣agent", "weather-agent", "Weather_Agent"],
    *["agënt", "a.b", "..", "x y", "weather_agent", "agent2", "my_service", "_private", "typer"],
]


def test_slug_validator_gives_the_hook_messages() -> None:
    validator = copier_environment().from_string(COPIER_QUESTIONS["project_slug"]["validator"])

    refused = 0
    for slug in [*REFUSED_NAMES, *OTHER_SLUGS]:
        hook = [
            problem
            for problem in pre_gen.answer_problems(answers(project_slug=slug))
            if problem.startswith("project_slug ")
        ]
        message = validator.render(project_slug=slug).strip()
        assert ([message] if message else []) == hook, slug
        refused += bool(message)
    assert refused >= len(REFUSED_NAMES)


@pytest.mark.parametrize("question", ["project_name", "description", "author_name"])
def test_text_validators_give_the_hook_messages(question: str) -> None:
    validator = copier_environment().from_string(COPIER_QUESTIONS[question]["validator"])

    for text in [
        "",
        "   ",
        "ok",
        "Ünïcødé 🤖 {{ 7*7 }}",
        "two\nlines",
        "tab\there",
        "bell\x07",
        "\x7f",
    ]:
        hook = [
            problem
            for problem in pre_gen.answer_problems(answers(**{question: text}))
            if problem.startswith(f"{question} ")
        ]
        message = validator.render(**{question: text}).strip()
        # The hook lists every problem; a validator shows the first.
        assert message == (hook[0] if hook else ""), repr(text)
        if "\n" in text:
            assert "control character" in message


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("project_slug=weather/agent", "project_slug 'weather/agent' contains a path separator"),
        ("project_slug=class", "project_slug 'class' is a Python keyword"),
        ("project_name=JSON", "project_slug 'json' would shadow the module 'json'"),
        ("project_name= ", "project_name is empty: give the project a name"),
        ("description=two\nlines", "description contains a line break"),
    ],
)
def test_copier_refuses_and_writes_nothing(tmp_path: Path, answer: str, message: str) -> None:
    destination = tmp_path / "project"

    result = copier_copy(destination, answer, "post_generation_setup=skip")

    assert result.returncode != 0
    assert message in result.stderr
    assert not destination.exists()


# The same project from both tools.


def test_copier_defaults_give_the_cookiecutter_project_installed_and_tested(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}",  # uv: a fast install
        "TEMPLATE_SETUP_STRICT": "1",  # a failed install or test run fails the copy
    }

    result = copier_copy(tmp_path / "copier", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "-> run the smoke tests" in output and "FAILED" not in output
    copied = tmp_path / "copier"
    assert (copied / ".venv").is_dir() and (copied / ".git").is_dir()
    # The install locked the dependencies; a render with no setup has nothing to lock yet.
    (copied / "uv.lock").unlink()
    # Cookiecutter's defaults, without its (identical) install and test run.
    assert_same_project(copied, cookiecutter_cli(tmp_path / "out", "post_generation_setup=skip"))


def option_combinations() -> list[pytest.param]:
    """Every credential scheme once, cycling through the other choices."""
    pythons = QUESTIONS["python_version"]
    return [
        pytest.param(
            {
                "weather_api_auth": scheme,
                "python_version": pythons[index % len(pythons)],
                "use_devcontainer": index % 2 == 1,
                "post_generation_setup": "skip",
            },
            id=scheme,
        )
        for index, scheme in enumerate(AUTH_SCHEMES)
    ]


@pytest.mark.parametrize("chosen", option_combinations())
def test_both_tools_render_identical_projects(tmp_path: Path, chosen: dict[str, object]) -> None:
    data = [f"{name}={str(value).lower()}" for name, value in chosen.items()]

    result = copier_copy(tmp_path / "copier", *data)

    assert result.returncode == 0, result.stderr[-4000:]
    copied = tmp_path / "copier"
    assert_same_project(copied, cookiecutter_cli(tmp_path / "out", *data))
    assert (copied / ".devcontainer").is_dir() is chosen["use_devcontainer"]
    # Only copier writes the answers file, from a template file whose name renders empty for
    # cookiecutter; it records the answers `copier update` needs.
    recorded = (copied / ANSWERS_FILE).read_text()
    assert f"weather_api_auth: {chosen['weather_api_auth']}\n" in recorded
    assert "_src_path: " in recorded and "_commit: " in recorded
    assert not (tmp_path / "out" / "weather_agent" / ANSWERS_FILE).exists()
    # Only cookiecutter's hook writes cruft's file: copier keeps its own answers file.
    assert (tmp_path / "out" / "weather_agent" / CRUFT_FILE).is_file()
    assert not (copied / CRUFT_FILE).exists()


# Updates: a git repository of the template with two versions.


@pytest.fixture(scope="module")
def template_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template_repository(tmp_path_factory.mktemp("template") / "repository")


def copier_update(project: Path, *data: str) -> str:
    """`copier update` to the newest tag; return what it printed."""
    data_options = [option for item in data for option in ("--data", item)]
    result = run(
        [tool("copier"), "update", "--trust", "--defaults", *data_options],
        project,
        env={**os.environ, **GIT_IDENTITY},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def test_update_brings_v2_keeps_local_edits_and_secrets_and_says_so_once(
    template_repository: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    result = copier_copy(
        project,
        "post_generation_setup=skip",
        options=("--vcs-ref=v1",),
        template=template_repository,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert V2_SECTION not in (project / "README.md").read_text()
    commit_generated_project(project)
    edit_description(project)
    env_file = (project / ".env").read_bytes()

    output = copier_update(project)

    assert_update_merged(project)
    assert "_commit: v2\n" in (project / ANSWERS_FILE).read_text()
    assert changed_paths(project) == {"README.md", ANSWERS_FILE}
    assert (project / ".env").read_bytes() == env_file, "the update changed a secret"
    # Copier runs the hook in two scratch renders too: only the project's run may speak.
    assert output.count("Template update merged into") == 1, output
    assert f"Template update merged into {project}\n" in output
    assert "Ready" not in output


def test_update_follows_changed_answers(template_repository: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    result = copier_copy(
        project,
        "post_generation_setup=skip",
        options=("--vcs-ref=v2",),
        template=template_repository,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    commit_generated_project(project)
    edit_description(project)

    copier_update(project, "use_devcontainer=false")
    assert not (project / ".devcontainer").exists()
    assert "use_devcontainer: false\n" in (project / ANSWERS_FILE).read_text()
    assert LOCAL_EDIT in (project / "README.md").read_text()
    git(project, "commit", "--quiet", "--all", "-m", "No devcontainer")

    copier_update(project, "use_devcontainer=true")
    assert (project / ".devcontainer" / "devcontainer.json").is_file()
    assert (project / ".devcontainer" / "setup.sh").is_file()
    assert LOCAL_EDIT in (project / "README.md").read_text()


def test_cookiecutter_project_adopts_copier_as_its_readme_says(
    template_repository: Path, tmp_path: Path
) -> None:
    template_v1 = tmp_path / "template-v1"
    git(tmp_path, "clone", "--quiet", "--branch", "v1", str(template_repository), str(template_v1))
    project = cookiecutter_cli(tmp_path / "out", "post_generation_setup=skip", template=template_v1)
    commit_generated_project(project)
    edit_description(project)
    readme = (project / "README.md").read_text()
    assert "copier copy --trust --overwrite --vcs-ref" in readme

    # The README's adoption steps: render the same version over the project, keep the answers.
    result = copier_copy(
        project,
        "post_generation_setup=skip",
        options=("--vcs-ref=v1", "--overwrite"),
        template=template_repository,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    git(project, "add", ANSWERS_FILE)
    git(project, "commit", "--quiet", "-m", "Track the template with copier")
    git(project, "checkout", "--", ".")
    assert LOCAL_EDIT in (project / "README.md").read_text()

    copier_update(project)

    assert_update_merged(project)
    assert "_commit: v2\n" in (project / ANSWERS_FILE).read_text()
