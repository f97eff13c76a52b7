"""The jianzheng command line (Typer)."""
