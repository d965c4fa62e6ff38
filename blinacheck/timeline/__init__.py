"""Derived facts the rules read: cycle days, dates, doses, gaps, one view per subject."""
