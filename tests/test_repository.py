"""The template repository agrees with itself: README, CI, questions and prompts."""

import yaml

from .helpers import GENERATE_COMMAND, QUESTIONS, TEMPLATE_DIR, run, tool

README = (TEMPLATE_DIR / "README.md").read_text()
TEST_COMMAND = "./scripts/test"
BENCHMARK_SMOKE_COMMAND = "./scripts/benchmark --quick"


def test_readme_gives_the_commands_that_ci_runs() -> None:
    assert f"\n{TEST_COMMAND}\n" in README
    assert f"\n{BENCHMARK_SMOKE_COMMAND} " in README
    lines = (TEMPLATE_DIR / ".ci" / "run").read_text().splitlines()
    commands = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert commands[-2] == TEST_COMMAND
    assert commands[-1].startswith(f"{BENCHMARK_SMOKE_COMMAND} ")


def test_github_workflow_runs_the_readme_test_command() -> None:
    workflow = yaml.safe_load((TEMPLATE_DIR / ".github" / "workflows" / "test.yml").read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]

    assert TEST_COMMAND in [step.get("run", "").strip() for step in steps]


def test_readme_gives_the_generate_command_the_end_to_end_test_runs() -> None:
    assert f"\n{GENERATE_COMMAND}\n" in README


def test_every_question_has_help_text() -> None:
    prompts = QUESTIONS["__prompts__"]
    questions = [key for key in QUESTIONS if not key.startswith("_")]

    assert sorted(prompts) == sorted(questions)
    for question in questions:
        if isinstance(QUESTIONS[question], list):
            assert sorted(prompts[question]) == sorted([*QUESTIONS[question], "__prompt__"])


def test_yes_no_questions_are_real_booleans() -> None:
    assert QUESTIONS["use_devcontainer"] is True


def test_template_code_is_lint_clean() -> None:
    sources = ["hooks", "tests", "benchmarks"]
    for command in (["check", *sources], ["format", "--check", *sources]):
        result = run([tool("ruff"), *command], TEMPLATE_DIR)
        assert result.returncode == 0, result.stdout + result.stderr
