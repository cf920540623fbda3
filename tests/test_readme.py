"""The README's first screen and its module map stay true to the code."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def module_map() -> list[str]:
    block = README.split("The code, one job per module:", 1)[1].split("```")[1]
    return [line.split()[0] for line in block.strip().splitlines()]


def test_the_module_map_names_every_module_of_the_app_and_nothing_else():
    listed = {path for path in module_map() if path.startswith("runs/")}
    actual = {
        str(path.relative_to(REPO))
        for path in (REPO / "runs").rglob("*.py")
        if path.name != "__init__.py" and "migrations" not in path.parts
    }
    assert listed == actual


def test_every_other_path_in_the_module_map_exists():
    for path in module_map():
        assert (REPO / path).exists(), path


def test_the_first_screen_gives_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:12])
    assert "make run" in first_screen and "make test" in first_screen
