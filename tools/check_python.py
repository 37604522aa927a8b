# ruff: noqa: UP010, UP025, UP031
"""Is the Python running this script one the course supports? Used by the Makefile.

    python3.12 tools/check_python.py --quiet           # exit status only: 0 yes, 3 no
    python3 tools/check_python.py --name python3       # 0 and "Using ..." or 3 and what to do
    .venv/bin/python tools/check_python.py --venv .venv

The Makefile runs it with each candidate interpreter (python3.13, python3.12, python3.11,
python3, python, or the one given as PYTHON=...) BEFORE it creates .venv, so a Python that cannot
install the course stops with one clear message instead of an error deep inside pip.

It must run on whatever interpreter a learner has, old or new: no dependencies, and syntax
that even Python 2.7 parses (hence the %-formatting and no annotations).
"""

from __future__ import print_function

import argparse
import sys

# Keep in step with pyproject.toml (requires-python), environment.yml and the README;
# tests/test_python_version.py fails when they disagree.
SUPPORTED = ((3, 11), (3, 12), (3, 13))
REQUIRES_PYTHON = ">=3.11,<3.14"
WHY = (
    "Keras 3.14 and newer need Python 3.11 or newer, and TensorFlow 2.21 has no wheels for "
    "Python 3.14 or newer yet."
)
UNSUPPORTED = 3  # exit status when the interpreter is not supported

SUPPORTED_TEXT = "%s or %s" % (
    ", ".join("%d.%d" % v for v in SUPPORTED[:-1]),
    "%d.%d" % SUPPORTED[-1],
)


def decide(version):
    """'supported', 'too old' or 'too new' for a version like sys.version_info or (3, 12)."""
    major_minor = tuple(version[:2])
    if major_minor in SUPPORTED:
        return "supported"
    if major_minor < SUPPORTED[0]:
        return "too old"
    return "too new"


def version_text(version):
    """'3.12.1' from sys.version_info (or '3.12' from a two-number tuple)."""
    return ".".join(str(part) for part in tuple(version)[:3])


def how_to_get_one():
    """The lines that say how to install a supported Python."""
    return [
        "Install one, then run make again (it finds python3.13, python3.12 or python3.11 on "
        "your PATH by itself):",
        "  uv:     uv python install 3.12",
        "          (if python3.12 is then not on your PATH: "
        'make PYTHON="$(uv python find 3.12)")',
        "  pyenv:  pyenv install 3.12 && pyenv local 3.12",
        "  conda:  conda env create -f environment.yml && conda activate autoencoder-course",
        "Or name an interpreter yourself: make PYTHON=/path/to/python3.12",
    ]


def explain(version, name=None, executable=None, tried=None, venv=None):
    """The message for an unsupported interpreter: what works, what was found, what to do."""
    verdict = decide(version)
    found = "Python %s" % version_text(version)
    where = name or executable or "this interpreter"
    if name and executable and not name.endswith(executable):
        where = "%s (%s)" % (name, executable)
    if verdict == "too old":
        problem = "%s is too old for this course." % found
    else:
        problem = "%s is too new for this course." % found
    lines = []
    if venv:
        lines.append(
            "The existing %s was made with %s, which this course does not support."
            % (venv, found)
        )
        lines.append("The course needs Python %s. %s" % (SUPPORTED_TEXT, WHY))
        lines.append(
            "Remove it with `make clean-venv` and run make again: it then creates %s with a "
            "supported Python." % venv
        )
        lines.append("If you have none:")
        lines.extend(how_to_get_one())
        return "\n".join(lines)
    lines.append("%s Found: %s." % (problem, where))
    lines.append("The course needs Python %s. %s" % (SUPPORTED_TEXT, WHY))
    if tried:
        lines.append(
            "make looked for %s; none of them is a supported Python." % " ".join(tried)
        )
    lines.extend(how_to_get_one())
    lines.append("Nothing was installed and no .venv was created.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print nothing; exit status only")
    parser.add_argument("--name", help="how make named this interpreter, e.g. python3")
    parser.add_argument("--tried", help="the commands make looked for, separated by spaces")
    parser.add_argument("--venv", help="the interpreter is the one of this existing venv")
    args = parser.parse_args(argv)

    version = sys.version_info
    if decide(version) == "supported":
        if not args.quiet and not args.venv:
            print(
                "Using %s (Python %s) to create .venv."
                % (args.name or sys.executable, version_text(version))
            )
        return 0
    if not args.quiet:
        tried = args.tried.split() if args.tried else None
        message = explain(version, name=args.name, executable=sys.executable, tried=tried,
                          venv=args.venv)
        print("\n" + message + "\n", file=sys.stderr)
    return UNSUPPORTED


if __name__ == "__main__":
    sys.exit(main())
