"""Nothing dead in the template: every file in it is rendered for some answer, nothing else
appears, and the hook's manifest is exactly the files and folders that come and go with answers."""

from pathlib import Path

import pytest
from jinja2 import Environment, StrictUndefined

from .helpers import (
    ANSWERS_FILE,
    CRUFT_FILE,
    DEFAULT_SLUG,
    PROJECT_TEMPLATE,
    QUESTION_NAMES,
    QUESTIONS,
    TEMPLATE_DIR,
    answers,
    copier_copy,
    load_hook,
    rendered_files,
    windows_name_problem,
)

post_gen = load_hook("post_gen_project")
# Written by the post-generation hook, not rendered from a template file (cruft's record of the
# answers: under cookiecutter only).
HOOK_FILES = {".env", CRUFT_FILE}
NAMES = Environment(undefined=StrictUndefined, keep_trailing_newline=True)


def option_values() -> list[dict[str, object]]:
    """The default answers, then each other value of every choice and yes/no question."""
    cases: list[dict[str, object]] = [{}]
    for name in QUESTION_NAMES:
        default = QUESTIONS[name]
        if isinstance(default, list):
            cases += [{name: value} for value in default[1:]]
        elif isinstance(default, bool):
            cases.append({name: not default})
    return cases


def template_files() -> list[Path]:
    return [path.relative_to(PROJECT_TEMPLATE) for path in rendered_files(PROJECT_TEMPLATE)]


def rendered_paths(context: dict[str, object]) -> dict[str, Path]:
    """Where each template file lands for this context (a name rendering empty is skipped)."""
    landed = {}
    for template_file in template_files():
        path = NAMES.from_string(template_file.as_posix()).render(**context)
        if path and not path.endswith("/"):
            landed[path] = template_file
    return landed


def files_in(project: Path) -> set[str]:
    return {path.relative_to(project).as_posix() for path in rendered_files(project)}


def folders_in(project: Path) -> set[str]:
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_dir() and ".git" not in path.relative_to(project).parts
    }


@pytest.fixture(scope="module")
def renders(cookies_session: object) -> list[tuple[dict[str, object], Path]]:
    """Cookiecutter's project for each option value (no setup step), with its answers."""
    results = []
    for case in option_values():
        chosen = {**case, "post_generation_setup": "skip"}
        result = cookies_session.bake(  # type: ignore[attr-defined]
            template=str(TEMPLATE_DIR), extra_context=chosen
        )
        assert result.exit_code == 0, result.exception
        results.append((answers(**chosen), Path(result.project_path)))
    return results


def test_option_values_cover_every_choice() -> None:
    cases = option_values()

    for name in QUESTION_NAMES:
        if isinstance(QUESTIONS[name], list):
            chosen = {answers(**case)[name] for case in cases}
            assert chosen == set(QUESTIONS[name])


def test_every_template_file_is_rendered_and_nothing_else_appears(
    renders: list[tuple[dict[str, object], Path]], tmp_path: Path
) -> None:
    reached: set[Path] = set()
    for chosen, project in renders:
        landed = rendered_paths({"cookiecutter": {**chosen, "__project_dir": project.name}})
        present = files_in(project)
        assert present - set(landed) == HOOK_FILES, f"unexpected files for {chosen}"
        for path in set(landed) - present:
            pruned = post_gen.paths_to_remove(chosen)
            assert any(path == name or path.startswith(f"{name}/") for name in pruned), (
                path,
                chosen,
            )
        reached |= {landed[path] for path in present & set(landed)}

    # Copier renders the same files, plus the answers file, whose name renders empty under
    # cookiecutter.
    copied = tmp_path / "copier"
    result = copier_copy(copied, "post_generation_setup=skip")
    assert result.returncode == 0, result.stderr[-4000:]
    landed = rendered_paths(
        {
            "cookiecutter": {**answers(), "__project_dir": copied.name},
            "_copier_conf": {"answers_file": ANSWERS_FILE},
        }
    )
    assert files_in(copied) - HOOK_FILES == set(landed)
    assert [landed[path] for path in landed if landed[path] not in reached] == [
        landed[ANSWERS_FILE]
    ]
    reached.add(landed[ANSWERS_FILE])

    dead = set(template_files()) - reached
    assert not dead, f"never rendered for any answer: {sorted(map(str, dead))}"


def test_optional_path_manifest_matches_the_tree(
    renders: list[tuple[dict[str, object], Path]],
) -> None:
    for path in post_gen.OPTIONAL_PATHS:
        in_template = path.format(project_slug="{{cookiecutter.project_slug}}")
        assert (PROJECT_TEMPLATE / in_template).exists(), f"the manifest names a missing {path}"
    # The renders all use the default slug.
    manifest = {
        path.format(project_slug=DEFAULT_SLUG): wanted
        for path, wanted in post_gen.OPTIONAL_PATHS.items()
    }

    folders = [folders_in(project) for _, project in renders]
    varying = set.union(*folders) - set.intersection(*folders)
    outermost = {folder for folder in varying if str(Path(folder).parent) not in varying}
    assert outermost == set(manifest) & set.union(*folders)
    present = [folders_in(project) | files_in(project) for _, project in renders]
    for path, wanted in manifest.items():
        kept = [wanted(chosen) for chosen, _ in renders]
        assert set(kept) == {True, False}, f"no answer both keeps and removes {path}"
        assert kept == [path in paths for paths in present]


def test_template_file_names_are_valid_on_windows() -> None:
    for template_file in template_files():
        for part in template_file.parts:
            assert windows_name_problem(part) is None, (template_file, windows_name_problem(part))
