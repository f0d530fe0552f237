"""Generate national-scale synthetic data for benchmarks (``samverkan.demo.scale``)."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from tqdm import tqdm

from samverkan.demo.scale import DEFAULT_SEED, ScaleData, delete_scale_data, scale_data_present


class Command(BaseCommand):
    help = (
        "Generate synthetic national data for benchmarks: per region a police region, a "
        "municipality's social services and their collaboration, with shifts, encounters, "
        "clients, crime reports and suspects. --years 10 --regions 7 gives about 2,000,000 "
        "encounters and 500,000 crime reports. Never in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=10, help="Years of history (default 10).")
        parser.add_argument("--regions", type=int, default=7, help="Police regions (default 7).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--start-year", type=int, default=None, help="First year (default: so that the last year is last year)."
        )
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Volume per region and year, as a fraction of the national scale (tests use 0.01)."
        )
        parser.add_argument("--replace", action="store_true", help="Delete scale data already in the database first.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to write to.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SAMVERKAN_DEMO and not settings.DEBUG:
            raise CommandError(
                "generate_scale_data fills the database with synthetic data; run it only with DEBUG=1 "
                "or SAMVERKAN_DEMO=1, never in production."
            )
        years, regions, scale = options["years"], options["regions"], options["scale"]
        if years < 1 or regions < 1 or scale <= 0:
            raise CommandError("--years, --regions and --scale must be positive.")
        using = options["database"]
        verbosity = options["verbosity"]
        present = scale_data_present(using)
        if present and not options["replace"]:
            raise CommandError("The database already has scale data; use --replace to generate it anew.")
        generator = ScaleData(
            years=years, regions=regions, seed=options["seed"], start_year=options["start_year"], scale=scale, using=using
        )
        started = time.perf_counter()
        # All or nothing: the old data stays if the new cannot be written.
        with transaction.atomic(using=using):
            if present:
                if verbosity:
                    self.stdout.write("Deleting the scale data already there…")
                delete_scale_data(using)
            with tqdm(
                total=years * regions, unit="region-year", desc="Scale data", file=sys.stderr, disable=verbosity == 0
            ) as bar:
                counts = generator.build(progress=bar.update)
        connection = connections[using]
        with connection.cursor() as cursor:
            # The planner's statistics, for the new volumes.
            cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        if verbosity:
            first = generator.start_year
            self.stdout.write(
                self.style.SUCCESS(
                    f"Scale data for {first}–{first + years - 1}, {regions} regions, in {elapsed:.0f} s:"
                )
            )
            for label, rows in counts.items():
                self.stdout.write(f"  {label:<32} {rows:>10,}")
