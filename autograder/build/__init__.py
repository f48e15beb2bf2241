"""Building the course from one source: strip the reference into skeletons,
verify the expected arrays, assemble ``course/source/``, release it with
nbgrader, record the reference's answers, and lint what students receive."""
