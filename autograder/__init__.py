"""The instructor's toolkit: build the course from one source, release it
with nbgrader, grade a class, and check that the kit grades itself right."""
