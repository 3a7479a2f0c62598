"""Data errors that point a curator at the exact file, row and column to fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataIssue:
    file: str
    row: int | None  # line number in the file as an editor shows it (header = line 1); None: whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", line {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class KnowledgeBaseError(Exception):
    """Raised when the knowledge base does not validate; carries every issue found, not only the first."""

    def __init__(self, issues: list[DataIssue] | tuple[DataIssue, ...]):
        self.issues = tuple(issues)
        count = len(self.issues)
        head = f"knowledge base invalid ({count} problem{'s' if count != 1 else ''})"
        super().__init__(head + ":\n" + "\n".join(f"  - {issue}" for issue in self.issues))
