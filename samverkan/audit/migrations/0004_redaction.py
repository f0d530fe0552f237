"""On PostgreSQL, let a redaction through the append-only trigger, and nothing else.

An UPDATE passes only when the session set ``samverkan.audit_redaction`` for the
transaction (``audit.actions.do_redact_event`` does, with a ``redact`` event on the
chain vouching for the new text) and only the free text (``detail``, ``purpose``)
changes. DELETE is still refused. Whoever bypasses this without the key leaves an
event that ``verify_audit`` reports as altered.
"""

from typing import Any

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND coalesce(current_setting('samverkan.audit_redaction', true), '') = 'on'
       AND (NEW.id, NEW.seq, NEW.timestamp, NEW.user_id, NEW.username, NEW.agency_id, NEW.role,
            NEW.action, NEW.record_type, NEW.record_id, NEW.request_id, NEW.client_ip,
            NEW.prev_hash, NEW.hash, NEW.key_id)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.seq, OLD.timestamp, OLD.user_id, OLD.username, OLD.agency_id, OLD.role,
            OLD.action, OLD.record_type, OLD.record_id, OLD.request_id, OLD.client_ip,
            OLD.prev_hash, OLD.hash, OLD.key_id)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

RESTORE = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESTORE, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_hash_chain")]
    operations = [migrations.RunPython(forwards, backwards)]
