"""Open Contracting Data Standard (OCDS) adapter: compiled releases in, analytic frames out."""
