"""The README's Python snippets are the service's own lines: each block, line for line
(indentation aside), stands in service.py, which the other tests run."""

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_every_python_snippet_is_in_the_service():
    readme = (HERE / "README.md").read_text()
    service = lines((HERE / "service.py").read_text())
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) == 3
    for block in blocks:
        wanted = lines(block)
        runs = [service[i : i + len(wanted)] for i in range(len(service) - len(wanted) + 1)]
        assert wanted in runs, f"not in service.py as written:\n{block}"
