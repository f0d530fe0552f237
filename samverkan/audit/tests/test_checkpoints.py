"""The keyed chain and its signed checkpoints against an attacker who owns the database.

The tampering runs in raw SQL (on PostgreSQL with the append-only trigger
switched off, as the table's owner can): these are the scenarios a plain hash
chain cannot catch, because whoever can write the rows can also recompute
every hash. The key lives outside the database and the checkpoints too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samverkan.accounts.models import User
from samverkan.audit.actions import BreakKind, do_record_event, verify_chain
from samverkan.audit.checkpoints import FILE_NAME, read_checkpoints
from samverkan.audit.keys import AuditKeyError, Keyring, keyring, new_key_line, parse_keyring
from samverkan.audit.models import GENESIS_HASH, AuditAction, AuditEvent
from samverkan.audit.tests.test_verify import EVENTS, HEAD, raw_sql


@pytest.fixture
def checkpoints(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Checkpoints in a directory of the test's own; returns the checkpoint file."""
    directory = tmp_path / "checkpoints"
    settings.SAMVERKAN_AUDIT_CHECKPOINT_DIR = str(directory)  # type: ignore[attr-defined]
    return directory / FILE_NAME


@pytest.fixture
def key_file(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A key file of the test's own with one key, ``k1``."""
    path = tmp_path / "audit.key"
    path.write_text(new_key_line("k1"), encoding="utf-8")
    settings.SAMVERKAN_AUDIT_KEY_FILE = str(path)  # type: ignore[attr-defined]
    settings.SAMVERKAN_AUDIT_DEV_KEY = False  # type: ignore[attr-defined]
    return path


@pytest.fixture
def user(personas: dict[str, User]) -> User:
    return personas["polis.inre"]


def record(user: User, count: int) -> list[AuditEvent]:
    return [
        do_record_event(user=user, action=AuditAction.VIEW, record_type="client", record_id=n)
        for n in range(count)
    ]


@pytest.fixture
def checkpointed(user: User, checkpoints: Path) -> list[AuditEvent]:
    """Five events and a checkpoint at #5, then two more events (#6, #7)."""
    events = record(user, 5)
    call_command("audit_checkpoint")
    return events + record(user, 2)


def attacker_keys() -> Keyring:
    """The key id the log uses, with a secret the attacker had to guess."""
    return parse_keyring(f"{keyring().current_id}:{'ab' * 32}", Path("guessed"))


def rewrite_from(
    seq: int, *, keys: Keyring | None, key_id: str, change: Callable[[AuditEvent], None]
) -> None:
    """Change the events from ``seq`` on and re-hash them and the head consistently, in raw SQL.

    ``key_id`` empty: plain SHA-256, as before the chain was keyed.
    """
    events = list(AuditEvent.objects.filter(seq__gte=seq).order_by("seq"))
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    with raw_sql() as cursor:
        for event in events:
            change(event)
            event.prev_hash = prev
            event.key_id = key_id
            event.hash = event.compute_hash(keys)
            cursor.execute(
                f"UPDATE {EVENTS} SET detail = %s, prev_hash = %s, key_id = %s, hash = %s WHERE id = %s",
                [event.detail, event.prev_hash, event.key_id, event.hash, event.pk],
            )
            prev = event.hash
        cursor.execute(f"UPDATE {HEAD} SET seq = %s, last_hash = %s", [events[-1].seq, prev])


def doctor(event: AuditEvent) -> None:
    if event.seq == 3:
        event.detail = "nothing to see"


def test_events_are_signed_with_the_current_key(user: User) -> None:
    (event,) = record(user, 1)
    keys = keyring()
    assert event.key_id == keys.current_id
    assert event.hash == keys.sign(event.key_id, event.canonical())
    # Not the plain SHA-256 that anyone could compute.
    assert event.hash != hashlib.sha256(event.canonical()).hexdigest()


def test_intact_log_with_a_checkpoint_passes(
    checkpointed: list[AuditEvent], checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (checkpoint,) = read_checkpoints(checkpoints)
    assert (checkpoint.seq, checkpoint.hash) == (5, checkpointed[4].hash)
    assert checkpoint.key_id == keyring().current_id
    assert verify_chain() == (7, None)
    assert verify_chain(since_checkpoint=True) == (7, None)
    capsys.readouterr()
    call_command("verify_audit", require_checkpoint=True)
    out = capsys.readouterr().out
    assert "7 events checked: OK" in out
    assert "checkpoint of" in out and "at #5" in out


def test_scenario_last_events_deleted_and_the_head_rewound(checkpointed: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE seq > 3")
        cursor.execute(f"UPDATE {HEAD} SET seq = 3, last_hash = %s", [checkpointed[2].hash])

    checked, broken = verify_chain()
    assert broken is not None
    assert (checked, broken.seq, broken.kind) == (3, 4, BreakKind.TRUNCATED)
    assert "at #5" in broken.reason
    with pytest.raises(CommandError, match="truncated"):
        call_command("verify_audit")


def test_scenario_the_same_without_a_checkpoint_goes_unnoticed(user: User) -> None:
    """Why the checkpoints exist: a consistent, shorter chain is still a chain."""
    events = record(user, 5)
    with raw_sql() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE seq > 3")
        cursor.execute(f"UPDATE {HEAD} SET seq = 3, last_hash = %s", [events[2].hash])
    assert verify_chain() == (3, None)
    with pytest.raises(CommandError, match="No checkpoint"):
        call_command("verify_audit", require_checkpoint=True)


def test_scenario_the_log_wiped_with_its_head(checkpointed: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS}")
        cursor.execute(f"DELETE FROM {HEAD}")

    checked, broken = verify_chain()
    assert broken is not None
    assert (checked, broken.seq, broken.kind) == (0, None, BreakKind.HEAD_MISSING)
    assert "#5" in broken.reason
    with pytest.raises(CommandError, match="head_missing"):
        call_command("verify_audit")


def test_scenario_the_log_wiped_and_the_head_reset(checkpointed: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS}")
        cursor.execute(f"UPDATE {HEAD} SET seq = 0, last_hash = %s", [GENESIS_HASH])

    checked, broken = verify_chain()
    assert broken is not None
    assert (checked, broken.seq, broken.kind) == (0, 1, BreakKind.TRUNCATED)
    assert "the log is empty" in broken.reason


def test_scenario_head_missing_on_an_otherwise_intact_log(checkpointed: list[AuditEvent]) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"DELETE FROM {HEAD}")
    _checked, broken = verify_chain()
    assert broken is not None
    assert broken.kind is BreakKind.HEAD_MISSING


def test_scenario_an_event_altered_and_the_rest_rehashed_with_a_guessed_key(
    checkpointed: list[AuditEvent],
) -> None:
    rewrite_from(3, keys=attacker_keys(), key_id=keyring().current_id, change=doctor)

    checked, broken = verify_chain()
    assert broken is not None
    assert (checked, broken.seq, broken.kind) == (2, 3, BreakKind.ALTERED)
    assert "without the key" in broken.reason


def test_scenario_an_event_altered_and_the_rest_rehashed_without_a_key(
    checkpointed: list[AuditEvent],
) -> None:
    """Plain SHA-256, as events had before the chain was keyed: refused after a keyed event."""
    rewrite_from(3, keys=None, key_id="", change=doctor)

    checked, broken = verify_chain()
    assert broken is not None
    assert (checked, broken.seq, broken.kind) == (2, 3, BreakKind.UNKEYED)


def test_scenario_an_event_altered_and_the_rest_signed_with_a_key_of_its_own(
    checkpointed: list[AuditEvent],
) -> None:
    own = parse_keyring(new_key_line("attacker"), Path("own"))
    rewrite_from(3, keys=own, key_id="attacker", change=doctor)

    _checked, broken = verify_chain()
    assert broken is not None
    assert (broken.seq, broken.kind) == (3, BreakKind.UNKNOWN_KEY)


def test_scenario_the_whole_log_rewritten_as_an_unkeyed_chain(
    checkpointed: list[AuditEvent],
) -> None:
    """Every event re-hashed from #1 as if written before the key: only the checkpoint shows it."""
    rewrite_from(1, keys=None, key_id="", change=doctor)

    checked, broken = verify_chain()
    assert broken is not None
    assert (checked, broken.seq, broken.kind) == (4, 5, BreakKind.REWRITTEN)
    assert "checkpoint" in broken.reason


def test_a_tampered_checkpoint_file_fails_the_verification(
    checkpointed: list[AuditEvent], checkpoints: Path
) -> None:
    line = json.loads(checkpoints.read_text(encoding="utf-8"))
    line["seq"] = 2  # pretend the log was shorter
    checkpoints.write_text(json.dumps(line) + "\n", encoding="utf-8")

    _checked, broken = verify_chain()
    assert broken is not None
    assert broken.kind is BreakKind.CHECKPOINT
    assert "does not verify" in broken.reason
    with pytest.raises(CommandError, match="checkpoint file"):
        call_command("verify_audit")


def test_checkpoints_only_grow(checkpointed: list[AuditEvent], checkpoints: Path) -> None:
    call_command("audit_checkpoint")
    first, second = checkpoints.read_text(encoding="utf-8").splitlines()
    checkpoints.write_text(f"{second}\n{first}\n", encoding="utf-8")
    _checked, broken = verify_chain()
    assert broken is not None
    assert broken.kind is BreakKind.CHECKPOINT
    assert "behind" in broken.reason


def test_no_checkpoint_of_a_broken_log(checkpointed: list[AuditEvent], checkpoints: Path) -> None:
    with raw_sql() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET username = 'someone.else' WHERE seq = 6")
    before = checkpoints.read_text(encoding="utf-8")
    with pytest.raises(CommandError, match="no checkpoint written"):
        call_command("audit_checkpoint")
    assert checkpoints.read_text(encoding="utf-8") == before


def test_checkpoint_of_an_empty_log_and_without_a_directory(
    db: None, checkpoints: Path, settings: pytest.FixtureRequest
) -> None:
    call_command("audit_checkpoint")
    (checkpoint,) = read_checkpoints(checkpoints)
    assert (checkpoint.seq, checkpoint.hash) == (0, GENESIS_HASH)
    assert verify_chain() == (0, None)
    settings.SAMVERKAN_AUDIT_CHECKPOINT_DIR = ""  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="SAMVERKAN_AUDIT_CHECKPOINT_DIR is not set"):
        call_command("audit_checkpoint")


def test_key_rotation_keeps_older_events_verifiable(
    user: User, key_file: Path, checkpoints: Path
) -> None:
    old = record(user, 2)
    call_command("audit_checkpoint")
    with key_file.open("a", encoding="utf-8") as out:
        out.write(new_key_line("k2"))
    new = record(user, 2)
    assert [e.key_id for e in old + new] == ["k1", "k1", "k2", "k2"]
    call_command("audit_checkpoint")
    assert [c.key_id for c in read_checkpoints(checkpoints)] == ["k1", "k2"]
    assert verify_chain() == (4, None)

    # Dropping the old key leaves its events and its checkpoint unverifiable.
    key_file.write_text(
        key_file.read_text(encoding="utf-8").splitlines()[-1] + "\n", encoding="utf-8"
    )
    _checked, broken = verify_chain()
    assert broken is not None
    assert broken.kind is BreakKind.CHECKPOINT
    checkpoints.unlink()
    _checked, broken = verify_chain()
    assert broken is not None
    assert (broken.seq, broken.kind) == (1, BreakKind.UNKNOWN_KEY)


def test_events_from_before_the_key_verify_as_a_prefix(user: User, checkpoints: Path) -> None:
    """The migration path: the events of an installation from before the key keep their SHA-256."""
    record(user, 3)
    rewrite_from(1, keys=None, key_id="", change=lambda event: None)
    keyed = record(user, 2)
    assert [e.key_id for e in AuditEvent.objects.order_by("seq")] == [
        "",
        "",
        "",
        *[keyring().current_id] * 2,
    ]
    assert keyed[0].prev_hash == AuditEvent.objects.get(seq=3).hash
    assert verify_chain() == (5, None)
    call_command("audit_checkpoint")
    assert verify_chain() == (5, None)


def test_after_the_first_checkpoint_every_event_must_be_keyed(user: User, checkpoints: Path) -> None:
    """An upgraded log: unkeyed events, the first checkpoint, keyed events. Re-hashing the keyed
    ones as unkeyed (as if from before the key) follows only unkeyed events, but comes after
    the first checkpoint, which only the keyed code writes."""
    record(user, 3)
    rewrite_from(1, keys=None, key_id="", change=lambda event: None)
    call_command("audit_checkpoint")
    record(user, 2)
    assert verify_chain() == (5, None)
    rewrite_from(4, keys=None, key_id="", change=lambda event: setattr(event, "detail", "forged"))

    checked, broken = verify_chain()
    assert broken is not None
    assert (checked, broken.seq, broken.kind) == (3, 4, BreakKind.UNKEYED)
    assert "after the first checkpoint (#3)" in broken.reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "holds no key"),
        ("# only a comment\n", "holds no key"),
        ("k1 abc", "KEY_ID:SECRET"),
        ("k1:xyz", "not hex"),
        ("k1:abcd", "shorter than 32 bytes"),
        (f"k1:{'ab' * 32}\nk1:{'cd' * 32}", "used twice"),
    ],
)
def test_a_malformed_key_file_is_refused(text: str, message: str) -> None:
    with pytest.raises(AuditKeyError, match=message):
        parse_keyring(text, Path("audit.key"))


def test_the_last_key_signs(db: None) -> None:
    keys = parse_keyring(f"# rotated\nold:{'ab' * 32}\n\nnew:{'cd' * 32}\n", Path("audit.key"))
    assert keys.current_id == "new"
    assert set(keys.keys) == {"old", "new"}


def test_deployment_check_of_the_key_and_the_checkpoints(
    key_file: Path, checkpoints: Path, settings: pytest.FixtureRequest
) -> None:
    from samverkan.audit.checks import audit_key_and_checkpoints

    def ids() -> set[str]:
        return {m.id or "" for m in audit_key_and_checkpoints()}

    key_file.chmod(0o600)
    checkpoints.parent.mkdir()
    assert ids() == set()
    key_file.chmod(0o644)
    assert ids() == {"samverkan.W001"}
    key_file.chmod(0o640)
    settings.SAMVERKAN_AUDIT_CHECKPOINT_DIR = ""  # type: ignore[attr-defined]
    assert ids() == {"samverkan.W002"}
    settings.SAMVERKAN_AUDIT_CHECKPOINT_DIR = str(checkpoints.parent / "missing")  # type: ignore[attr-defined]
    assert ids() == {"samverkan.W003"}
    settings.SAMVERKAN_AUDIT_KEY_FILE = str(key_file.parent / "missing.key")  # type: ignore[attr-defined]
    settings.SAMVERKAN_AUDIT_DEV_KEY = True  # type: ignore[attr-defined]
    key_file.parent.joinpath("missing.key").unlink(missing_ok=True)
    assert "samverkan.E001" in ids()
