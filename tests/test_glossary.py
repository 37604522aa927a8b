"""GLOSSARY.md: every term has both languages, a meaning and a lesson that exists and uses it."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "GLOSSARY.md"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
LINK = re.compile(r"^\[(\d\d)\]\((notebooks/\d\d_[\w-]+\.ipynb)\)$")


def _rows() -> list[dict[str, str]]:
    lines = [line for line in GLOSSARY.read_text(encoding="utf-8").splitlines()
             if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
            for line in lines[2:]]


ROWS = _rows()


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("-", " "))


def names(term: str) -> list[str]:
    """A term and the alternative in its parentheses: 'ELBO (evidence lower bound)'."""
    found = re.fullmatch(r"(.*?)\s*\((.*)\)", term)
    return [part.strip() for part in (found.groups() if found else (term,)) if part.strip()]


def _lesson_text(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return _normalise("\n".join(cell.source for cell in notebook.cells))


def test_the_glossary_is_linked_and_big_enough():
    assert len(ROWS) >= 80, f"GLOSSARY.md has {len(ROWS)} terms; the course promises 80 or more"
    assert "GLOSSARY.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "GLOSSARY.md" in "".join(
        cell.source for cell in nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", 4).cells)
    english = [row["English"].lower() for row in ROWS]
    assert len(english) == len(set(english)), "a term is listed twice"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row["English"])
def test_each_term_has_chinese_a_meaning_and_a_lesson_that_uses_it(row):
    assert CHINESE.search(row["中文"]), f"{row['English']}: no Chinese term"
    assert row["meaning"].endswith(".") and len(row["meaning"].split()) >= 5
    link = LINK.match(row["lesson"])
    assert link, f"{row['English']}: the lesson should be a link like [03](notebooks/03_x.ipynb)"
    path = ROOT / link.group(2)
    assert path.exists() and path.name.startswith(link.group(1)), f"no lesson {link.group(2)}"
    text = _lesson_text(path)
    terms = names(row["English"])
    assert any(re.search(r"\b" + re.escape(_normalise(name)), text) for name in terms), (
        f"lesson {link.group(1)} never mentions {terms}")
