"""Import XLSForm workbooks and print, per file, what happened: imported (with warnings) or refused.

    .venv/bin/python bench/xlsform_import.py [FILE_OR_FOLDER ...]

Without arguments it reads the published forms in ``shared/data/xlsforms`` next to the project.

Also prints the import time and the peak memory of the process, so a workbook that would take
too long or too much memory shows up here. Reading only: nothing is written.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from surveyapp.definitions.loader import QuestionnaireError  # noqa: E402
from surveyapp.definitions.xlsform import import_xlsform  # noqa: E402


def shared_xlsforms() -> Path | None:
    """The folder of real XLSForm files kept next to the project (``../shared/data/xlsforms``)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "xlsforms"
        if candidate.is_dir():
            return candidate
    return None


def main(arguments: list[str]) -> int:
    paths: list[Path] = []
    if not arguments and shared_xlsforms() is not None:
        arguments = [str(shared_xlsforms())]
    for argument in arguments:
        path = Path(argument)
        paths.extend(sorted(path.glob("*.xlsx")) if path.is_dir() else [path])
    counts = {"imported": 0, "refused": 0}
    for path in paths:
        warnings: list = []
        started = time.perf_counter()
        try:
            questionnaire = import_xlsform(path, path.name, warnings)
        except QuestionnaireError as exc:
            elapsed = time.perf_counter() - started
            counts["refused"] += 1
            print(f"REFUSED  {path.name}  ({elapsed * 1000:.0f} ms, {len(exc.problems)} problem(s))")
            for problem in exc.problems:
                print(f"    error    {problem}")
        else:
            elapsed = time.perf_counter() - started
            counts["imported"] += 1
            scored = "unscored survey" if questionnaire.unscored else "scored"
            print(
                f"IMPORTED {path.name}  ({elapsed * 1000:.0f} ms, {len(questionnaire.items)} items, {scored}, "
                f"{len(warnings)} warning(s))"
            )
        for warning in warnings:
            print(f"    warning  {warning}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{len(paths)} file(s): {counts['imported']} imported, {counts['refused']} refused; peak memory {peak:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
