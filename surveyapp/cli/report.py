"""PDF scorecards: ``flask report``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from surveyapp.cli._common import language_option, organisation_by_code

report_cli = AppGroup("report", help="Scorecards (PDF, Word).")


@report_cli.command("scorecard")
@click.option("--department", "department_code", required=True)
@click.option("--round", "round_id", type=int, required=True)
@click.option("--lang", default="zh_Hans", show_default=True, help="zh-Hans, zh-Hant or en")
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@click.option("--archive", is_flag=True, help="PDF/A-3u for archiving.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "docx"]),
    default="pdf",
    show_default=True,
    help="docx: a Word document with the same content and data fingerprint.",
)
def report_scorecard(department_code, round_id, lang, out, archive, fmt):
    """Write one department's scorecard (PDF, or Word with --format docx)."""
    import shutil
    from pathlib import Path

    from surveyapp.services.rounds import round_by_id
    from surveyapp.services.scorecards import department_scorecard, department_scorecard_docx

    round_ = round_by_id(round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    department = organisation_by_code(department_code)
    if department not in round_.departments:
        raise click.ClickException(f"{department_code} is not in round {round_id}")
    if fmt == "docx":
        if archive:
            raise click.UsageError("--archive is for PDF only")
        Path(out).write_bytes(department_scorecard_docx(round_, department, language_option(lang), None))
        click.echo(f"Wrote {out}")
        return
    path = department_scorecard(round_, department, language_option(lang), None, archival=archive)
    shutil.copyfile(path, out)
    click.echo(f"Wrote {out}")


@report_cli.command("bulk")
@click.option("--round", "round_id", type=int, required=True)
@click.option("--lang", default="zh_Hans", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@click.option("--processes", type=click.IntRange(1, 64), help="Default: all cores.")
@click.option("--merged", is_flag=True, help="Also write one merged PDF next to the ZIP.")
def report_bulk(round_id, lang, out, processes, merged):
    """Render every department's scorecard of a round into one ZIP, with a progress bar."""
    import shutil
    from pathlib import Path

    from surveyapp.services.bulk import RenderStats, create_cli_job, run_bulk_job
    from surveyapp.services.rounds import round_by_id

    round_ = round_by_id(round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    job = create_cli_job(round_, language_option(lang), merged)
    with click.progressbar(length=job.total, label="Rendering scorecards") as bar:
        last = [0]

        def progress(current):
            bar.update(current.done - last[0])
            last[0] = current.done

        stats = RenderStats()
        job = run_bulk_job(job.id, processes=processes, progress=progress, stats=stats)
    for code, error in sorted((job.failures or {}).items()):
        click.echo(f"FAILED {code}: {error}", err=True)
    if not job.result_path:
        raise click.ClickException(f"export {job.status}")
    shutil.copyfile(job.result_path, out)
    if merged:
        shutil.copyfile(Path(job.result_path).with_suffix(".pdf"), Path(out).with_suffix(".pdf"))
    click.echo(f"Wrote {out}: {job.done - len(job.failures or {})} of {job.total} departments.")
    if stats.rendered:
        click.echo(f"Rendered {stats.rendered} (the others were unchanged and reused); "
                   f"peak memory of a render worker: {stats.peak_worker_rss_kib / 1024:.0f} MiB.")  # fmt: skip


@report_cli.command("fingerprint")
@click.option("--department", "department_code", required=True)
@click.option("--round", "round_id", type=int, required=True)
def report_fingerprint(department_code, round_id):
    """Print a department scorecard's canonical data (JSON) and its SHA-256, the "data fingerprint" in the
    PDF footer: the same in every language. Recompute it with ``printf '%s' "$JSON" | sha256sum``."""
    from surveyapp.reporting.scorecard import canonical_json, data_fingerprint
    from surveyapp.services.rounds import round_by_id
    from surveyapp.services.scorecards import department_scorecard_data, round_context

    round_ = round_by_id(round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    department = organisation_by_code(department_code)
    if department not in round_.departments:
        raise click.ClickException(f"{department_code} is not in round {round_id}")
    data = department_scorecard_data(round_context(round_), department, "zh_Hans")
    click.echo(canonical_json(data.facts))
    click.echo(f"SHA-256 {data_fingerprint(data.facts)}")
