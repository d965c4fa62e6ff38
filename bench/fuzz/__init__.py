"""A mutation fuzzer for blinacheck: plans that are almost right, and bytes that are not.

Seeds are the example plans (examples/) and the rule-test fixture plans (tests/rules/). Each case
applies one to three mutations of four kinds (bench/fuzz/mutate.py):

- structural: a key or list entry removed, duplicated, moved, an unknown key, a mapping turned
  into a list or a scalar;
- value: a scalar replaced by an edge value (day 0, 401, 9999-12-31, 1_5, Arabic-Indic digits,
  1e400, .nan, NO, 5,000 characters, control and bidi characters, ...);
- byte-level: bytes flipped, inserted (NUL, ESC, 0xE9, CR, NEL, U+2028), deleted, duplicated,
  line ends rewritten, a BOM, a truncation;
- YAML features: anchors and aliases, tags, flow style, block scalars, a second document,
  directives, complex keys, override comments.

and checks the invariants of docs/limits.md ("Fuzzing") on it (bench/fuzz/check.py). The test
suite runs a short fixed-seed budget (tests/test_fuzz.py); a long run is

    nice python -m bench.fuzz --cases 100000 --seed 1      # about 10^5 cases; --jobs-every N

which prints the figures docs/limits.md quotes and exits 1 on the first broken invariant,
with the case written to bench/fuzz/failures/ to reproduce it.
"""
