"""rapport console: the real app in a terminal."""
