/* store_yaml_export.c - the whole state store as one YAML file (format in
 * store_yaml.h), from one read snapshot, in a fixed order so that the same
 * state always gives the same bytes. Strings are written plain when that
 * cannot be read back as anything else, otherwise double-quoted with
 * escapes; the file is read back by store_yaml_parse.c. */
#include "store_yaml_internal.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char header[] =
    "# postern state (format 1): the settings, domains, mailboxes, groups, public\n"
    "# mailboxes and addresses of the state DB, written by 'postern export'.\n"
    "# It holds password hashes (never passwords): keep it private.\n"
    "# Load it with 'postern import FILE' (adds and updates what it lists) or\n"
    "# 'postern import FILE --replace' (it becomes the whole state).\n";

/* Plain only for [A-Za-z][A-Za-z0-9._@+=/-]* that YAML does not read as a
 * boolean or null. */
static bool plain_ok(const char *s)
{
    static const char *const words[] = {"y", "n", "yes", "no", "on", "off", "true", "false",
                                        "null", NULL};
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._@+=/-", *p)))
            return false;
    for (size_t i = 0; words[i]; i++)
        if (!strcasecmp(s, words[i]))
            return false;
    return true;
}

/* YAML's printable set, less what must never reach a terminal. */
static bool printable(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0xfffe || cp == 0xffff)
        return false;
    return !pn_utf8_is_unsafe(cp);
}

static void put_str(pn_str *out, const char *s)
{
    if (!s)
        s = "";
    if (plain_ok(s)) {
        pn_str_append(out, s);
        return;
    }
    pn_str_appendc(out, '"');
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        bool valid;
        size_t k = pn_utf8_decode(s + i, len - i, &cp, &valid);
        if (!valid)
            pn_str_append(out, "\\uFFFD");
        else if (cp == '"' || cp == '\\')
            pn_str_appendf(out, "\\%c", (char)cp);
        else if (!printable(cp))
            pn_str_appendf(out, cp > 0xffff ? "\\U%08X" : "\\u%04X", (unsigned)cp);
        else
            pn_str_appendn(out, s + i, k);
        i += k;
    }
    pn_str_appendc(out, '"');
}

/* "<indent>key: value\n" */
static void put_kv(pn_str *out, const char *indent, const char *key, const char *value)
{
    pn_str_appendf(out, "%s%s: ", indent, key);
    put_str(out, value);
    pn_str_appendc(out, '\n');
}

static void put_bool(pn_str *out, const char *key, bool v)
{
    pn_str_appendf(out, "    %s: %s\n", key, v ? "true" : "false");
}

/* A count, or "default" for -1. */
static void put_int_or_default(pn_str *out, const char *key, int64_t v)
{
    if (v < 0)
        pn_str_appendf(out, "    %s: default\n", key);
    else
        pn_str_appendf(out, "    %s: %lld\n", key, (long long)v);
}

static void put_list(pn_str *out, const char *key, char *const *items, size_t n)
{
    if (!n) {
        pn_str_appendf(out, "    %s: []\n", key);
        return;
    }
    pn_str_appendf(out, "    %s:\n", key);
    for (size_t i = 0; i < n; i++) {
        pn_str_append(out, "      - ");
        put_str(out, items[i]);
        pn_str_appendc(out, '\n');
    }
}

/* "key:" before the items of a section, "key: []" when it has none. */
static void put_section(pn_str *out, const char *key, size_t n)
{
    pn_str_appendf(out, "%s:%s\n", key, n ? "" : " []");
}

static void put_settings(pn_str *out, const yi_db *db)
{
    size_t ndefs;
    const pn_setting_def *defs = pn_store_setting_defs(&ndefs);
    bool any = false;
    for (size_t i = 0; i < ndefs && i < db->nsettings; i++)
        any = any || db->settings[i];
    pn_str_appendf(out, "settings:%s\n", any ? "" : " {}");
    for (size_t i = 0; i < ndefs && i < db->nsettings; i++)
        if (db->settings[i])
            put_kv(out, "  ", defs[i].key, db->settings[i]);
}

static void put_domains(pn_str *out, const pn_domain *list, size_t n)
{
    put_section(out, "domains", n);
    for (size_t i = 0; i < n; i++) {
        const pn_domain *d = &list[i];
        put_kv(out, "  - ", "name", d->name);
        pn_str_appendf(out, "    delivery: %s\n", d->relay ? "relay" : "local");
        if (d->relay) {
            put_kv(out, "    ", "relay_host", d->relay_host);
            if (d->relay_port > 0)
                pn_str_appendf(out, "    relay_port: %d\n", d->relay_port);
        }
        if (d->bcc)
            put_kv(out, "    ", "bcc", d->bcc);
        if (d->catchall)
            put_kv(out, "    ", "catch_all", d->catchall);
    }
}

static void put_mailboxes(pn_str *out, const pn_mailbox *list, size_t n)
{
    put_section(out, "mailboxes", n);
    for (size_t i = 0; i < n; i++) {
        const pn_mailbox *m = &list[i];
        put_kv(out, "  - ", "address", m->address);
        put_kv(out, "    ", "name", m->display_name);
        put_kv(out, "    ", "password_hash", m->password_hash);
        put_bool(out, "imap", m->imap);
        put_bool(out, "pop3", m->pop3);
        put_bool(out, "smtp", m->smtp);
        put_int_or_default(out, "quota", m->quota_bytes);
        put_int_or_default(out, "spam_retention_days", m->spam_retention_days);
        put_list(out, "forwards", m->forwards, m->nforwards);
        put_bool(out, "forward_keep_copy", m->forward_keep_copy);
    }
}

static void put_groups(pn_str *out, const pn_group *list, size_t n)
{
    put_section(out, "groups", n);
    for (size_t i = 0; i < n; i++) {
        put_kv(out, "  - ", "address", list[i].address);
        put_bool(out, "enabled", list[i].enabled);
        put_list(out, "members", list[i].members, list[i].nmembers);
    }
}

static void put_publics(pn_str *out, const pn_public *list, size_t n)
{
    put_section(out, "public", n);
    for (size_t i = 0; i < n; i++) {
        const pn_public *p = &list[i];
        put_kv(out, "  - ", "name", p->name);
        pn_str_appendf(out, "    owners:%s\n", p->nowners ? "" : " []");
        for (size_t k = 0; k < p->nowners; k++)
            put_kv(out, "      - ", p->owners[k].is_group ? "group" : "user", p->owners[k].target);
    }
}

static void put_addresses(pn_str *out, const pn_address *list, size_t n)
{
    put_section(out, "addresses", n);
    for (size_t i = 0; i < n; i++) {
        const pn_address *a = &list[i];
        put_kv(out, "  - ", "address", a->address);
        put_bool(out, "internal", a->internal);
        pn_str_appendf(out, "    destinations:%s\n", a->ndests ? "" : " []");
        for (size_t k = 0; k < a->ndests; k++)
            put_kv(out, "      - ", pn_dest_kind_name(a->dests[k].kind), a->dests[k].target);
    }
}

bool pn_store_export_yaml(pn_store *st, pn_str *out, pn_err *err)
{
    bool own_read = !st->in_read;
    if (own_read && !pn_store_begin_read(st, err))
        return false;
    yi_db db;
    bool ok = yi_db_load(st, &db, err);
    if (ok) {
        pn_str_append(out, header);
        pn_str_appendf(out, "postern_state: %d\n", PN_STORE_YAML_FORMAT);
        put_settings(out, &db);
        put_domains(out, db.state.domains, db.state.ndomains);
        put_mailboxes(out, db.state.mailboxes, db.state.nmailboxes);
        put_groups(out, db.state.groups, db.state.ngroups);
        put_publics(out, db.state.publics, db.state.npublics);
        put_addresses(out, db.state.addresses, db.state.naddresses);
    }
    yi_db_free(&db);
    if (own_read)
        pn_store_end_read(st);
    return ok;
}
