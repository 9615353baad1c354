"""Cross-department directory of peer supporters."""
