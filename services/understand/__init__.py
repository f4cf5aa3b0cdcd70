"""What a citizen's free text is about: a procedure, a problem to report, the commune office,
a matter handled elsewhere, a greeting, or none of these."""
