"""book.toml's rules, read from the options' own declarations, so an option declared later is covered too."""

from __future__ import annotations

import json
from dataclasses import Field, fields
from pathlib import Path

import pytest

from chapbook.config import BookConfig, load_config
from chapbook.errors import ChapbookError

WITH_CHOICES = [option for option in fields(BookConfig) if option.metadata["choices"]]


@pytest.mark.parametrize("option", WITH_CHOICES, ids=lambda option: option.name)
def test_an_option_with_choices_refuses_another_value_at_its_line(tmp_path: Path, option: Field) -> None:
    choices = option.metadata["choices"]
    wrong = "none-of-these" if isinstance(option.default, str) else max(choices) + 1
    (tmp_path / "book.toml").write_text(f'title = "Choices"\n\n{option.name} = {json.dumps(wrong)}\n', encoding="utf-8")
    with pytest.raises(ChapbookError) as caught:
        load_config(tmp_path)
    assert (caught.value.path, caught.value.line) == (tmp_path / "book.toml", 3)
    assert caught.value.message.startswith(f"{option.name} must be ")
    assert caught.value.message.endswith(f", got {json.dumps(wrong)}")


def test_every_default_is_one_of_its_choices() -> None:
    # The validator lets defaults through unchecked, so a default outside its choices would never be caught.
    assert [option.name for option in WITH_CHOICES if option.default not in option.metadata["choices"]] == []


def test_every_option_has_a_one_line_doc() -> None:
    undocumented = [option.name for option in fields(BookConfig)
                    if not option.metadata["doc"].strip() or "\n" in option.metadata["doc"]]
    assert undocumented == []
