"""``chainproof db``: the offline advisory database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import chainproof
from chainproof.cli.options import DbOption
from chainproof.cli.output import emit, handle_errors, reporter, stdout_console
from chainproof.rendering import JsonFormat

if TYPE_CHECKING:
    import chainproof.audit.db
    import chainproof.audit.popular
    import chainproof.audit.update
    import chainproof.formats.osv

__all__ = ["app"]

app = typer.Typer(help="Manage the offline advisory database.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print the status as JSON.")]


def _age(status: chainproof.audit.db.DbStatus) -> str:
    snapshot = status.snapshot_datetime()
    return f", {(datetime.now(UTC) - snapshot).days} days old" if snapshot else ""


@dataclass(frozen=True)
class _Status:
    """What ``db status`` shows: the database, and the popular names the typosquats check
    uses with it."""

    db: chainproof.audit.db.DbStatus
    names: chainproof.audit.popular.PopularNames

    def to_json(self) -> dict[str, Any]:
        return {**self.db.to_json(), "popular_names": self.names.to_json()}


def _names_line(names: chainproof.audit.popular.PopularNames) -> str:
    described = ", ".join(x for x in (names.source, names.date, names.licence) if x)
    return f"  popular:    {names.count:,} names ({names.origin}: {described or 'no header'})"


def _print_status(status: chainproof.audit.db.DbStatus, json_mode: bool, verb: str = "") -> None:
    names = chainproof.audit.popular.active_names(status.path)
    if json_mode:
        emit(JsonFormat(), _Status(status, names))
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
        _names_line(names),
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


@app.command("import-names")
def import_names(
    source: Annotated[
        Path,
        typer.Argument(
            help="A list of popular package names: one a line, the most popular first, or a "
            "top-pypi-packages JSON download list.",
            dir_okay=False,
        ),
    ],
    db: DbOption = None,
    json_mode: JsonOption = False,
) -> None:
    """Import a newer list of popular names for the typosquats check (kept beside the
    database; the bundled list serves until then)."""
    with handle_errors():
        names = chainproof.audit.popular.read_names_file(source)
        path = chainproof.audit.db.resolve_db_path(db)
        target = chainproof.audit.popular.imported_names_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        chainproof.audit.popular.write_names_file(names, target)
        if json_mode:
            emit(JsonFormat(), chainproof.audit.popular.read_names_file(target))
        else:
            stdout_console().print(
                f"Imported {names.count:,} popular names into {target}.", markup=False
            )


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
