"""Grading a room's exercise notebooks: ``python -m course_utils.grade`` (see grade.py)."""
