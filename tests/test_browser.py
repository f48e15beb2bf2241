"""The course in real Jupyter, in a real browser (Debian's chromium, driven by
Selenium): a student's JupyterLab, set up by student/configure.py, shows
nbgrader's student parts only; the student fetches a1_backprop from the
exchange, fills in a TODO, runs the setup and the test cell after it, validates and
submits. The instructor's formgrader collects, autogrades with its button,
shows the class and a submission's manual-grading view with its mark scheme,
takes a score into the gradebook, and generates and releases the feedback
that the student then fetches. Screenshots go to each test's tmp_path."""
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from nbgrader.api import Gradebook

from autograder.build.assemble import build
from autograder.build.strip import strip_solutions
from autograder.harness import classroom
from autograder.harness.submissions import do_work, reference_modules
from autograder.layout import COURSE_ID, Course
from autograder.settings import gradebook_url
from browser import By, Keys, chromium
from conftest import REPO, points
from formgrader_server import EXTENSION, Formgrader, running_jupyter

AID = "a1_backprop"
QUESTION = "Why does subtracting the row maximum before np.exp leave the softmax unchanged"
RUBRIC = "1 point: a common factor"  # the mark scheme's first line, for graders only
ANSWER = ("A common factor exp(-max) cancels between numerator and denominator; without the shift "
          "exp(1000) overflows to inf and inf/inf is NaN.")
TODO = 'raise NotImplementedError("Linear.forward is not implemented yet")'
FILLED = ['self.cache = (x.reshape(len(x), -1), x.shape)',
          'return self.cache[0] @ self.params["W"] + self.params["b"]']


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """a1_backprop built and released to the course's exchange; ben has fetched,
    solved it (with a written answer) and submitted, all through the exchange."""
    course = Course(build(tmp_path_factory.mktemp("course") / "course", [AID], timeout_s=10))
    classroom.release(course, AID)
    ben = classroom.Student("ben", tmp_path_factory.mktemp("homes") / "ben", course)
    do_work(course, AID, ben.fetch(AID), reference_modules(AID), answers={"answer_max_shift": ANSWER},
            solved=True)
    ben.submit(AID)
    return SimpleNamespace(course=course, ben=ben)


def student_jupyter(course, tmp_path, name):
    """The environment of a student's JupyterLab: a Jupyter config folder set up by
    student/configure.py (with the student's id: the tests run as one OS user, whose
    name nbgrader would take), and no PYTHONPATH (the kernel imports the student's
    scratchnn, never the reference)."""
    config = tmp_path / "jupyter-config"
    env = {"JUPYTER_CONFIG_DIR": str(config), "PYTHONPATH": None}
    subprocess.run([sys.executable, REPO / "student" / "configure.py", "--user", "--student", name,
                    "--exchange", classroom.exchange_root(course)], check=True, capture_output=True,
                   env={k: v for k, v in {**os.environ, **env}.items() if v is not None})
    return {**env, **no_news(config)}


def no_news(config):
    """Jupyter settings in ``config`` for no "get notified about Jupyter news?" pop-up
    over the screenshots; as a server's environment."""
    news = config / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    return {"JUPYTER_CONFIG_DIR": str(config)}


def nbgrader_menu(browser):
    """The labels of JupyterLab's Nbgrader menu, opened."""
    browser.wait(lambda: [e for e in browser.css(".lm-MenuBar-item") if e.text == "Nbgrader"],
                 "JupyterLab's menu bar", timeout=60)[0].click()
    return browser.wait(lambda: [e.text for e in browser.css(".lm-Menu-itemLabel") if e.text], "the Nbgrader menu")


def open_assignment_list(browser):
    nbgrader_menu(browser)
    [e for e in browser.css(".lm-Menu-item") if e.text.strip() == "Assignment List"][0].click()
    browser.wait(lambda: browser.css("#nbgrader-assignment-list"), "the Assignment List")


def open_notebook(browser, server, path):
    browser.open(server.login_url(f"/lab/tree/{path}"))
    browser.wait(lambda: "Idle" in browser.text(".jp-StatusBar-Item, #jp-main-statusbar"),
                 "the notebook's kernel to be idle", timeout=90)
    return browser.css(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", visible=False)


def output_of(browser, cell, what, timeout=60):
    return browser.wait(lambda: what in cell.text and cell.text, f"{what!r} in the cell's output", timeout)


def validate(browser, expected):
    [b for b in browser.css(".validate-button")][0].click()
    dialog = browser.wait(lambda: [d for d in browser.css(".jp-Dialog") if "Validation Results" in d.text],
                          "nbgrader's validation results", timeout=180)[0]
    assert expected in dialog.text, dialog.text
    return dialog


def test_a_student_fetches_works_validates_and_submits_in_jupyterlab(course, tmp_path, capsys):
    course, home = course.course, tmp_path / "ann"
    home.mkdir()
    with running_jupyter(home, "lab", student_jupyter(course, tmp_path, "ann"), ready="/lab") as lab, \
            chromium(tmp_path) as browser:
        # only the student's parts of nbgrader: no formgrader, course list or Create Assignment
        assert lab.get("/formgrader")[0] == 404
        browser.open(lab.login_url("/lab"))
        assert nbgrader_menu(browser) == ["Assignment List"]
        assert not browser.css("#nbgrader-create_assignemnt", visible=False)
        assert "Create Assignment" not in browser.text(".lm-TabBar-tabLabel")
        browser.shot("01_student_lab_nbgrader_menu")
        browser.keys(Keys.ESCAPE)

        open_assignment_list(browser)
        browser.wait(lambda: browser.xpath("//div[@id='released_assignments_list']//button[normalize-space()='Fetch']"),
                     "the released assignment's Fetch button")[0].click()
        browser.wait(lambda: (home / AID / "01_layers.ipynb").exists() and AID in browser.text("#fetched_assignments_list"),
                     "the fetched assignment")
        browser.shot("02_student_assignment_list_fetched")

        # what the student wrote before (the reference's code), all but Linear.forward
        for name, text in reference_modules(AID).items():
            if name == "layers.py":
                text = strip_solutions(text, keep=lambda where: where != "Linear.forward")
            (home / AID / "scratchnn" / name).write_text(text)

        cells = open_notebook(browser, lab, f"{AID}/01_layers.ipynb")
        cells[0].find_element(By.CSS_SELECTOR, ".jp-InputPrompt").click()
        browser.keys(*[(Keys.SHIFT, Keys.ENTER)] * 4)  # intro, setup, section 1, its test cell
        output_of(browser, cells[3], "not implemented yet")
        browser.shot("03_student_test_cell_before_the_todo")

        browser.open(lab.login_url(f"/lab/tree/{AID}/scratchnn/layers.py"))
        scroller = browser.wait(lambda: browser.css(".jp-FileEditor .cm-scroller"), "the editor")[0]
        def todo_line():
            lines = [l for l in browser.css(".jp-FileEditor .cm-line") if TODO in l.text]
            if not lines:
                browser.driver.execute_script("arguments[0].scrollTop += 300", scroller)
            return lines
        browser.center(browser.wait(todo_line, "the TODO of Linear.forward in the editor")[0]).click()
        browser.keys(Keys.END, (Keys.SHIFT, Keys.HOME), FILLED[0], Keys.ENTER, FILLED[1], (Keys.CONTROL, "s"))
        layers = home / AID / "scratchnn" / "layers.py"
        browser.wait(lambda: all(f"        {line}\n" in layers.read_text() for line in FILLED), "layers.py saved")
        assert TODO not in layers.read_text()
        browser.shot("04_student_fills_the_todo_in_layers_py")

        cells = open_notebook(browser, lab, f"{AID}/01_layers.ipynb")
        cells[3].find_element(By.CSS_SELECTOR, ".jp-InputPrompt").click()
        browser.keys((Keys.CONTROL, Keys.ENTER))  # autoreload picks up the edited module
        output_of(browser, browser.center(cells[3]), "OK  Linear.forward")
        browser.shot("05_student_test_cell_ok")

        dialog = validate(browser, "You did not provide a response")
        assert "YOUR ANSWER HERE" in dialog.text
        browser.shot("06_student_validate_names_the_missing_answer")
        dialog.find_element(By.CSS_SELECTOR, ".jp-mod-accept").click()

        answer = [c for c in cells if "YOUR ANSWER HERE" in c.text][-1]
        question = browser.center(cells[cells.index(answer) - 1]).text
        assert QUESTION in question and RUBRIC not in question, question  # the release strips the mark scheme
        browser.center(answer).find_element(By.CSS_SELECTOR, ".jp-MarkdownOutput").click()
        browser.keys(Keys.ENTER)
        browser.wait(lambda: "jp-mod-editMode" in browser.css(".jp-Notebook")[0].get_attribute("class"),
                     "the answer cell in edit mode")
        browser.keys((Keys.CONTROL, "a"), ANSWER, (Keys.CONTROL, Keys.ENTER), (Keys.CONTROL, "s"))
        browser.wait(lambda: ANSWER in (home / AID / "01_layers.ipynb").read_text(), "the notebook saved")
        validate(browser, "Success! Your notebook passes all the tests.")
        browser.shot("07_student_validate_success")
        browser.keys(Keys.ENTER)

        open_assignment_list(browser)
        browser.wait(lambda: browser.xpath("//div[@id='fetched_assignments_list']//button[normalize-space()='Submit']"),
                     "the Submit button")[0].click()
        browser.wait(lambda: AID in browser.text("#submitted_assignments_list"), "the submission listed")
        browser.shot("08_student_submitted")
        inbound = classroom.exchange_root(course) / COURSE_ID / "inbound"
        assert list(inbound.glob(f"ann+{AID}+*/01_layers.ipynb"))
    report(capsys, browser)


def test_an_instructor_collects_grades_by_hand_and_releases_feedback_in_formgrader(course, tmp_path, capsys):
    course, ben = course.course, course.ben
    with running_jupyter(course.root, "lab", no_news(tmp_path / "jupyter-config"), extensions={EXTENSION: True},
                         ready="/formgrader", server_class=Formgrader) as lab, chromium(tmp_path) as browser:
        browser.open(lab.login_url("/lab"))
        menu = nbgrader_menu(browser)
        assert "Formgrader" in menu and "Create assignment" in menu, menu
        browser.shot("10_instructor_lab_nbgrader_menu")
        browser.keys(Keys.ESCAPE)

        # the exchange is configured: release and collect are on, no warning
        browser.open(lab.login_url("/formgrader"))
        row = browser.wait(lambda: [r for r in browser.css("tr") if r.text.startswith(AID)], "the assignment")[0]
        assert not browser.css("#warning-exchange", visible=False) and "released" in row.text
        browser.shot("11_instructor_manage_assignments")
        modal = button(browser, row, ".collect a", "Successfully collected submissions")
        assert "ben" in modal.text
        browser.shot("12_instructor_collected")
        close(browser)
        assert course.submitted("ben", AID).is_dir()

        browser.open(lab.login_url(f"/formgrader/manage_submissions/{AID}"))
        row = browser.wait(lambda: [r for r in browser.css("tr") if " ben " in f" {r.text} "], "ben's submission")[0]
        button(browser, row, ".autograde a", "Successfully autograded", timeout=300)
        browser.shot("13_instructor_autograded")
        close(browser)

        browser.open(lab.login_url("/formgrader/manage_students"))
        browser.wait(lambda: f"{points(AID)[0]} / {sum(points(AID))}" in browser.text("tr"), "ben's autograded score in the class")
        browser.shot("14_instructor_the_class")

        browser.open(lab.login_url("/formgrader/gradebook"))
        for link in (AID, "01_layers"):
            browser.wait(lambda: [a for a in browser.css("table a") if a.text == link], f"the link {link}")[0].click()
        browser.wait(lambda: "Submission #" in browser.text("tr"), "the notebook's submissions")
        browser.css("#toggle_names")[0].click()  # names, not "Submission #1"
        row = browser.wait(lambda: [r for r in browser.css("tr") if "ben" in r.text], "ben's notebook")[0]
        [a for a in browser.css("a", within=row) if "ben" in a.text][0].click()
        box = browser.center(browser.wait(lambda: browser.css("#answer_max_shift"), "the written answer's score box")[0])
        page = browser.text()
        assert QUESTION in page and RUBRIC in page and ANSWER in page  # formgrader shows the mark scheme
        assert "Student's answer" in box.find_element(By.XPATH, "ancestor::div[contains(@class,'nbgrader_cell')]").text
        box.click()
        browser.keys("2", Keys.TAB)
        browser.wait(lambda: manual_score(course, "ben") == 2, "the score in the gradebook")
        browser.shot("15_instructor_manual_grading_with_mark_scheme")

        browser.open(lab.login_url("/formgrader"))
        row = browser.wait(lambda: [r for r in browser.css("tr") if r.text.startswith(AID)], "the assignment")[0]
        button(browser, row, ".generate-feedback a", "Successfully generated feedback", timeout=180)
        close(browser)
        row = browser.wait(lambda: [r for r in browser.css("tr") if r.text.startswith(AID)], "the assignment")[0]
        button(browser, row, ".release-feedback a", "Successfully released feedback")
        browser.shot("16_instructor_released_feedback")
    feedback = ben.fetch_feedback(AID)
    assert [p.name for p in feedback] == ["01_layers.html", "02_mlp.html"]
    assert ANSWER in feedback[0].read_text()
    report(capsys, browser)


def button(browser, row, selector, success, timeout=60):
    """Click formgrader's button ``selector`` in ``row``; its success dialog."""
    row.find_element(By.CSS_SELECTOR, selector).click()
    modal = browser.wait(lambda: [m for m in browser.css(".modal.in") if "Success" in m.text or "Error" in m.text],
                         f"formgrader's answer to {selector}", timeout)[0]
    assert success in modal.text, modal.text
    time.sleep(0.5)  # the dialog fades in
    return modal


def close(browser):
    browser.css(".modal .modal-footer button")[0].click()
    browser.wait(lambda: not browser.css(".modal", visible=False), "the dialog to close")


def manual_score(course, student):
    with Gradebook(gradebook_url(course), COURSE_ID) as gb:
        return gb.find_grade("answer_max_shift", "01_layers", AID, student).manual_score


def report(capsys, browser):
    with capsys.disabled():
        print("\nscreenshots:\n  " + "\n  ".join(str(p) for p in browser.taken))
