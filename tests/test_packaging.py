"""The project's set-up files agree with each other."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return {r.replace(" ", "") for r in project["dependencies"] + [r for group in extras.values() for r in group]}


def conda_pip_requirements() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {r.replace(" ", "") for r in pip if not r.startswith("-e")}


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert conda_pip_requirements() == pyproject_requirements()


def test_torch_is_pinned():
    assert "torch==2.13.0" in pyproject_requirements()


def test_notebooks_are_committed_without_outputs_and_have_a_parameters_cell():
    import json

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), path.name
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
        source = "".join(tagged[0]["source"])
        assert "mode =" in source and "seeds =" in source, f"{path.name}: parameters need mode and seeds"


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"## {title}")
    return text[start : text.find("\n## ", start + 1)]


def test_the_readme_says_which_torch_build_set_up_installs():
    """The CPU build only where the Makefile chooses it; else the README says that pip's
    configuration decides."""
    makefile, readme = (ROOT / "Makefile").read_text(), readme_section("The two commands")
    explicit = "+cpu" in makefile or "whl/cpu" in makefile
    assert "torch==2.13.0" in readme
    assert explicit or ("installs the CPU build" not in readme and "pip's configuration" in readme)


def test_the_readmes_library_example_states_the_penalty_weight_it_uses():
    import inspect

    from intense import InTense

    default = inspect.signature(InTense).parameters["reg_param"].default
    example = readme_section("Using the library")
    assert f"reg_param={default}" in example and "model.penalty()" in example
