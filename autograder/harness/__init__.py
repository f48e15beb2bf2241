"""The kit's own proof that it grades right: sample submissions, the demo,
the self-check with its mutant catalogs, and the hostile suite."""
