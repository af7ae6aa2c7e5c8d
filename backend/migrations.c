/* migrations.c - the built-in, forward-only schema history of the state DB.
 *
 * Each entry moves the schema from version N-1 to N and is applied once, in
 * its own transaction, by pn_db_migrate() (db.c), which then sets
 * PRAGMA user_version = N. Rules for whoever extends this list:
 *   - later issues APPEND migrations here; never edit, reorder or remove an
 *     old one (databases in the field have already run it);
 *   - versions are 1, 2, 3 ... without gaps;
 *   - the SQL must not contain BEGIN/COMMIT or PRAGMA user_version: the
 *     runner owns the transaction. */
#include "db.h"

static const pn_migration migrations[] = {
    {
        1, "postern metadata and audit journal",
        "CREATE TABLE meta ("
        "  key   TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL"
        ");"
        /* One row per change postern made: who, what, before/after images
         * (text, usually JSON) and the config generation it produced. */
        "CREATE TABLE journal ("
        "  id         INTEGER PRIMARY KEY,"
        "  at         INTEGER NOT NULL," /* unix time, seconds */
        "  actor      TEXT NOT NULL,"
        "  entity     TEXT NOT NULL,"
        "  action     TEXT NOT NULL,"
        "  before     TEXT,"
        "  after      TEXT,"
        "  generation INTEGER"
        ");"
        "CREATE INDEX journal_at ON journal(at);",
    },
    {
        2, "queue history samples",
        /* Periodic queue sizes per instance, for the queue history graph. */
        "CREATE TABLE queue_samples ("
        "  at       INTEGER NOT NULL," /* unix time, seconds */
        "  instance TEXT NOT NULL,"
        "  incoming INTEGER NOT NULL,"
        "  active   INTEGER NOT NULL,"
        "  deferred INTEGER NOT NULL,"
        "  hold     INTEGER NOT NULL,"
        "  maildrop INTEGER NOT NULL DEFAULT 0,"
        "  corrupt  INTEGER NOT NULL DEFAULT 0,"
        "  bytes    INTEGER NOT NULL,"
        "  PRIMARY KEY(instance, at)"
        ") WITHOUT ROWID;",
    },
    {
        3, "configuration state: domains, mailboxes, groups, public mailboxes, addresses",
        /* The mail configuration postern renders into Postfix/Dovecot files
         * (see store.h). Every row has a revision (rev) for optimistic
         * concurrency; referenced rows are protected with ON DELETE RESTRICT. */
        "CREATE TABLE domains ("
        "  id          INTEGER PRIMARY KEY,"
        "  name        TEXT NOT NULL UNIQUE COLLATE NOCASE,"
        "  delivery    TEXT NOT NULL DEFAULT 'local' CHECK (delivery IN ('local','relay')),"
        "  relay_host  TEXT,"
        "  relay_port  INTEGER CHECK (relay_port IS NULL OR relay_port BETWEEN 1 AND 65535),"
        "  bcc         TEXT,"
        "  catchall_mailbox_id INTEGER REFERENCES mailboxes(id) ON DELETE RESTRICT,"
        "  rev         INTEGER NOT NULL DEFAULT 1,"
        "  created     INTEGER NOT NULL,"
        "  updated     INTEGER NOT NULL,"
        "  CHECK (delivery = 'local' OR relay_host IS NOT NULL)"
        ");"
        "CREATE TABLE mailboxes ("
        "  id            INTEGER PRIMARY KEY,"
        "  domain_id     INTEGER NOT NULL REFERENCES domains(id) ON DELETE RESTRICT,"
        "  localpart     TEXT NOT NULL COLLATE NOCASE,"
        "  display_name  TEXT NOT NULL DEFAULT '',"
        "  password_hash TEXT NOT NULL,"
        "  imap          INTEGER NOT NULL DEFAULT 1 CHECK (imap IN (0,1)),"
        "  pop3          INTEGER NOT NULL DEFAULT 1 CHECK (pop3 IN (0,1)),"
        "  smtp          INTEGER NOT NULL DEFAULT 1 CHECK (smtp IN (0,1)),"
        "  quota_bytes   INTEGER CHECK (quota_bytes IS NULL OR quota_bytes >= 0),"
        "  spam_retention_days INTEGER CHECK (spam_retention_days IS NULL OR spam_retention_days >= 0),"
        "  forward_keep_copy INTEGER NOT NULL DEFAULT 1 CHECK (forward_keep_copy IN (0,1)),"
        "  rev           INTEGER NOT NULL DEFAULT 1,"
        "  created       INTEGER NOT NULL,"
        "  updated       INTEGER NOT NULL,"
        "  UNIQUE (domain_id, localpart)"
        ");"
        /* External forward targets of a mailbox; keep_copy per target
         * (the store keeps them equal to mailboxes.forward_keep_copy). */
        "CREATE TABLE mailbox_forwards ("
        "  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,"
        "  address    TEXT NOT NULL COLLATE NOCASE,"
        "  keep_copy  INTEGER NOT NULL DEFAULT 1 CHECK (keep_copy IN (0,1)),"
        "  PRIMARY KEY (mailbox_id, address)"
        ");"
        "CREATE TABLE groups ("
        "  id        INTEGER PRIMARY KEY,"
        "  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE RESTRICT,"
        "  localpart TEXT NOT NULL COLLATE NOCASE,"
        "  enabled   INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0,1)),"
        "  rev       INTEGER NOT NULL DEFAULT 1,"
        "  created   INTEGER NOT NULL,"
        "  updated   INTEGER NOT NULL,"
        "  UNIQUE (domain_id, localpart)"
        ");"
        "CREATE TABLE group_members ("
        "  group_id   INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
        "  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE RESTRICT,"
        "  PRIMARY KEY (group_id, mailbox_id)"
        ");"
        "CREATE INDEX group_members_mailbox ON group_members(mailbox_id);"
        "CREATE TABLE public_mailboxes ("
        "  id      INTEGER PRIMARY KEY,"
        "  name    TEXT NOT NULL UNIQUE COLLATE NOCASE,"
        "  rev     INTEGER NOT NULL DEFAULT 1,"
        "  created INTEGER NOT NULL,"
        "  updated INTEGER NOT NULL"
        ");"
        "CREATE TABLE public_owners ("
        "  public_id  INTEGER NOT NULL REFERENCES public_mailboxes(id) ON DELETE CASCADE,"
        "  kind       TEXT NOT NULL CHECK (kind IN ('user','group')),"
        "  mailbox_id INTEGER REFERENCES mailboxes(id) ON DELETE RESTRICT,"
        "  group_id   INTEGER REFERENCES groups(id) ON DELETE RESTRICT,"
        "  CHECK ((kind = 'user' AND mailbox_id IS NOT NULL AND group_id IS NULL)"
        "      OR (kind = 'group' AND group_id IS NOT NULL AND mailbox_id IS NULL)),"
        "  UNIQUE (public_id, kind, mailbox_id, group_id)"
        ");"
        "CREATE INDEX public_owners_mailbox ON public_owners(mailbox_id);"
        "CREATE INDEX public_owners_group ON public_owners(group_id);"
        /* domain_id NULL: the address exists in every local domain (wildcard). */
        "CREATE TABLE addresses ("
        "  id        INTEGER PRIMARY KEY,"
        "  domain_id INTEGER REFERENCES domains(id) ON DELETE RESTRICT,"
        "  localpart TEXT NOT NULL COLLATE NOCASE,"
        "  internal  INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0,1)),"
        "  rev       INTEGER NOT NULL DEFAULT 1,"
        "  created   INTEGER NOT NULL,"
        "  updated   INTEGER NOT NULL"
        ");"
        "CREATE UNIQUE INDEX addresses_name ON addresses(COALESCE(domain_id, 0), localpart);"
        "CREATE TABLE address_destinations ("
        "  address_id INTEGER NOT NULL REFERENCES addresses(id) ON DELETE CASCADE,"
        "  kind       TEXT NOT NULL CHECK (kind IN ('user','group','public','external')),"
        "  mailbox_id INTEGER REFERENCES mailboxes(id) ON DELETE RESTRICT,"
        "  group_id   INTEGER REFERENCES groups(id) ON DELETE RESTRICT,"
        "  public_id  INTEGER REFERENCES public_mailboxes(id) ON DELETE RESTRICT,"
        "  external   TEXT,"
        "  CHECK ((kind = 'user') = (mailbox_id IS NOT NULL)),"
        "  CHECK ((kind = 'group') = (group_id IS NOT NULL)),"
        "  CHECK ((kind = 'public') = (public_id IS NOT NULL)),"
        "  CHECK ((kind = 'external') = (external IS NOT NULL))"
        ");"
        "CREATE INDEX address_destinations_address ON address_destinations(address_id);"
        "CREATE INDEX address_destinations_mailbox ON address_destinations(mailbox_id);"
        "CREATE INDEX address_destinations_group ON address_destinations(group_id);"
        "CREATE INDEX address_destinations_public ON address_destinations(public_id);"
        "CREATE TABLE settings ("
        "  key   TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL,"
        "  rev   INTEGER NOT NULL DEFAULT 1"
        ");"
        /* One local part per domain across mailboxes, groups and addresses:
         * every name is mirrored into `names` (domain_key 0 = wildcard) by
         * triggers, and the UNIQUE constraint refuses a second owner. */
        "CREATE TABLE names ("
        "  domain_key INTEGER NOT NULL,"
        "  localpart  TEXT NOT NULL COLLATE NOCASE,"
        "  kind       TEXT NOT NULL CHECK (kind IN ('mailbox','group','address')),"
        "  ref_id     INTEGER NOT NULL,"
        "  UNIQUE (domain_key, localpart),"
        "  UNIQUE (kind, ref_id)"
        ");"
        "CREATE TRIGGER mailboxes_name_ins AFTER INSERT ON mailboxes BEGIN"
        "  INSERT INTO names VALUES (NEW.domain_id, NEW.localpart, 'mailbox', NEW.id); END;"
        "CREATE TRIGGER mailboxes_name_upd AFTER UPDATE OF domain_id, localpart ON mailboxes BEGIN"
        "  UPDATE names SET domain_key = NEW.domain_id, localpart = NEW.localpart"
        "   WHERE kind = 'mailbox' AND ref_id = NEW.id; END;"
        "CREATE TRIGGER mailboxes_name_del AFTER DELETE ON mailboxes BEGIN"
        "  DELETE FROM names WHERE kind = 'mailbox' AND ref_id = OLD.id; END;"
        "CREATE TRIGGER groups_name_ins AFTER INSERT ON groups BEGIN"
        "  INSERT INTO names VALUES (NEW.domain_id, NEW.localpart, 'group', NEW.id); END;"
        "CREATE TRIGGER groups_name_upd AFTER UPDATE OF domain_id, localpart ON groups BEGIN"
        "  UPDATE names SET domain_key = NEW.domain_id, localpart = NEW.localpart"
        "   WHERE kind = 'group' AND ref_id = NEW.id; END;"
        "CREATE TRIGGER groups_name_del AFTER DELETE ON groups BEGIN"
        "  DELETE FROM names WHERE kind = 'group' AND ref_id = OLD.id; END;"
        "CREATE TRIGGER addresses_name_ins AFTER INSERT ON addresses BEGIN"
        "  INSERT INTO names VALUES (COALESCE(NEW.domain_id, 0), NEW.localpart, 'address', NEW.id); END;"
        "CREATE TRIGGER addresses_name_upd AFTER UPDATE OF domain_id, localpart ON addresses BEGIN"
        "  UPDATE names SET domain_key = COALESCE(NEW.domain_id, 0), localpart = NEW.localpart"
        "   WHERE kind = 'address' AND ref_id = NEW.id; END;"
        "CREATE TRIGGER addresses_name_del AFTER DELETE ON addresses BEGIN"
        "  DELETE FROM names WHERE kind = 'address' AND ref_id = OLD.id; END;"
        "CREATE INDEX mailboxes_domain ON mailboxes(domain_id);"
        "CREATE INDEX groups_domain ON groups(domain_id);"
        "CREATE INDEX addresses_domain ON addresses(domain_id);"
        "CREATE INDEX domains_catchall ON domains(catchall_mailbox_id);"
        "CREATE INDEX journal_entity ON journal(entity);",
    },
    {
        4, "apply generations and the site values of managed main.cf parameters",
        /* One row per apply (apply.h): staged -> live, then ok when a later
         * one replaces it; failed (validation) or rolled-back (after the
         * swap). snapshot: the state the generation was rendered from. */
        "CREATE TABLE generations ("
        "  id            INTEGER PRIMARY KEY,"
        "  at            INTEGER NOT NULL,"
        "  actor         TEXT NOT NULL,"
        "  status        TEXT NOT NULL CHECK (status IN"
        "                ('staged','live','ok','failed','rolled-back')),"
        "  message       TEXT,"
        "  note          TEXT,"
        "  reverted_from INTEGER,"
        "  snapshot      TEXT,"
        "  pruned        INTEGER NOT NULL DEFAULT 0 CHECK (pruned IN (0,1))"
        ");"
        "CREATE INDEX journal_generation ON journal(generation);"
        /* The value a main.cf parameter had before postern first managed it;
         * postern's tables go first, this part after. */
        "CREATE TABLE apply_site_params ("
        "  name  TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL"
        ");",
    },
    /* Append new migrations here. */
};

const pn_migration *pn_db_migrations(size_t *count)
{
    if (count)
        *count = sizeof(migrations) / sizeof(migrations[0]);
    return migrations;
}

int pn_db_schema_version(void)
{
    size_t n = sizeof(migrations) / sizeof(migrations[0]);
    return n ? migrations[n - 1].version : 0;
}
