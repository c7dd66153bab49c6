"""What every package needs; imports nothing of the project."""
