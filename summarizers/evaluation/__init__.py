"""Quality measurement on the evaluation sets: one module per task (summarize, stance, answer).

Each task module offers `predict(rows, **options) -> list[dict]`, `score(gold, pred) -> dict` and
`report(eval_dir) -> str` (a markdown table with the baselines measured side by side).
"""
