"""Use cases: command handling, authorization, queries, unit of work."""
