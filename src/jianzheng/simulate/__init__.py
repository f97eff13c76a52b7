"""A simulated trading center: honest behaviour and labelled misconduct through the real services."""
