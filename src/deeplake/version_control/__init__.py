"""Git-like history of a dataset, stored in the v3 layout (FORMAT.md §4)."""
