"""Process-pool entry points of the PDF renderer (bulk exports).

This module imports no Flask or SQLAlchemy, so a spawned render worker loads only the renderer (a
smaller process than one that imports the whole app).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from surveyapp.reporting.report import font_config, render_pdf
from surveyapp.reporting.scorecard import ScorecardData


def warm_up_renderer() -> None:
    """Pool initializer: load the chart and PDF libraries once per worker."""
    import weasyprint  # noqa: F401

    from surveyapp.reporting import charts  # noqa: F401

    font_config()


def peak_rss_kib() -> int:
    """This process's own peak resident memory in KiB.

    Linux's ``VmHWM`` is the high-water mark of the process's current address space. The
    ``ru_maxrss`` of ``getrusage`` is not: it survives ``execve``, so a worker started by
    ``spawn`` (fork, then exec of a fresh interpreter) reports its parent's peak if that was higher.
    ``ru_maxrss`` is only the fallback where ``/proc`` is missing.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def render_in_worker(
    data: ScorecardData, archival: bool, strict_fonts: bool = False, zone: str = "UTC"
) -> tuple[bytes, int]:
    """Render one scorecard in a pool worker, its footer's time in the IANA ``zone`` (the agency's);
    returns the PDF and the worker's peak RSS in KiB."""
    pdf = render_pdf(data, datetime.now(ZoneInfo(zone)), archival=archival, strict_fonts=strict_fonts)
    return pdf, peak_rss_kib()
