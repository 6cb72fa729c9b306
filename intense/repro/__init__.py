"""The reproduction: what the book needs and the library does not.

- `store`: the committed results folder, result files and run records as tables;
- `suites`: the runs behind each real-data chapter (methods, seeds, settings selection);
- `notebook`: a chapter's modes (results / smoke / full), its runs and its verdicts;
- `analysis`, `plots`: tables and figures from run records;
- `paper`: the paper's reported numbers.

Unlike `intense` itself, this package uses pandas, matplotlib and seaborn (the `[book]` extra).
"""
