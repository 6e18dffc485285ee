"""Input validation: each check returns `Issue`s with a stable code and a Chinese message."""
