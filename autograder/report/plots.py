"""The report's figures, as PNG data URIs embedded in the page (it must open
with no network and no other file)."""
import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

FULL, PARTIAL, NONE = "#2e7d32", "#f9a825", "#c62828"


def _uri(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_histogram(data):
    fig, ax = plt.subplots(figsize=(6.5, 3))
    scores = [s.score for s in data.graded]
    top = max(data.max_score, 1)
    ax.hist(scores, bins=[x - 0.5 for x in range(int(top) + 2)], rwidth=0.85, color="#1565c0")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set(xlim=(-0.5, top + 0.5), xlabel=f"total score (out of {top:g})", ylabel="students",
           title=f"{data.aid}: scores of {len(scores)} graded submissions")
    return _uri(fig)


def cell_outcomes(data, shares):
    """Stacked bars: the share of the class with full, partial and no marks, per test cell."""
    cells = data.tests
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * len(cells) + 1.2))
    names = [c.name for c in cells][::-1]
    left = [0.0] * len(names)
    for key, colour, label in (("full", FULL, "full marks"), ("partial", PARTIAL, "partial"),
                               ("none", NONE, "no marks")):
        values = [shares[n][key] * 100 for n in names]
        ax.barh(names, values, left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, values)]
    ax.set(xlim=(0, 100), xlabel="% of graded submissions")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    return _uri(fig)


def notebook_totals(data):
    """Each notebook's mean score as a share of its points, each student a dot."""
    names = sorted(data.notebook_max)[::-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.6 * len(names) + 1.2))
    for row, name in enumerate(names):
        shares = [100 * s.notebooks.get(name, 0) / (data.notebook_max[name] or 1) for s in data.graded]
        ax.barh(row, sum(shares) / max(len(shares), 1), color="#90caf9")
        ax.plot(shares, [row] * len(shares), "o", color="#0d47a1", alpha=0.6)
    ax.set_yticks(range(len(names)), names)
    ax.set(xlim=(-2, 102), xlabel="% of the notebook's points (bar: class mean; dot: one student)")
    return _uri(fig)
