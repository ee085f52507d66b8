"""``chainproof db``: the offline advisory database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.output import emit, handle_errors, reporter, stdout_console
from chainproof.rendering import JsonFormat

if TYPE_CHECKING:
    import chainproof.audit.db
    import chainproof.audit.update
    import chainproof.formats.osv

__all__ = ["app"]

app = typer.Typer(help="Manage the offline advisory database.", no_args_is_help=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The database file (default: CHAINPROOF_DB, else the user cache)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the status as JSON.")]


def _age(status: chainproof.audit.db.DbStatus) -> str:
    snapshot = status.snapshot_datetime()
    return f", {(datetime.now(UTC) - snapshot).days} days old" if snapshot else ""


def _print_status(status: chainproof.audit.db.DbStatus, json_mode: bool, verb: str = "") -> None:
    if json_mode:
        emit(JsonFormat(), status)
        return
    console = stdout_console()
    lines = [
        f"{verb}Advisory database {status.path}",
        f"  source:     {status.source}",
        f"  snapshot:   {status.snapshot_date or 'undated'} (newest advisory{_age(status)})",
        f"  imported:   {status.imported_at}",
        f"  advisories: {status.advisories:,} for {status.packages:,} packages "
        f"({status.withdrawn} withdrawn, kept but never reported)",
        f"  malicious:  {status.malicious:,} record(s) of malicious packages (MAL-)",
    ]
    if status.skipped:
        lines.append(f"  skipped:    {len(status.skipped)} document(s)")
        lines += [f"    {origin}: {reason}" for origin, reason in status.skipped]
    if status.unreadable:
        lines.append(
            f"  {len(status.unreadable)} range(s) cannot be evaluated; packages they "
            "cover are reported as not checked:"
        )
        lines += [f"    {vuln_id}: {note}" for vuln_id, note in status.unreadable]
    for line in lines:
        console.print(line, markup=False)


@app.command("import")
def import_(
    source: Annotated[
        Path,
        typer.Argument(
            help="A directory of OSV JSON/YAML files, an OSV all.zip or a .tar.gz of either."
        ),
    ],
    db: DbOption = None,
    json_mode: JsonOption = False,
) -> None:
    """Import OSV advisories from a directory or an all.zip (offline)."""
    with handle_errors():
        with reporter(json_mode) as progress:
            status = chainproof.audit.db.build_database(
                chainproof.formats.osv.iter_source(source),
                chainproof.audit.db.resolve_db_path(db),
                str(source.resolve()),
                progress,
            )
        _print_status(status, json_mode, "Imported into ")


@app.command()
def update(
    url: Annotated[str | None, typer.Option(help="A mirror of OSV's PyPI all.zip export.")] = None,
    db: DbOption = None,
    json_mode: JsonOption = False,
) -> None:
    """Download OSV's PyPI export and import it."""
    with handle_errors():
        with reporter(json_mode) as progress:
            status = chainproof.audit.update.update_database(
                chainproof.audit.db.resolve_db_path(db), url, progress
            )
        _print_status(status, json_mode, "Updated ")


@app.command()
def status(db: DbOption = None, json_mode: JsonOption = False) -> None:
    """Show the snapshot's date, source and counts."""
    with (
        handle_errors(),
        chainproof.audit.db.AdvisoryDB(chainproof.audit.db.resolve_db_path(db)) as database,
    ):
        _print_status(database.status, json_mode)
