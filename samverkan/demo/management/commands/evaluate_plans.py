"""``manage.py evaluate_plans``: the proposed plan against last month's slots (docs/benchmarks.md).

On generated weeks with hot spots that move (``demo.hotspots``), for each seed:
the held-out weeks one by one, persons and minors found per shift hour (in
expectation under the generated truth) by the proposal and by the naive plan.
Prints Markdown: a table per week for the first seed, and the summary of every seed.
Nothing is read from or written to the database.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samverkan.demo import hotspots


class Command(BaseCommand):
    help = "Compare the proposed shift plan with a naive plan (last month's slots) on generated weeks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seeds", type=int, default=5, help="How many worlds (seeds 16, 17, ...).")
        parser.add_argument("--weeks", type=int, default=40)
        parser.add_argument("--held-out", type=int, default=12)
        parser.add_argument("--shifts", type=int, default=6)
        parser.add_argument("--move-every", type=int, default=6)

    def handle(self, *args: Any, **options: Any) -> None:
        rows = []
        for seed in range(16, 16 + options["seeds"]):
            world = hotspots.World(
                seed=seed, weeks=options["weeks"], held_out=options["held_out"], shifts=options["shifts"],
                move_every=options["move_every"],
            )
            results = hotspots.evaluate(world)
            if seed == 16:
                self.stdout.write("| week | a hot spot moved | proposal persons/h | naive persons/h | proposal minors/h | naive minors/h |")
                self.stdout.write("|---|---|---|---|---|---|")
                for r in results:
                    self.stdout.write(
                        f"| {r.week} | {'yes' if r.moved else ''} | {r.proposal[0]:.3f} | {r.naive[0]:.3f} | {r.proposal[1]:.3f} | {r.naive[1]:.3f} |"
                    )
                self.stdout.write("")
            rows.append((seed, hotspots.summary(results)))
        self.stdout.write(
            "| seed | proposal persons/h | naive persons/h | ratio | proposal minors/h | naive minors/h | ratio "
            "| weeks won (persons) | weeks won (minors) | weeks not won: a hot spot moved / other |"
        )
        self.stdout.write("|---|---|---|---|---|---|---|---|---|---|")
        totals = {"pp": 0.0, "np": 0.0, "pm": 0.0, "nm": 0.0}
        for seed, s in rows:
            totals["pp"] += s["proposal_persons"]
            totals["np"] += s["naive_persons"]
            totals["pm"] += s["proposal_minors"]
            totals["nm"] += s["naive_minors"]
            self.stdout.write(
                f"| {seed} | {s['proposal_persons']:.3f} | {s['naive_persons']:.3f} | {_ratio(s['proposal_persons'], s['naive_persons'])} "
                f"| {s['proposal_minors']:.3f} | {s['naive_minors']:.3f} | {_ratio(s['proposal_minors'], s['naive_minors'])} "
                f"| {s['weeks_won_persons']}/{s['weeks']} | {s['weeks_won_minors']}/{s['weeks']} "
                f"| {s['lost_in_move_weeks']} / {s['lost_other_weeks']} |"
            )
        n = len(rows) or 1
        self.stdout.write(
            f"| all | {totals['pp'] / n:.3f} | {totals['np'] / n:.3f} | {_ratio(totals['pp'], totals['np'])} "
            f"| {totals['pm'] / n:.3f} | {totals['nm'] / n:.3f} | {_ratio(totals['pm'], totals['nm'])} | | | |"
        )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"
