"""The single-source convention for exercises, shared by ``solution()`` and the generator.

In ``solutions/NN_*.ipynb`` an exercise cell starts with a marker line and keeps its solution
between nbgrader's markers::

    # Exercise: scale_pixels
    def scale_pixels(images):
        ### BEGIN SOLUTION
        return images.astype("float32") / 255.0
        ### END SOLUTION

The generated exercise replaces each block with a stub that keeps the notebook runnable:
``return None`` inside a function, ``name = None`` for each name the block assigns, else ``pass``.
In a markdown (written-answer) cell the markers are HTML comments, so they do not render::

    <!-- ### BEGIN SOLUTION -->
    A ReLU code is never negative...
    <!-- ### END SOLUTION -->
"""

from __future__ import annotations

import ast
import re
import textwrap

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB_COMMENT = "# YOUR CODE HERE"
_EXERCISE_MARKER = re.compile(r"^\s*#\s*Exercise:\s*([A-Za-z_]\w*)", re.MULTILINE)


class SolutionFormatError(ValueError):
    """A solution cell breaks the marker convention."""


def exercise_name(source: str) -> str | None:
    """The exercise named by a cell's ``# Exercise: name`` line, if any."""
    match = _EXERCISE_MARKER.search(source)
    return match.group(1) if match else None


def has_solution(source: str) -> bool:
    return BEGIN in source


def _marker_text(line: str) -> str:
    """A line's text with an enclosing HTML comment removed (markers in markdown cells)."""
    stripped = line.strip()
    if stripped.startswith("<!--") and stripped.endswith("-->"):
        return stripped[4:-3].strip()
    return stripped


def _blocks(source: str):
    """Yield (start, end, indent, body_lines) for each BEGIN/END pair, by line index."""
    lines = source.splitlines()
    start = None
    for index, line in enumerate(lines):
        stripped = _marker_text(line)
        if stripped == BEGIN:
            if start is not None:
                raise SolutionFormatError(f"Nested `{BEGIN}` at line {index + 1}.")
            start = index
        elif stripped == END:
            if start is None:
                raise SolutionFormatError(f"`{END}` without `{BEGIN}` at line {index + 1}.")
            indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
            yield start, index, indent, lines[start + 1 : index]
            start = None
    if start is not None:
        raise SolutionFormatError(f"`{BEGIN}` at line {start + 1} has no `{END}`.")


def strip_markers(source: str) -> str:
    """The solution code as a learner should read it: marker lines removed."""
    lines = source.splitlines()
    drop = set()
    for start, end, _indent, _body in _blocks(source):
        drop.update({start, end})
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


def stub_out(source: str) -> str:
    """Replace every solution block with a runnable stub."""
    lines = source.splitlines()
    out: list[str] = []
    cursor = 0
    for start, end, indent, body in _blocks(source):
        out.extend(lines[cursor:start])
        out.extend(indent + line for line in _stub_lines(body))
        cursor = end + 1
    out.extend(lines[cursor:])
    return "\n".join(out)


def _stub_lines(body: list[str]) -> list[str]:
    code = textwrap.dedent("\n".join(body))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        # A block with a top-level `return` only parses inside a function.
        tree = ast.parse("def _f():\n" + textwrap.indent(code, "    ")).body[0]
    statements = tree.body
    assigned: list[str] = []
    returns = False
    for node in statements:
        if isinstance(node, ast.Return):
            returns = True
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            for name in _target_names(target):
                if name not in assigned:
                    assigned.append(name)
    stub = [STUB_COMMENT]
    stub.extend(f"{name} = None" for name in assigned)
    if returns:
        stub.append("return None")
    if len(stub) == 1:
        stub.append("pass")
    return stub


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    return []
