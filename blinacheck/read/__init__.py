"""Reading input: bytes to a located document (values plus positions in the file)."""
