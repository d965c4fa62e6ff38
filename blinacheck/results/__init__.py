"""Data that flows out of the pipeline: findings and their parts (no pipeline code)."""
