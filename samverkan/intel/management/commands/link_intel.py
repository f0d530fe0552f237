"""``manage.py link_intel``: link intelligence items into networks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from samverkan.intel import linking
from samverkan.intel.management.commands.import_intel import user_and_agency


class Command(BaseCommand):
    help = (
        "Link intelligence items into networks. With --input, link the items of a file "
        "(JSON Lines, CSV or Parquet) and write the clusters to --output, touching no database. "
        "Without --input, link the items in the database and store the networks, keeping "
        "network ids stable from run to run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", type=Path, help="a file of items to link (file mode)")
        parser.add_argument("--output", type=Path, default=Path("clusters.csv"), help="where file mode writes the clusters (default clusters.csv)")
        parser.add_argument("--backend", choices=linking.BACKENDS, default="duckdb", help="DuckDB (default) or Spark")
        parser.add_argument("--agency", help="code of the police agency whose items are linked")
        parser.add_argument("--user", help="username recorded as the one who linked (default: the command)")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        if options["input"] is not None:
            self._file_mode(options["input"], options["output"], options["backend"], quiet)
            return
        user, agency = user_and_agency(options)
        stages = ["read", "link", "store"]
        bar = tqdm(total=len(stages), desc="linking", unit=" stages", disable=quiet)

        def progress(message: str) -> None:
            bar.set_postfix_str(message)
            bar.update(1)

        try:
            run = linking.link_all(agency, backend=options["backend"], acting_user=user, progress=progress)
        except linking.LinkageUnavailable as exc:
            raise CommandError(f"The items could not be linked: {exc}") from exc
        finally:
            bar.close()
        self.stdout.write(
            f"Linked {run.item_count} items into {run.network_count} networks "
            f"({run.summary.get('changed_networks', 0)} changed, {run.summary.get('links', 0)} explaining links)."
        )

    def _file_mode(self, source: Path, output: Path, backend: str, quiet: bool) -> None:
        if not source.is_file():
            raise CommandError(f"{source}: no such file.")
        try:
            summary = linking.link_file(source, output, backend=backend, quiet=quiet)
        except linking.LinkageUnavailable as exc:
            raise CommandError(f"{source}: {exc}") from exc
        self.stdout.write(f"Wrote {summary['items']} items in {summary['networks']} networks to {output}.")
