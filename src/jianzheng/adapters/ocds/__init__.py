"""Open Contracting Data Standard (OCDS) 1.1 adapter: import, export, and analytic frames.

- `reader`, `normalize`, `merge`, `summary`, `importer`: read release packages, record
  packages and JSON lines, keep what the schema defines (reporting the rest), compile a
  process's releases, and import them as witnessed events (`services.ocds_import`).
- `platform_releases`, `export`: every lot as OCDS releases and compiled releases.
- `schema`: the OCDS 1.1.5 release schema with the bids extension and jianzheng's extension
  (``extension/``) merged; the standard's files are vendored in ``standard/``.
- `frames`, `redflags`: compiled releases into the supervision frames, and the OCP red flags
  on imported data.

See docs/ocds.md.
"""
