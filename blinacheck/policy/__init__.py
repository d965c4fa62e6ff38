"""What the user decides about findings: inline directives, configuration, baselines."""
