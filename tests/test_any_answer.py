"""Any answer renders a valid project with both tools: the text lands literally, every data and
code file parses, lint stays clean, and every file name is valid on Windows."""

import ast
import json
import tomllib
from pathlib import Path

import pytest
import yaml

from .helpers import (
    ANSWERS_FILE,
    TEMPLATE_DIR,
    cookiecutter_typed,
    copier_copy,
    load_hook,
    project_tree,
    rendered_text_files,
    run,
    tool,
    windows_name_problem,
)

pre_gen = load_hook("pre_gen_project")

# (project_name, description, author_name); "typed" cases go to cookiecutter's prompts as a user
# types them, "arguments" as `--no-input key=value` (its prompts strip surrounding spaces).
CASES = [
    pytest.param(
        'Bob\'s "Weather" Agent \\ C:\\temp\\',
        'Say "hi": \\n is not a newline here, nor \\t a tab; C:\\new\\table \\',
        'O\'Brien "Bo" \\',
        "typed",
        id="quotes-backslashes",
    ),
    pytest.param(
        "{{ 7*7 }} Agent {% raw %}",
        "{% endraw %}{{ cookiecutter.project_slug }} {# note #} ${{ matrix.python }} {%- if x %}",
        "{{ cookiecutter.author_name }}",
        "typed",
        id="jinja",
    ),
    pytest.param(
        "Ünïcødé Ágent 🤖 \u2013 Météo",  # an en dash: ruff flags look-alikes
        "Prévisions «naïves» \u2013 天気 🌦️ ∑ \U0001d518",
        "Zoë Łukasz 山田",
        "typed",
        id="unicode",
    ),
    pytest.param(
        "Weather " * 30 + "Agent",
        "word " * 400 + "end",
        "A" * 300,
        "typed",
        id="long",
    ),
    pytest.param(
        "   Spaced Agent   ",
        "  padded description  ",
        "  Ada  ",
        "arguments",
        id="spaces",
    ),
]


def title_in(main: Path) -> object:
    """The `title` main.py gives FastAgency (a literal, or a module constant holding one)."""
    module = ast.parse(main.read_text())
    constants = {
        ast.unparse(node.targets[0]): node.value
        for node in module.body
        if isinstance(node, ast.Assign)
    }
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "FastAgency":
            (title,) = [keyword.value for keyword in node.keywords if keyword.arg == "title"]
            if isinstance(title, ast.Name):
                title = constants[title.id]
            return ast.literal_eval(title)
    raise AssertionError(f"no FastAgency(...) in {main}")


def assert_valid_project(project: Path, name: str, description: str, author: str) -> str:
    """Check the rendered project against the answers; return its package name."""
    for path in rendered_text_files(project):
        relative = path.relative_to(project)
        for part in relative.parts:
            assert windows_name_problem(part) is None, f"{relative}: {windows_name_problem(part)}"
        text = path.read_text()
        if path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix in (".yml", ".yaml"):
            yaml.safe_load(text)
        elif path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix == ".sh":
            checked = run(["bash", "-n", str(path)], project)
            assert checked.returncode == 0, checked.stderr

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert pyproject["description"] == description
    assert pyproject["authors"] == [{"name": author}]
    slug = pyproject["name"]
    assert pre_gen.slug_problem(slug) is None and len(slug) <= 24
    assert title_in(project / slug / "main.py") == name
    devcontainer = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())
    assert devcontainer["name"] == name
    readme = (project / "README.md").read_text()
    assert readme.startswith(f"# {name}\n\n{description}\n\n")

    # The project's own lint (its pyproject's ruff settings) stays clean whatever the text.
    for command in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        linted = run([tool("ruff"), *command], project)
        assert linted.returncode == 0, linted.stdout + linted.stderr
    return slug


@pytest.mark.parametrize(("name", "description", "author", "cookiecutter_input"), CASES)
def test_unusual_answers_render_literally_with_both_tools(
    tmp_path: Path, name: str, description: str, author: str, cookiecutter_input: str
) -> None:
    text_answers = {"project_name": name, "description": description, "author_name": author}
    assert pre_gen.answer_problems({**text_answers, "project_slug": "agent"}) == []

    copied = tmp_path / "copier"
    result = copier_copy(
        copied,
        *(f"{question}={text}" for question, text in text_answers.items()),
        "post_generation_setup=skip",
    )
    assert result.returncode == 0, result.stderr[-4000:]
    slug = assert_valid_project(copied, name, description, author)
    recorded = yaml.safe_load((copied / ANSWERS_FILE).read_text())
    assert {question: recorded[question] for question in text_answers} == text_answers

    output = tmp_path / "out"
    if cookiecutter_input == "typed":
        baked = cookiecutter_typed(output, {**text_answers, "post_generation_setup": "skip"})
    else:
        arguments = [f"{question}={text}" for question, text in text_answers.items()]
        command = [tool("cookiecutter"), "--no-input", "-o", str(output), str(TEMPLATE_DIR)]
        baked = run([*command, *arguments, "post_generation_setup=skip"], tmp_path)
    assert baked.returncode == 0, baked.stdout[-3000:] + baked.stderr[-3000:]
    assert [path.name for path in output.iterdir()] == [slug]
    assert assert_valid_project(output / slug, name, description, author) == slug
    assert project_tree(output / slug) == project_tree(copied)
