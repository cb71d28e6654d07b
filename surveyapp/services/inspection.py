"""Inspection use cases: register targets, run an inspection (fetch, judge, keep evidence), probe
availability, read findings and their history.

Rules: ``domain/inspection.py``; fetching: ``inspector/crawler.py``; one run: ``inspector/run.py``; page
formats and WARC: ``definitions/webpages.py``. Only the hosts of a department's registered targets are
fetched. A run is written in one transaction (run, findings, snapshots); its WARC file is removed if that
transaction does not commit.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from surveyapp.domain import inspection as rules
from surveyapp.extensions import db
from surveyapp.inspector import host_of, refused_error
from surveyapp.models import (
    AvailabilityProbe,
    InspectionFinding,
    InspectionRun,
    InspectionSnapshot,
    InspectionTarget,
    Organisation,
    TargetKind,
)
from surveyapp.models.base import utcnow
from surveyapp.services import pending_files
from surveyapp.services.audit import record_event

if TYPE_CHECKING:  # the HTTP stack, page parsing and WARC writing are imported when an inspection runs
    from surveyapp.inspector.crawler import Crawler, Fetch
    from surveyapp.inspector.run import TargetSpec

log = logging.getLogger(__name__)

KINDS = tuple(k.value for k in TargetKind)
COLUMN_TYPES = ("news", "notices", "policies", "plans", "other")


def _(message: str, **values) -> str:
    """The message in the reader's language on a page; in English from the command line and jobs."""
    from flask import has_request_context

    return gettext(message, **values) if has_request_context() else (message % values if values else message)


class InspectionError(ValueError):
    """A refused request, with a message for the user."""


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host, stripped; raises ``InspectionError`` otherwise."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:  # an invalid IPv6 literal, a port above 65535, …
        raise InspectionError(_("Not an http or https address: %(url)s", url=url[:200])) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise InspectionError(_("Not an http or https address: %(url)s", url=url[:200]))
    if parts.username or parts.password:
        raise InspectionError(_("An address with a user name or password is not accepted."))
    if len(url) > 1000:
        raise InspectionError(_("The address is longer than 1000 characters."))
    return url


def _private_literal(url: str) -> str | None:
    """A loopback/private address written in the URL itself (an IP or ``localhost``), refused at registration
    unless INSPECT_ALLOW_PRIVATE_HOSTS; names are resolved and checked when fetched (``Crawler``), not here."""
    import ipaddress
    import socket

    if current_app.config["INSPECT_ALLOW_PRIVATE_HOSTS"]:
        return None
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the other ways to write an IPv4 address that resolvers accept: 127.1, 0x7f000001, 2130706433, 0177.0.0.1
            address = ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return None
    return None if address.is_global and not address.is_multicast else str(address)


def same_address(a: str, b: str) -> bool:
    """Whether two registered URLs name the same address: scheme and host compared case-insensitively, an
    empty path as "/", the default port dropped (``HTTP://Example.gov.cn`` is ``http://example.gov.cn/``)."""

    def key(url: str) -> tuple:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = host_of(url)
        default = {"http": ":80", "https": ":443"}.get(scheme, "")
        if default and host.endswith(default):
            host = host[: -len(default)]
        return scheme, host, parts.path or "/", parts.query

    return key(a) == key(b)


def parse_columns(text: str) -> list[dict]:
    """Columns typed one a line as ``URL`` or ``URL | name`` or ``URL | name | type``."""
    columns = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        try:
            url = check_url(parts[0])
        except InspectionError as exc:
            raise InspectionError(_("Column line %(number)d: %(problem)s", number=number, problem=exc)) from None
        kind = parts[2].lower() if len(parts) > 2 and parts[2] else ""
        if kind and kind not in COLUMN_TYPES:
            raise InspectionError(
                _(
                    "Column line %(number)d: the type must be one of %(types)s.",
                    number=number,
                    types=", ".join(COLUMN_TYPES),
                )
            )
        columns.append({"url": url, "name": parts[1] if len(parts) > 1 else "", "type": kind})
    return columns


def add_target(
    department: Organisation,
    url: str,
    kind: str,
    actor=None,
    columns=None,
    selectors=None,
    entrances=None,
    label: str | None = None,
) -> InspectionTarget:
    """Register a website, feed or CSV export of ``department`` (audited); column URLs must be on the
    target's host. Raises ``InspectionError``."""  # fmt: skip
    if kind not in KINDS:
        raise InspectionError(_("The kind must be one of %(kinds)s.", kinds=", ".join(KINDS)))
    url = check_url(url)
    private = _private_literal(url)
    if private:
        raise InspectionError(
            _(
                "%(host)s resolves to the private address %(address)s, which is not inspected "
                "(setting INSPECT_ALLOW_PRIVATE_HOSTS).",
                host=host_of(url),
                address=private,
            )
        )
    same = next((t for t in targets_of(department) if same_address(t.url, url)), None)
    if same is not None:
        raise InspectionError(
            _("%(url)s is already registered for this department (target %(id)d).", url=same.url, id=same.id)
        )
    columns = list(columns or [])
    selectors = {k: v for k, v in dict(selectors or {}).items() if v}
    for name, path in selectors.items():
        if name not in ("list_item", "date"):
            raise InspectionError(_("Unknown selector %(name)s.", name=name))
        try:
            import lxml.etree  # only to check the expression

            lxml.etree.XPath(path)
        except lxml.etree.XPathSyntaxError:
            raise InspectionError(_("Not an XPath expression: %(path)s", path=path[:100])) from None
    for column in columns:
        if host_of(column["url"]) != host_of(url):
            raise InspectionError(
                _("The column %(column)s is not on %(host)s.", column=column["url"], host=host_of(url))
            )
    target = InspectionTarget(organisation_id=department.id, kind=kind, url=url, host=host_of(url),
                              columns=columns, selectors=dict(selectors or {}), entrances=list(entrances or []),
                              label=(label or None), created_by_id=getattr(actor, "id", None))  # fmt: skip
    db.session.add(target)
    db.session.flush()
    record_event("inspection.target_add", actor=actor, obj=target, object_type="inspection_targets",
                 object_id=target.id, department=department.code, url=url, kind=kind)  # fmt: skip
    db.session.commit()
    return target


def remove_target(target: InspectionTarget, actor=None) -> None:
    """Stop inspecting a target (kept for its findings' history; audited once: a repeated request, such as a
    double click or the back button, changes and records nothing)."""
    if not target.active:
        return
    target.active = False
    record_event("inspection.target_remove", actor=actor, object_type="inspection_targets", object_id=target.id,
                 url=target.url)  # fmt: skip
    db.session.commit()


def targets_of(department: Organisation, active_only: bool = True) -> list[InspectionTarget]:
    query = select(InspectionTarget).where(InspectionTarget.organisation_id == department.id)
    if active_only:
        query = query.where(InspectionTarget.active.is_(True))
    return list(db.session.scalars(query.order_by(InspectionTarget.id)))


def target_by_id(target_id: int) -> InspectionTarget | None:
    return db.session.get(InspectionTarget, target_id)


def departments_with_targets() -> list[Organisation]:
    ids = select(InspectionTarget.organisation_id).where(InspectionTarget.active.is_(True)).distinct()
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.code)))


def make_crawler(hosts) -> Crawler:
    from surveyapp.inspector.crawler import Crawler

    config = current_app.config
    return Crawler(hosts, config["INSPECT_USER_AGENT"], timeout=float(config["INSPECT_TIMEOUT_SECONDS"]),
                   min_interval=float(config["INSPECT_MIN_INTERVAL_SECONDS"]),
                   max_pages=int(config["INSPECT_MAX_PAGES"]), max_bytes=int(config["INSPECT_MAX_BYTES"]),
                   max_page_bytes=int(config["INSPECT_MAX_PAGE_BYTES"]),
                   allow_private=bool(config["INSPECT_ALLOW_PRIVATE_HOSTS"]))  # fmt: skip


def _spec(target: InspectionTarget) -> TargetSpec:
    from surveyapp.inspector.run import TargetSpec

    return TargetSpec(target.kind, target.url, target.columns or [], target.selectors or {}, target.entrances or [],
                      target.id)  # fmt: skip


def inspections_dir() -> Path:
    return Path(current_app.config["INSPECTIONS_DIR"])


def check_as_of(as_of: date | None) -> date:
    """The day of a check: by default the agency's today (its time zone, as rectification items count their
    days; a server on UTC is a day behind Beijing from 16:00); never after today (the pages are fetched now, so
    a later day would judge today's site against a future calendar and raise false vetoes). Raises
    ``InspectionError``."""
    from surveyapp.localtime import to_local

    agency_today = to_local(utcnow()).date()
    today = max(date.today(), agency_today)  # the server's day or the agency's, whichever is later
    if as_of is None:
        return agency_today
    if as_of > today:
        raise InspectionError(
            _(
                "The day of the check (%(day)s) is after today (%(today)s): pages can only be observed as they are "
                "now.",
                day=as_of.isoformat(),
                today=today.isoformat(),
            )
        )
    return as_of


def run_inspection(department: Organisation, as_of: date | None = None, actor=None) -> InspectionRun:
    """Inspect every active target of ``department`` as of ``as_of`` (default today): one run, its
    findings and WARC snapshots, committed together. Nothing is written to the database while pages are
    fetched (a crawl paced at one request per second must not hold a write lock); the WARC file is removed
    if the final transaction does not commit. A department without targets gets a run with no finding."""
    from surveyapp.definitions.webpages import WarcFile, sha256_hex
    from surveyapp.inspector.run import Inspection

    as_of = check_as_of(as_of)
    targets = targets_of(department)
    specs = [(target.id, target.kind, _spec(target)) for target in targets]
    availability = {t.id: availability_finding(t, as_of) for t in targets if t.kind == TargetKind.WEBSITE}
    relative = Path(department.code) / f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.warc.gz"
    warc_path = inspections_dir() / relative
    warc = WarcFile(warc_path)
    snapshots: dict[str, dict] = {}

    def record(fetch: Fetch) -> str:
        offset = warc.add(fetch.final_url or fetch.url, fetch.status or 0, fetch.reason, fetch.headers, fetch.body,
                          truncated=fetch.truncated)  # fmt: skip
        key = f"s{len(snapshots) + 1}"
        snapshots[key] = {
            "url": (fetch.final_url or fetch.url)[:1000],
            "status_code": fetch.status,
            "content_type": (fetch.content_type or "")[:200],
            "length": len(fetch.body),
            "sha256": sha256_hex(fetch.body),
            "warc_path": str(relative),
            "warc_offset": offset,
            "fetched_at": utcnow(),  # when it was fetched, not when the run commits
        }
        return key

    crawler = make_crawler({t.host for t in targets})
    inspection = Inspection(crawler, as_of, record)
    found: list[tuple[int, rules.Finding]] = []
    try:
        for target_id, kind, spec in specs:
            found += [(target_id, f) for f in inspection.target(spec)]
            if kind == TargetKind.WEBSITE:
                found.append((target_id, availability[target_id]))
    except BaseException:
        warc.close()
        warc_path.unlink(missing_ok=True)
        raise
    warc.close()
    if snapshots:
        pending_files.track(db.session, warc_path)  # from here on, the file lives or dies with the transaction
    else:  # nothing was fetched (every address refused, robots.txt): no empty evidence file
        warc_path.unlink(missing_ok=True)
    run = InspectionRun(organisation_id=department.id, as_of=as_of, status="done",
                        warc_path=str(relative) if snapshots else None,
                        started_by_id=getattr(actor, "id", None), pages=crawler.pages, bytes=crawler.bytes,
                        finished_at=utcnow())  # fmt: skip
    db.session.add(run)
    db.session.flush()
    rows = {key: InspectionSnapshot(run_id=run.id, **values) for key, values in snapshots.items()}
    db.session.add_all(rows.values())
    db.session.flush()
    for target_id, finding in found:
        snapshot = rows.get(finding.evidence) if finding.evidence else None
        db.session.add(InspectionFinding(
            run_id=run.id, target_id=target_id, check=finding.check, status=finding.status,
            observed=finding.observed, threshold=finding.threshold[:200], url=(finding.url or None),
            detail=finding.detail or None, veto=finding.veto,
            snapshot_id=snapshot.id if snapshot else None))  # fmt: skip
    record_event("inspection.run", actor=actor, object_type="organisations", object_id=department.id,
                 run=run.id, findings=len(found), as_of=as_of.isoformat())  # fmt: skip
    db.session.commit()
    try:
        run.rectification = follow_up(department, run)
    except Exception:  # the inspection stands; the follow-up can be run again (it is idempotent)
        db.session.rollback()
        log.exception("inspection run %s: rectification follow-up failed", run.id)
    return run


def observations_of(run: InspectionRun) -> list:
    """The run's decided findings (pass or fail; ``unknown`` decides nothing) as observations for the
    rectification items, each with its snapshot (or the run) as evidence."""
    from surveyapp.domain import rectification as items

    seen = []
    for finding in run.findings:
        if finding.status == rules.UNKNOWN:
            continue
        evidence = f"{items.SNAPSHOT_PREFIX}{finding.snapshot_id}" if finding.snapshot_id else f"run/{run.id}"
        seen.append(items.Observation(
            reference=items.inspector_reference(finding.check, finding.url), passed=finding.status == rules.PASS,
            title=f"{finding.check}: {finding.url}" if finding.url else finding.check,
            detail=(finding.detail or "")[:2000], evidence_ref=evidence))  # fmt: skip
    return seen


def follow_up(department: Organisation, run: InspectionRun) -> dict:
    """The automatic re-check (issue 21): the run's observations close, note, reopen or open the
    department's inspector-check rectification items (``services.rectification.follow_observations``);
    opening new items is the ``INSPECT_OPEN_ITEMS`` setting. A run as of a day before the department's newest
    run moves nothing. Returns the items by what happened."""
    from surveyapp.services import rectification

    newer = db.session.scalar(select(InspectionRun.id).where(
        InspectionRun.organisation_id == department.id, InspectionRun.status == "done", InspectionRun.id != run.id,
        InspectionRun.as_of > run.as_of).limit(1))  # fmt: skip
    # A back-dated run observes nothing new: the newer observation already decided the items.
    observations = observations_of(run) if newer is None else []
    return rectification.follow_observations(
        department, observations, observed_at=run.finished_at, observed_on=run.as_of,
        open_items=bool(current_app.config.get("INSPECT_OPEN_ITEMS", True)),
    )  # fmt: skip


def availability_finding(target: InspectionTarget, as_of: date) -> rules.Finding:
    """``availability`` from the target's probes in the window before the end of ``as_of``."""
    end = as_of + timedelta(days=1)
    start = end - timedelta(days=rules.AVAILABILITY_WINDOW_DAYS)
    rows = db.session.execute(select(AvailabilityProbe.probed_at, AvailabilityProbe.ok, AvailabilityProbe.error).where(
        AvailabilityProbe.target_id == target.id, AvailabilityProbe.probed_at >= start,
        AvailabilityProbe.probed_at < end)).all()  # fmt: skip
    counted = [row for row in rows if not refused_error(row.error)]  # probes the crawler declined are not outcomes
    days = {row.probed_at.date() for row in counted}
    return rules.availability(target.url, [row.ok for row in counted], len(days))


def probe_all(skipped: list | None = None) -> list[AvailabilityProbe]:
    """One availability round: each active website target's home page, once, within the probe timeout.
    A probe the crawler declines by its own rules (robots.txt disallows the page, a private address, …) says
    nothing about the site: it is not stored, and ``(target id, reason)`` goes to ``skipped``."""
    probes = []
    for target in db.session.scalars(select(InspectionTarget).where(
            InspectionTarget.active.is_(True), InspectionTarget.kind == TargetKind.WEBSITE)):  # fmt: skip
        crawler = make_crawler({target.host})
        crawler.timeout = min(crawler.timeout, float(rules.PROBE_TIMEOUT_SECONDS))
        fetch = crawler.probe(target.url)
        if fetch.refused:
            if skipped is not None:
                skipped.append((target.id, fetch.error))
            continue
        probes.append(
            AvailabilityProbe(
                target_id=target.id,
                ok=fetch.ok,
                status_code=fetch.status,
                elapsed_ms=int(fetch.elapsed * 1000),
                error=(fetch.error or None),
                probed_at=utcnow(),  # when it ran, not when the round commits
            )
        )
    db.session.add_all(probes)
    db.session.commit()
    return probes


# --- schedule (RQ when REDIS_URL is set; cron or systemd timers otherwise, see the README) ------------------

SCHEDULED = {"run": ("surveyapp.jobs.inspect_all", "INSPECT_RUN_EVERY_HOURS", 3600),
             "probe": ("surveyapp.jobs.probe_availability", "INSPECT_PROBE_EVERY_MINUTES", 60),
             "prune": ("surveyapp.jobs.prune_inspections", "INSPECT_PRUNE_EVERY_HOURS", 3600)}  # fmt: skip


def schedule(what: str) -> str | None:
    """Ask RQ's scheduler (``rq worker --with-scheduler surveyapp``) to run ``what`` (run | probe | prune) after its
    interval; one job id per kind, so scheduling again replaces the pending job. None without Redis."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    function, setting, unit = SCHEDULED[what]
    queue = Queue(current_app.config["RQ_QUEUE"], connection=Redis.from_url(url))
    delay = timedelta(seconds=float(current_app.config[setting]) * unit)
    try:
        return queue.enqueue_in(delay, function, job_id=f"surveyapp-inspect-{what}").id
    except RedisError as exc:
        raise InspectionError(_("Cannot reach Redis at REDIS_URL: %(problem)s", problem=str(exc))) from None


def run_all_and_reschedule(as_of: date | None = None) -> list[InspectionRun]:
    """Inspect every department with targets (one failing department is logged and skipped), then schedule
    the next run."""
    import logging

    runs = []
    try:
        for department in departments_with_targets():
            try:
                runs.append(run_inspection(department, as_of))
            except Exception:
                db.session.rollback()
                logging.getLogger(__name__).exception("inspection of %s failed", department.code)
    finally:
        schedule("run")
    return runs


def probe_and_reschedule() -> list[AvailabilityProbe]:
    probes = probe_all()
    schedule("probe")
    return probes


# --- reading ---------------------------------------------------------------------------------------------------


def latest_run(department: Organisation) -> InspectionRun | None:
    return db.session.scalars(select(InspectionRun).where(
        InspectionRun.organisation_id == department.id, InspectionRun.status == "done")
        .order_by(InspectionRun.as_of.desc(), InspectionRun.id.desc()).limit(1)).first()  # fmt: skip


def run_history(department: Organisation, limit: int = 20) -> list[InspectionRun]:
    return list(db.session.scalars(select(InspectionRun).where(InspectionRun.organisation_id == department.id)
                                   .order_by(InspectionRun.id.desc()).limit(limit)))  # fmt: skip


def evidence_of(finding: InspectionFinding) -> dict | None:
    """The finding's snapshot (id, SHA-256, WARC file and offset); ``{"expired": DATE}`` once retention removed
    the run's evidence (``services.inspection_retention``); None when the finding never had one."""
    snapshot = finding.snapshot
    if snapshot is None:
        expired = finding.run.evidence_expired_at if finding.run is not None else None
        return {"expired": expired.date().isoformat()} if expired else None
    return {"snapshot": snapshot.id, "sha256": snapshot.sha256, "warc": snapshot.warc_path,
            "offset": snapshot.warc_offset}  # fmt: skip


def run_json(department: Organisation, run: InspectionRun) -> dict:
    """The ``flask inspect run --json`` document: department, as_of and findings with the check names of
    ``domain.inspection.CHECKS``."""
    return {
        "department": department.code,
        "as_of": run.as_of.isoformat(),
        "findings": [{"check": f.check, "status": f.status, "observed": f.observed, "threshold": f.threshold,
                      "url": f.url, "evidence": evidence_of(f)} for f in run.findings],
    }  # fmt: skip


def snapshot_payload(snapshot: InspectionSnapshot) -> bytes:
    """The page as fetched, read back from its WARC record; raises ``InspectionError`` when its SHA-256
    no longer matches (the file was changed)."""
    from surveyapp.definitions.webpages import read_record, sha256_hex

    _url, _status, body = read_record(inspections_dir() / snapshot.warc_path, snapshot.warc_offset)
    if sha256_hex(body) != snapshot.sha256:
        raise InspectionError(_("Snapshot %(id)d: its SHA-256 does not match.", id=snapshot.id))
    return body


def vetoes(run: InspectionRun | None) -> list[InspectionFinding]:
    return [f for f in run.findings if f.veto] if run else []


# --- pages ------------------------------------------------------------------------------------------------------


def departments_for(user) -> list[Organisation]:
    """Departments whose inspection pages ``user`` may open: a coordinator's own; an administrator's in scope."""
    from surveyapp.permissions import Role
    from surveyapp.services.organisations import organisation_ids_in_scope

    if user.role == Role.COORDINATOR:
        return [user.organisation] if user.organisation is not None else []
    query = select(Organisation).where(Organisation.kind == "department").order_by(Organisation.code)
    ids = organisation_ids_in_scope(user)
    if ids is not None:
        query = query.where(Organisation.id.in_(ids))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class RunSummary:
    run: InspectionRun
    passed: int
    failed: int
    unknown: int
    vetoes: list[str]


def department_overview(department: Organisation) -> dict:
    """What the department's inspection page shows: targets (active), the latest run's findings, and the
    history of runs with their counts and vetoes (newest first)."""
    history = []
    for run in run_history(department):
        statuses = [f.status for f in run.findings]
        vetoed = sorted({f.check for f in run.findings if f.veto})
        counts = [statuses.count(s) for s in (rules.PASS, rules.FAIL, rules.UNKNOWN)]
        history.append(RunSummary(run, *counts, vetoed))
    latest = latest_run(department)
    runs = [h.run for h in history if h.run.status == "done"][:HISTORY_COLUMNS][::-1]  # oldest first
    matrix = {check: [_worst(f.status for f in run.findings if f.check == check) for run in runs]
              for check in rules.CHECKS}  # fmt: skip
    matrix = {check: row for check, row in matrix.items() if any(row)}
    return {"targets": targets_of(department), "latest": latest, "findings": latest.findings if latest else [],
            "history": history, "checks": rules.CHECKS, "matrix_runs": runs, "matrix": matrix}  # fmt: skip


#: Runs shown side by side in the history of each check.
HISTORY_COLUMNS = 8


def _worst(statuses) -> str | None:
    """A check's outcome over its findings in one run: fail if any failed, else pass if any passed."""
    statuses = set(statuses)
    for status in (rules.FAIL, rules.PASS, rules.UNKNOWN):
        if status in statuses:
            return status
    return None


def snapshot_for_download(department: Organisation, snapshot_id: int, actor=None) -> InspectionSnapshot | None:
    """A snapshot of one of ``department``'s runs, its download audited (it may hold personal data as
    published); None when there is no such snapshot for that department."""
    from surveyapp.services.audit import log_access

    snapshot = db.session.get(InspectionSnapshot, snapshot_id)
    if snapshot is None:
        return None
    run = db.session.get(InspectionRun, snapshot.run_id)
    if run is None or run.organisation_id != department.id:
        return None
    log_access("inspection.snapshot_download", actor=actor, object_type="inspection_snapshots",
               object_id=snapshot.id, sha256=snapshot.sha256)  # fmt: skip
    return snapshot
