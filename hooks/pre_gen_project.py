"""Refuse answers that would render a broken project, with one line naming the rule.

Cookiecutter runs this before writing any file and removes the project folder when it fails.
Copier has no pre-generation step: copier.yml's validators apply the same rules.
"""

import json
import keyword
import sys

# Packages the generated project (or its tests) imports: a project package with one of these
# names, or a standard-library module's, would shadow the real one.
PROJECT_IMPORTS = frozenset(
    """
    ag2 autogen fastagency fastapi starlette pydantic pydantic_settings requests uvicorn openai
    jwt pwdlib sqlalchemy sqlmodel httpx pytest tests
    """.split()
)
# Free-text answers, written into one-line strings of the generated files.
TEXT_QUESTIONS = ("project_name", "description", "author_name")
SLUG_RULE = (
    "a lowercase Python package name: letters a-z, digits and underscores, "
    "not starting with a digit"
)


def load_answers() -> dict[str, object]:
    """Copier passes the answers as JSON in argv[1]; cookiecutter renders them in below."""
    if len(sys.argv) > 1:
        return dict(json.loads(sys.argv[1]))
    return dict(json.loads(r"""{{ cookiecutter | tojson }}"""))


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot name the project's package, or None when it can."""
    if not slug:
        return "is empty"
    if "/" in slug or "\\" in slug:
        return "contains a path separator"
    if slug[0].isdigit():
        return "starts with a digit"
    if not slug.isidentifier() or not slug.isascii() or slug != slug.lower():
        return "is not " + SLUG_RULE
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return "is a Python keyword"
    if slug in PROJECT_IMPORTS or slug in sys.stdlib_module_names:
        return f"would shadow the module '{slug}' that the project imports"
    return None


def has_control_character(text: str) -> bool:
    """Line breaks and other control characters do not fit the one-line strings they land in."""
    return any(character < " " or character == "\x7f" for character in text)


def answer_problems(answers: dict[str, object]) -> list[str]:
    problems = []
    if not str(answers.get("project_name", "")).strip():
        problems.append("project_name is empty: give the project a name")
    slug = str(answers.get("project_slug", ""))
    problem = slug_problem(slug)
    if problem:
        problems.append(f"project_slug {slug!r} {problem}; it must be {SLUG_RULE}")
    for question in TEXT_QUESTIONS:
        if has_control_character(str(answers.get(question, ""))):
            problems.append(
                f"{question} contains a line break or another control character: "
                "write it on one line"
            )
    return problems


def main() -> int:
    problems = answer_problems(load_answers())
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
