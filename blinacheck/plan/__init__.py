"""The plan-file format: pydantic models, validation messages, dose/date values, JSON Schema."""
