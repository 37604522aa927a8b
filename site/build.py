"""Build the course website (``make site``): the stored notebooks as pages, offline.

Stages Sphinx sources in ``_build/site-src`` with the repository's layout (``notebooks/``,
``solutions/``, ``exercises/``, ``GLOSSARY.md``), so every link the course already has keeps
working; then runs Sphinx with myst-nb, which renders the stored outputs and never executes a
notebook. The home and instructor pages take their text from README.md. MathJax is copied from
the ``jupyter-server-mathjax`` package, so no page loads anything from the internet.

    python site/build.py [--out _build/site] [--jobs 1] [--repository owner/name]
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# MathJax 2 files the pages need: TeX input, HTML-CSS output with its STIX web fonts.
MATHJAX_PARTS = (
    "MathJax.js", "LICENSE", "config/TeX-AMS-MML_HTMLorMML-full.js", "jax/input/TeX",
    "jax/element", "jax/output/HTML-CSS", "fonts/HTML-CSS/STIX-Web/woff", "extensions/TeX",
    "extensions/HTML-CSS", "extensions/MathMenu.js", "extensions/MathZoom.js",
    "extensions/MathEvents.js", "extensions/tex2jax.js", "extensions/toMathML.js",
    "extensions/AssistiveMML.js", "extensions/FontWarnings.js", "extensions/HelpDialog.js",
    "extensions/MatchWebFonts.js", "extensions/Safe.js",
)


def readme_sections(text: str) -> dict[str, str]:
    """README.md split at its ``## `` headings: {heading: body}; key '' is the text before."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
        else:
            sections[current].append(line)
    return {name: "\n".join(lines).strip() + "\n" for name, lines in sections.items()}


def section(sections: dict[str, str], heading: str) -> str:
    if heading not in sections:
        raise SystemExit(f"README.md has no section '## {heading}', which the website uses "
                         f"(site/build.py); it has: {sorted(k for k in sections if k)}")
    return sections[heading]


def syllabus_rows(syllabus: str) -> list[dict[str, str]]:
    lines = [line for line in syllabus.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    return [dict(zip(cells[0], row, strict=False)) for row in cells[2:]]


def lessons() -> list[tuple[str, str]]:
    """(number, file stem) of every lesson in notebooks/, in order."""
    return [(p.name[:2], p.stem) for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]


def write_if_changed(path: Path, text: str) -> None:
    """Write only when the text differs (unchanged sources keep their timestamps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def run_links(stem: str, folder: str, repository: str | None) -> str:
    """The 'run this notebook' box for one page (MyST markdown)."""
    path = f"{folder}/{stem}.ipynb"
    if repository:
        binder = (f"[open it on Binder](https://mybinder.org/v2/gh/{repository}/HEAD"
                  f"?labpath={path}) (the repository is Binder-ready; the first start builds "
                  "its image, which takes a few minutes)")
        colab = (f"[open it in Colab](https://colab.research.google.com/github/{repository}"
                 f"/blob/main/{path}), then")
    else:
        binder = ("on [Binder](https://mybinder.org), enter the course repository's URL and "
                  f"open `{path}` (the repository is Binder-ready)")
        colab = "in Colab,"
    return (
        ":::{admonition} Run this notebook\n:class: tip\n"
        f"- **On your computer**: `make lab` in the course folder opens JupyterLab; then open "
        f"`{path}` (see [how to start](../index.md#how-to-start)).\n"
        f"- **In the browser**: {binder}.\n"
        f"- **Colab** is not what the course is tested on: {colab} install the course helpers "
        "in a first cell (see [how to start](../index.md#how-to-start)).\n"
        "\nThis page shows the outputs stored when the notebook was last run in full mode; "
        "interactive controls work only in a running notebook.\n:::\n"
    )


def link_course_files(markdown: str) -> str:
    """Make the course's own notebook names into links to their pages: `exercises/08_x.ipynb`
    and [..](exercises/08_x.ipynb) both point at exercises/08_x.md (pages sit one folder down)."""
    markdown = re.sub(r"\]\((\.\./)?exercises/([^)]+)\.ipynb\)", r"](\1exercises/\2.md)", markdown)

    def link(match: re.Match) -> str:
        folder, stem = match.group(1), match.group(2)
        if not (ROOT / folder / f"{stem}.ipynb").exists():
            return match.group(0)
        page = f"../{folder}/{stem}" + (".md" if folder == "exercises" else ".ipynb")
        return f"[{match.group(0)}]({page})"

    return re.sub(r"(?<!\[)`(notebooks|exercises|solutions)/([0-9]{2}_\w+)\.ipynb`", link,
                  markdown)


def widget_note(description: str) -> dict:
    """The output shown instead of a widget's live view (the stored picture stays above it)."""
    name = description.split(" (", 1)[0].strip() or "This control"
    note = (f'<p class="course-widget-note"><strong>{html.escape(name)}</strong>: the live '
            "control runs in JupyterLab (<code>make lab</code> or Binder). The picture above is "
            "where it starts.</p>")
    return nbformat.v4.new_output("display_data", data={"text/html": note, "text/plain": name})


def stage_notebook(source: Path, target: Path, header: str) -> None:
    """A copy of a stored notebook for the site: a header cell after the title cell, each
    widget's live view replaced by a line saying where it runs, links to exercise notebooks
    pointed at their pages. Outputs are kept as stored; nothing is executed."""
    notebook = nbformat.read(source, as_version=4)
    notebook.metadata.pop("widgets", None)  # no widget state: no widget JavaScript on the page
    if source.parent.name == "solutions":  # titled like its exercises: say these are solutions
        title = notebook.cells[0]
        title.source = re.sub(r"\A# Exercises\b", "# Solutions", title.source)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = link_course_files(cell.source)
        for index, output in enumerate(cell.get("outputs", [])):
            if WIDGET_VIEW in output.get("data", {}):
                cell.outputs[index] = widget_note(str(output.data.get("text/plain", "")))
    run_box = nbformat.v4.new_markdown_cell(header)
    run_box.id = "course-site-run-box"  # a fixed id: an unchanged notebook stages unchanged
    notebook.cells.insert(1, run_box)
    write_if_changed(target, nbformat.writes(notebook))


def exercise_page(stem: str, repository: str | None) -> str:
    """A page for exercises/STEM.ipynb: its introduction, how to run it, each exercise's text."""
    notebook = nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", as_version=4)
    markdown = [link_course_files(c.source) for c in notebook.cells if c.cell_type == "markdown"]
    intro = markdown[0]
    tasks = [text for text in markdown[1:] if text.lstrip().startswith("## ")]
    binder = (f"[open it on Binder](https://mybinder.org/v2/gh/{repository}/HEAD?labpath="
              f"exercises/{stem}.ipynb)" if repository else "open it on Binder")
    how = (
        ":::{admonition} How to run these exercises\n:class: tip\n"
        f"Exercises run in a notebook: `make lab`, then open `exercises/{stem}.ipynb` (or {binder}"
        ", see [how to start](../index.md#how-to-start)). Under each exercise is a cell "
        "with `# YOUR CODE HERE`; write your code there and run the next cell, whose `check(...)` "
        "tells you at once whether it is correct, and what it found if not. `hint()` gives a "
        "hint and `solution()` a worked solution. Read the lesson first: "
        f"[lesson {stem[:2]}](../notebooks/{stem}.ipynb); the worked solutions, with their "
        f"outputs, are on [this page](../solutions/{stem}.ipynb).\n\n"
        f"{{download}}`Download the exercise notebook <../_notebooks/exercises/{stem}.ipynb>` "
        "(it needs the course helpers installed: `make lab` does that).\n:::\n"
    )
    return intro.rstrip() + "\n\n" + how + "\n" + "\n\n".join(t.rstrip() for t in tasks) + "\n"


def home_page(sections: dict[str, str], repository: str | None) -> str:
    rows = syllabus_rows(section(sections, "Syllabus"))
    stems = dict(lessons())
    table = ["| # | lesson | topics | time | exercises | solutions |", "|---|---|---|---|---|---|"]
    for row in rows:
        number = row["#"]
        stem = stems.get(number)
        if stem is None:
            continue
        table.append(
            f"| {number} | [{row['lesson']}](notebooks/{stem}.ipynb) | {row['topics']} | "
            f"{row['time']} | [exercises](exercises/{stem}.md) | "
            f"[solutions](solutions/{stem}.ipynb) |"
        )
    intro = section(sections, "").split("\n", 1)[1]  # without the README's title line
    binder = (f"[Binder](https://mybinder.org/v2/gh/{repository}/HEAD?labpath="
              "notebooks/00_welcome.ipynb)" if repository else "[Binder](https://mybinder.org)")
    parts = {
        "intro": intro,
        "two_commands": section(sections, "Two commands").split("\n### ")[0],
        "syllabus": "\n".join(table),
        "binder": binder,
        "exercises": section(sections, "How exercises, hints and solutions work"),
        "data": section(sections, "Data: the bundled subset by default, full MNIST when you ask"),
        "toctrees": toctrees(),
    }
    text = (SITE / "index.md").read_text(encoding="utf-8")
    for name, part in parts.items():
        text = text.replace("{{" + name + "}}", part.strip())
    return text


def toctrees() -> str:
    """The site's navigation: lessons, exercises and solutions in order, then the reference."""
    parts = []
    for caption, folder in (("Lessons", "notebooks"), ("Exercises", "exercises"),
                            ("Solutions", "solutions")):
        entries = "\n".join(f"{folder}/{stem}" for _, stem in lessons())
        parts.append(f":::{{toctree}}\n:hidden:\n:caption: {caption}\n\n{entries}\n:::\n")
    parts.append(":::{toctree}\n:hidden:\n:caption: Reference\n\nGLOSSARY\ninstructors\n:::\n")
    return "\n".join(parts)


def vendor_mathjax(target: Path) -> None:
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    if target.exists():
        return
    for part in MATHJAX_PARTS:
        src, dst = source / part, target / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


def stage(source_dir: Path, repository: str | None) -> None:
    sections = readme_sections((ROOT / "README.md").read_text(encoding="utf-8"))
    source_dir.mkdir(parents=True, exist_ok=True)
    for name in ("conf.py", "_static/course.css"):
        write_if_changed(source_dir / name, (SITE / name).read_text(encoding="utf-8"))
    vendor_mathjax(source_dir / "_static" / "mathjax")
    wanted = {source_dir / "index.md", source_dir / "instructors.md", source_dir / "GLOSSARY.md"}
    write_if_changed(source_dir / "index.md", home_page(sections, repository))
    instructors = (SITE / "instructors.md").read_text(encoding="utf-8").replace(
        "{{instructors}}", section(sections, "For instructors: workshops").strip())
    write_if_changed(source_dir / "instructors.md", instructors)
    write_if_changed(source_dir / "GLOSSARY.md",
                     (ROOT / "GLOSSARY.md").read_text(encoding="utf-8"))
    for _, stem in lessons():
        for folder in ("notebooks", "solutions"):
            if (ROOT / folder / f"{stem}.ipynb").exists():
                target = source_dir / folder / f"{stem}.ipynb"
                stage_notebook(ROOT / folder / f"{stem}.ipynb", target,
                               run_links(stem, folder, repository))
                wanted.add(target)
        if (ROOT / "exercises" / f"{stem}.ipynb").exists():
            target = source_dir / "exercises" / f"{stem}.md"
            write_if_changed(target, exercise_page(stem, repository))
            download = source_dir / "_notebooks" / "exercises" / f"{stem}.ipynb"
            write_if_changed(download,
                             (ROOT / "exercises" / f"{stem}.ipynb").read_text(encoding="utf-8"))
            wanted.update({target, download})
    for path in source_dir.rglob("*"):  # pages of notebooks that no longer exist
        if path.suffix in {".ipynb", ".md"} and path.is_file() and path not in wanted:
            path.unlink()


def build(out: Path, source_dir: Path, jobs: str, repository: str | None) -> float:
    """Stage and build; returns the seconds it took. Raises CalledProcessError on failure."""
    start = time.perf_counter()
    stage(source_dir, repository)
    env = {**os.environ, "COURSE_SITE_REPOSITORY": repository or ""}
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", jobs,
               "-d", str(source_dir.parent / (source_dir.name + "-doctrees")),
               str(source_dir), str(out)]
    subprocess.run(command, check=True, env=env)
    for source_map in (out / "_static").rglob("*.map"):  # the theme's debugging aids, 3 MB
        source_map.unlink()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "site")
    parser.add_argument("--src", type=Path, default=None,
                        help="staging folder (default: OUT-src beside the output)")
    # One process: on 2 cores, Sphinx's parallel build (-j auto) was never faster here.
    parser.add_argument("--jobs", default="1", help="Sphinx's -j (default: 1)")
    parser.add_argument("--repository", default=os.environ.get("SITE_REPOSITORY") or None,
                        help="owner/name on GitHub: adds direct Binder and Colab links")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    source_dir = (args.src or out.parent / (out.name + "-src")).resolve()
    seconds = build(out, source_dir, args.jobs, args.repository)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"website built in {seconds:.0f} s: {out / 'index.html'} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
