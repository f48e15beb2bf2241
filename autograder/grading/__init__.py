"""Grading, as nbgrader preprocessors (so every way of running nbgrader's
autograde scores alike) and the orchestration around them: the sandbox and
its runner and kernel, the judgement outside the kernel, collection of LMS
downloads, and ``grade``."""
