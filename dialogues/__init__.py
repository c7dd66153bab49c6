"""The conversation engine: a turn in, replies + effects + new state out (no I/O)."""
