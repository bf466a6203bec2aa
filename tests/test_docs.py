"""The README keeps up with the CLI: every command and every option is mentioned
(in the spirit of sqlite-utils' test_docs.py)."""
from __future__ import annotations

import re

import pytest
import typer.main

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _group():
    from quotex.cli import app

    return typer.main.get_command(app)


def _commands():
    return sorted(_group().commands.items())


def _long_options(params):
    for p in params:
        if getattr(p, "param_type_name", "") != "option" or getattr(p, "hidden", False):
            continue
        for opt in [*p.opts, *p.secondary_opts]:
            if opt.startswith("--") and opt != "--help":
                yield opt


@pytest.mark.parametrize("name", [name for name, _ in _commands()])
def test_every_command_is_in_the_readme(name):
    assert re.search(rf"quotex {re.escape(name)}\b", README), f"README.md never shows `quotex {name}`"


@pytest.mark.parametrize("command,option", [
    (name, opt) for name, cmd in _commands() for opt in _long_options(cmd.params)
] + [("", opt) for opt in _long_options(_group().params)])
def test_every_option_is_in_the_readme(command, option):
    assert re.search(rf"{re.escape(option)}(?![\w-])", README), \
        f"README.md never mentions {option} (of `quotex {command}`)".replace("`quotex `", "`quotex`")


def test_every_extract_option_is_in_the_readme():
    cmd = _group().commands["extract"]
    opts = set(_long_options(cmd.params))
    assert {"--format", "--speaker", "--kind", "--contains", "--doc", "--min-confidence", "--since",
            "--until", "--db", "--encoding", "--refresh", "--no-store"} <= opts
    missing = sorted(o for o in opts if not re.search(rf"{re.escape(o)}(?![\w-])", README))
    assert not missing, missing


def test_every_format_is_in_the_readme():
    from quotex.formats import FORMATS

    assert "--format " + "|".join(FORMATS) in README
