"""The gradebook's totals as the CSV files LMSs import (README, "The class
report", says what each column holds). A student without a graded submission
gets a blank grade, never a 0 posted by mistake: the report lists why."""
import csv

CANVAS_IDS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDS = ["First name", "Last name", "ID number", "Email address"]


def points(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _grade(student):
    return points(student.score) if student.graded else ""


def canvas_column(data, canvas_id=None):
    """Canvas matches a column to an assignment by the number in brackets;
    without one it offers to create a new assignment of that name."""
    return f"{data.aid} ({canvas_id})" if canvas_id else data.aid


def write_canvas(data, path, canvas_id=None):
    column = canvas_column(data, canvas_id)
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(CANVAS_IDS + [column])
        out.writerow(["Points Possible", "", "", "", "", points(data.max_score)])
        for s in data.students:
            name = ", ".join(filter(None, [s.last_name, s.first_name])) or s.id
            out.writerow([name, s.lms_user_id, s.id, "", "", _grade(s)])
    return path


def write_moodle(data, path):
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(MOODLE_IDS + [data.aid])
        for s in data.students:
            out.writerow([s.first_name, s.last_name, s.id, s.email, _grade(s)])
    return path
