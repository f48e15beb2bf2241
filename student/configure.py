"""A student's Jupyter for the course: nbgrader's student parts only (the
Assignment List, to fetch and submit, and the Validate button), and the
course's exchange.

    pip install -r requirements.txt
    python configure.py --exchange /srv/nbgrader/exchange [--student ID]
    jupyter lab

Run it with the Python of the student's environment. It turns nbgrader's
instructor parts off (formgrader, the Create Assignment panel, the course list:
lab plugins and server extensions) and writes an nbgrader_config.py naming the
course, its exchange and, with --student, the student's id (nbgrader otherwise
takes the name of the OS user running Jupyter), all in that environment's
Jupyter config folder; with
--user, in the user's ($JUPYTER_CONFIG_DIR, else ~/.jupyter) instead. It
writes the files `jupyter labextension disable` and `jupyter server extension
disable` would, itself: the latter refuses, at the user's level, an extension
that the environment enables. Standard library only: students never get the kit."""
import argparse
import json
import sys
from pathlib import Path

INSTRUCTOR_LAB = ["@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
                  "@jupyter/nbgrader:course-list"]
INSTRUCTOR_SERVER = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"]


def config_dir(user):
    if user:
        from jupyter_core.paths import jupyter_config_dir
        return Path(jupyter_config_dir())
    return Path(sys.prefix) / "etc" / "jupyter"


def merge(data, update):
    for key, value in update.items():
        data[key] = merge(data.get(key, {}), value) if isinstance(value, dict) else value
    return data


def merge_json(path, update):
    """``update`` merged into the JSON file ``path`` (made if missing)."""
    data = json.loads(path.read_text()) if path.exists() else {}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merge(data, update), indent=2) + "\n")


def configure(exchange, course="scratchnn", student=None, user=False):
    folder = config_dir(user)
    # JupyterLab's own switch for plugins (what `jupyter labextension disable` writes).
    merge_json(folder / "labconfig" / "page_config.json",
               {"disabledExtensions": {plugin: True for plugin in INSTRUCTOR_LAB}})
    # The server's settings file of this folder, which outranks what packages enable in it.
    merge_json(folder / "jupyter_server_config.json",
               {"ServerApp": {"jpserver_extensions": {extension: False for extension in INSTRUCTOR_SERVER}}})
    (folder / "nbgrader_config.py").write_text("\n".join([
        "# Written by configure.py: the course and its exchange, for nbgrader's Assignment List.",
        "c = get_config()",
        f"c.CourseDirectory.course_id = {course!r}",
        f"c.Exchange.root = {str(Path(exchange).resolve())!r}",
        *([f"c.CourseDirectory.student_id = {student!r}"] if student else []), ""]))
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exchange", required=True, type=Path,
                        help="the course's exchange folder, as the instructor gives it")
    parser.add_argument("--course", default="scratchnn", help="the course id (default: scratchnn)")
    parser.add_argument("--student", help="your student id, where it is not the name you log in with")
    parser.add_argument("--user", action="store_true",
                        help="configure the user's Jupyter rather than this environment's")
    args = parser.parse_args(argv)
    folder = configure(args.exchange, args.course, args.student, args.user)
    print(f"student Jupyter configured in {folder}: course {args.course}, exchange {args.exchange.resolve()}"
          + (f", student {args.student}" if args.student else "")
          + "; formgrader, Create Assignment and the course list are off")


if __name__ == "__main__":
    main()
