"""The pre-generation hook refuses bad answers with one readable line, leaving nothing behind."""

from pathlib import Path

import pytest

from .helpers import TEMPLATE_DIR, answers, load_hook, run, tool

pre_gen = load_hook("pre_gen_project")


@pytest.mark.parametrize(
    ("slug", "problem"),
    [
        ("", "is empty"),
        ("weather/agent", "contains a path separator"),
        ("..\\agent", "contains a path separator"),
        ("1agent", "starts with a digit"),
        ("weather-agent", "is not a lowercase Python package name"),
        ("Weather_Agent", "is not a lowercase Python package name"),
        ("agënt", "is not a lowercase Python package name"),
        ("class", "is a Python keyword"),
        ("match", "is a Python keyword"),
        ("fastagency", "would shadow the module 'fastagency'"),
        ("autogen", "would shadow the module 'autogen'"),
        ("json", "would shadow the module 'json'"),
        ("tests", "would shadow the module 'tests'"),
    ],
)
def test_bad_slug_is_named_with_its_problem(slug: str, problem: str) -> None:
    assert pre_gen.slug_problem(slug).startswith(problem)


@pytest.mark.parametrize("slug", ["weather_agent", "agent2", "my_service", "_private"])
def test_good_slug_passes(slug: str) -> None:
    assert pre_gen.slug_problem(slug) is None


def test_blank_project_name_is_refused() -> None:
    problems = pre_gen.answer_problems(answers(project_name="   "))

    assert problems == ["project_name is empty: give the project a name"]


def test_default_answers_pass() -> None:
    assert pre_gen.answer_problems(answers()) == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            "project_slug=weather/agent",
            "ERROR: project_slug 'weather/agent' contains a path separator",
        ),
        ("project_slug=1agent", "ERROR: project_slug '1agent' starts with a digit"),
        ("project_slug=class", "ERROR: project_slug 'class' is a Python keyword"),
        ("project_slug=fastapi", "ERROR: project_slug 'fastapi' would shadow the module 'fastapi'"),
        ("project_slug=..", "ERROR: project_slug '..' is not a lowercase Python package name"),
        ("project_name= ", "ERROR: project_name is empty"),
        ("author_name=Ada\nLovelace", "ERROR: author_name contains a line break"),
    ],
)
def test_cookiecutter_refuses_and_writes_nothing(tmp_path: Path, answer: str, message: str) -> None:
    output = tmp_path / "out"
    output.mkdir()

    result = run(
        [
            tool("cookiecutter"),
            "--no-input",
            "-o",
            str(output),
            str(TEMPLATE_DIR),
            answer,
            "post_generation_setup=skip",
        ],
        tmp_path,
    )

    assert result.returncode != 0
    assert message in result.stderr
    assert list(output.iterdir()) == []
