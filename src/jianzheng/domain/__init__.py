"""Pure domain: lots, lifecycle, statutory rules, commands and events (standard library only)."""
