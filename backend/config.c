/* config.c - postern.yaml: find it, parse it with libyaml, check it against
 * the schema in config.h and fill a pn_config (see config.h).
 *
 * The YAML text is first built into a small tree that remembers the
 * line:column of every node (util/yamltree.h), then walked against the
 * schema, so every error reads "file:line:column: key: what was expected,
 * what was found". Aliases, anchors and non-string tags are refused;
 * duplicate and unknown keys are errors (unknown ones get a "did you mean"
 * suggestion).
 *
 * Search order (pn_config_load): --config PATH, $POSTERN_CONFIG,
 * $XDG_CONFIG_HOME/postern/postern.yaml or ~/.config/postern/postern.yaml,
 * /etc/postern/postern.yaml, else built-in defaults.
 * POSTERN_SYSCONFDIR, when set and non-empty, replaces the directory
 * /etc/postern (the file read is $POSTERN_SYSCONFDIR/postern.yaml). It exists
 * only so the tests never depend on (or read) the real /etc; it is not a
 * user-facing setting. */
#include "config.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/utf8.h"
#include "util/yamltree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CONFIG_BYTES (1024 * 1024)
#define DEFAULT_CONTROLLER "127.0.0.1:11334"

/* ---- config object ---------------------------------------------------- */

pn_config *pn_config_defaults(void)
{
    pn_config *c = pn_calloc(1, sizeof(*c));
    c->source = pn_strdup("built-in defaults");
    c->instance = pn_strdup("localhost");
    c->read_only = false;
    c->postfix_config_dir = pn_strdup("/etc/postfix");
    c->dovecot_config_file = pn_strdup("/etc/dovecot/dovecot.conf");
    c->dovecot_mail_root = pn_strdup("/var/vmail");
    c->dovecot_public_dir = pn_strdup("/var/vmail/public");
    c->dovecot_mail_user = pn_strdup("vmail");
    c->dovecot_mail_group = pn_strdup("vmail");
    c->dovecot_auth_group = pn_strdup("dovecot");
    c->apply_keep = 10;
    c->rspamd_config_file = pn_strdup("/etc/rspamd/rspamd.conf");
    c->rspamd_controller = pn_strdup(DEFAULT_CONTROLLER);
    c->logs = pn_calloc(1, sizeof(*c->logs));
    c->logs[0].path = pn_strdup("/var/log/mail.log");
    c->logs[0].format = pn_strdup("syslog");
    c->n_logs = 1;
    c->state_db = pn_strdup("/var/lib/postern/state.db");
    c->console_refresh = -1;
    return c;
}

static void free_logs(pn_config *c)
{
    for (size_t i = 0; i < c->n_logs; i++) {
        free(c->logs[i].path);
        free(c->logs[i].format);
        for (size_t k = 0; k < c->logs[i].n_units; k++)
            free(c->logs[i].units[k]);
        free(c->logs[i].units);
    }
    free(c->logs);
    c->logs = NULL;
    c->n_logs = 0;
}

static void free_vars(pn_config *c)
{
    for (size_t i = 0; i < c->n_rspamd_vars; i++) {
        free(c->rspamd_vars[i].key);
        free(c->rspamd_vars[i].value);
    }
    free(c->rspamd_vars);
    c->rspamd_vars = NULL;
    c->n_rspamd_vars = 0;
}

void pn_config_free(pn_config *c)
{
    if (!c)
        return;
    free(c->source);
    free(c->instance);
    free(c->postfix_config_dir);
    free(c->dovecot_config_file);
    free(c->dovecot_mail_root);
    free(c->dovecot_public_dir);
    free(c->dovecot_mail_user);
    free(c->dovecot_mail_group);
    free(c->dovecot_auth_group);
    free(c->rspamd_config_file);
    free(c->rspamd_controller);
    free_vars(c);
    free_logs(c);
    free(c->state_db);
    free(c->console_theme);
    free(c->console_keymap);
    free(c);
}

/* Replace a heap string field. */
static void set_field(char **field, char *value)
{
    free(*field);
    *field = value;
}

/* ---- YAML tree -------------------------------------------------------- */

typedef pn_yaml_node node;

static const pn_yaml_rules config_yaml = {
    .max_depth = 32,
    .refused_in = "postern.yaml",
    .one_document_in = "postern.yaml",
    .names_what_it_refuses = true,
    .invalid_text_at_byte = true,
    .context_at_line_column = true,
};

typedef struct parser {
    const char *name;
    pn_err *err;
} parser;

#define err_at(p, n, ...) pn_yaml_fail((p)->err, (p)->name, (n)->line, (n)->col, __VA_ARGS__)

/* ---- schema helpers --------------------------------------------------- */

/* What a node is, for "found ..." in messages. */
static const char *describe(const node *n, pn_str *buf)
{
    pn_str_reset(buf);
    if (pn_yaml_is_null(n))
        pn_str_append(buf, "nothing");
    else if (n->kind == PN_YAML_MAPPING)
        pn_str_append(buf, "a mapping");
    else if (n->kind == PN_YAML_SEQUENCE)
        pn_str_append(buf, "a sequence");
    else
        pn_yaml_append_quoted(buf, n->val, n->len);
    return pn_str_cstr(buf);
}

static bool expected(parser *p, const node *n, const char *path, const char *what)
{
    pn_str d = PN_STR_INIT;
    err_at(p, n, "%s: expected %s, found %s", path, what, describe(n, &d));
    pn_str_free(&d);
    return false;
}

/* The first control or other terminal-unsafe character, for the message. */
static bool check_clean(parser *p, const node *n, const char *path, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        bool valid;
        size_t k = pn_utf8_decode(s + i, len - i, &cp, &valid);
        if (!valid)
            return err_at(p, n, "%s: invalid UTF-8", path);
        if (pn_utf8_is_unsafe(cp)) {
            const char *name = cp == '\n' ? "LF (newline)" : cp == '\r' ? "CR (carriage return)"
                             : cp == '\t' ? "TAB" : cp == 0 ? "NUL" : NULL;
            if (name)
                return err_at(p, n, "%s: control characters are not allowed, found %s", path, name);
            return err_at(p, n, "%s: control characters are not allowed, found U+%04X", path,
                          (unsigned)cp);
        }
        i += k;
    }
    return true;
}

static bool get_string(parser *p, const node *n, const char *path, bool allow_empty, char **out)
{
    if (n->kind != PN_YAML_SCALAR || pn_yaml_is_null(n))
        return expected(p, n, path, "a string");
    if (!allow_empty && n->len == 0)
        return err_at(p, n, "%s: must not be empty", path);
    if (!check_clean(p, n, path, n->val, n->len))
        return false;
    *out = pn_strdup(n->val);
    return true;
}

static bool get_path(parser *p, const node *n, const char *path, char **out)
{
    if (n->kind != PN_YAML_SCALAR || pn_yaml_is_null(n))
        return expected(p, n, path, "an absolute path");
    if (!check_clean(p, n, path, n->val, n->len))
        return false;
    if (n->val[0] != '/') {
        pn_str d = PN_STR_INIT;
        err_at(p, n, "%s: must be an absolute path (starting with /), found %s", path,
               describe(n, &d));
        pn_str_free(&d);
        return false;
    }
    *out = pn_strdup(n->val);
    return true;
}

static bool get_bool(parser *p, const node *n, const char *path, bool *out)
{
    if (n->kind == PN_YAML_SCALAR && n->plain) {
        if (!strcmp(n->val, "true") || !strcmp(n->val, "True") || !strcmp(n->val, "TRUE")) {
            *out = true;
            return true;
        }
        if (!strcmp(n->val, "false") || !strcmp(n->val, "False") || !strcmp(n->val, "FALSE")) {
            *out = false;
            return true;
        }
    }
    if (n->kind == PN_YAML_SCALAR && !n->plain) {
        pn_str d = PN_STR_INIT;
        err_at(p, n, "%s: expected a boolean (true/false), found a quoted string %s", path,
               describe(n, &d));
        pn_str_free(&d);
        return false;
    }
    return expected(p, n, path, "a boolean (true/false)");
}

/* Optimal string alignment distance (edits incl. adjacent transpositions). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

static const char *suggest(const char *key, const char *const *known)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; known[i]; i++) {
        size_t len = strlen(known[i]);
        size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
        size_t d = edit_distance(key, known[i]);
        if (d <= limit && d < best_d) {
            best = known[i];
            best_d = d;
        }
    }
    return best;
}

/* Keys must be non-empty clean strings without duplicates; when known is
 * given, only those keys are allowed. where is NULL at the top level. */
static bool check_keys(parser *p, const node *map, const char *where, const char *const *known)
{
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const node *k = map->kids[i];
        if (k->kind != PN_YAML_SCALAR)
            return err_at(p, k, "%s%skeys must be plain strings, found %s",
                          where ? where : "", where ? ": " : "",
                          k->kind == PN_YAML_MAPPING ? "a mapping" : "a sequence");
        pn_str d = PN_STR_INIT;
        const char *label = where ? where : "key";
        if (k->len == 0 || strlen(k->val) != k->len) {
            err_at(p, k, "%s: invalid key %s", label, describe(k, &d));
            pn_str_free(&d);
            return false;
        }
        if (!check_clean(p, k, label, k->val, k->len))
            return false;
        if (known) {
            bool ok = false;
            for (size_t j = 0; known[j] && !ok; j++)
                ok = !strcmp(k->val, known[j]);
            if (!ok) {
                pn_str msg = PN_STR_INIT;
                pn_str_append(&msg, "unknown key ");
                pn_yaml_append_quoted(&msg, k->val, k->len);
                if (where)
                    pn_str_appendf(&msg, " in %s", where);
                const char *s = suggest(k->val, known);
                if (s) {
                    pn_str_appendf(&msg, " (did you mean '%s'?)", s);
                } else {
                    pn_str_append(&msg, " (known keys:");
                    for (size_t j = 0; known[j]; j++)
                        pn_str_appendf(&msg, "%s %s", j ? "," : "", known[j]);
                    pn_str_append(&msg, ")");
                }
                err_at(p, k, "%s", pn_str_cstr(&msg));
                pn_str_free(&msg);
                pn_str_free(&d);
                return false;
            }
        }
        for (size_t j = 0; j < i; j += 2) {
            const node *prev = map->kids[j];
            if (prev->len == k->len && !memcmp(prev->val, k->val, k->len)) {
                err_at(p, k, "duplicate key %s%s%s (first at line %d column %d)",
                       describe(k, &d), where ? " in " : "", where ? where : "",
                       prev->line, prev->col);
                pn_str_free(&d);
                return false;
            }
        }
        pn_str_free(&d);
    }
    return true;
}

/* A section mapping: absent or empty means "all defaults". */
static bool section(parser *p, const node *root, const char *name, const char *const *known,
                    const node **out)
{
    const node *n = pn_yaml_lookup(root, name);
    *out = NULL;
    if (!n || pn_yaml_is_null(n))
        return true;
    if (n->kind != PN_YAML_MAPPING)
        return expected(p, n, name, "a mapping");
    if (!check_keys(p, n, name, known))
        return false;
    *out = n;
    return true;
}

/* host:port with port 1-65535; host is a name, IPv4 or [IPv6]. */
static bool check_controller(parser *p, const node *n, const char *path, const char *v)
{
    const char *colon, *host = v;
    size_t hlen;
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (!close || close[1] != ':')
            goto bad;
        host = v + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
        for (size_t i = 0; i < hlen; i++)
            if (!strchr("0123456789abcdefABCDEF:.", host[i]))
                goto bad;
    } else {
        colon = strrchr(v, ':');
        if (!colon)
            goto bad;
        hlen = (size_t)(colon - v);
        for (size_t i = 0; i < hlen; i++) {
            char c = host[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_'))
                goto bad;
        }
    }
    if (hlen == 0)
        goto bad;
    const char *port = colon + 1;
    size_t plen = strlen(port);
    if (plen == 0 || plen > 5 || strspn(port, "0123456789") != plen)
        goto bad;
    long num = strtol(port, NULL, 10);
    if (num < 1 || num > 65535) {
        pn_str d = PN_STR_INIT;
        err_at(p, n, "%s: port must be 1-65535, found %s", path, describe(n, &d));
        pn_str_free(&d);
        return false;
    }
    return true;
bad:
    return expected(p, n, path, "host:port (e.g. 127.0.0.1:11334 or [::1]:11334)");
}

static bool valid_var_name(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

static const char *const log_formats[] = {"syslog", "rfc3339", "rspamd", "journal-json", NULL};

/* A systemd unit name for journalctl -u: printable, no spaces, no leading '-'. */
static bool valid_unit(const char *v, size_t len)
{
    if (len == 0 || len > 256 || v[0] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= ' ' || c == 0x7f || c == '/' || c == '\\')
            return false;
    }
    return true;
}

/* { journal: true|FILE_OR_DIR, units: [UNIT...] } (keys checked already). */
static bool parse_journal(parser *p, const node *item, const char *where, pn_log_source *out)
{
    char sub[96];
    const node *j = pn_yaml_lookup(item, "journal");
    if (pn_yaml_lookup(item, "path"))
        return err_at(p, item, "%s: 'path' and 'journal' exclude each other (an item is a log "
                               "file or a journal; write two items for both)", where);
    if (pn_yaml_lookup(item, "format"))
        return err_at(p, item, "%s: 'format' does not apply to a journal (journalctl -o json "
                               "is read as is)", where);
    snprintf(sub, sizeof(sub), "%s.journal", where);
    if (j->kind == PN_YAML_SCALAR && j->plain &&
        (!strcasecmp(j->val, "true") || !strcasecmp(j->val, "false"))) {
        bool on = false;
        if (!get_bool(p, j, sub, &on))
            return false;
        if (!on)
            return err_at(p, j, "%s: expected true (the host's journal) or the absolute path of "
                                "a journal file or directory, found false (remove the item instead)",
                          sub);
        out->journal_host = true;
        out->path = pn_strdup("journald");
    } else if (!get_path(p, j, sub, &out->path)) {
        return false;
    }
    out->journal = true;
    out->format = pn_strdup("journal");
    const node *u = pn_yaml_lookup(item, "units");
    if (!u || pn_yaml_is_null(u))
        return true;
    snprintf(sub, sizeof(sub), "%s.units", where);
    if (u->kind != PN_YAML_SEQUENCE)
        return expected(p, u, sub, "a sequence of systemd unit names");
    out->units = pn_calloc(u->n ? u->n : 1, sizeof(*out->units));
    for (size_t i = 0; i < u->n; i++) {
        const node *k = u->kids[i];
        char *name = NULL;
        snprintf(sub, sizeof(sub), "%s.units[%zu]", where, i);
        if (!get_string(p, k, sub, false, &name))
            return false;
        out->units[out->n_units++] = name;
        if (!valid_unit(k->val, k->len)) {
            pn_str d = PN_STR_INIT;
            err_at(p, k, "%s: expected a systemd unit name (e.g. postfix@-.service), found %s",
                   sub, describe(k, &d));
            pn_str_free(&d);
            return false;
        }
    }
    return true;
}

static bool parse_log(parser *p, const node *item, size_t idx, pn_log_source *out)
{
    static const char *const known[] = {"path", "format", "journal", "units", NULL};
    char where[48];
    snprintf(where, sizeof(where), "logs[%zu]", idx);
    char sub[64];

    if (item->kind == PN_YAML_SCALAR && !pn_yaml_is_null(item)) {
        out->format = pn_strdup("syslog");
        return get_path(p, item, where, &out->path);
    }
    if (item->kind != PN_YAML_MAPPING)
        return expected(p, item, where, "a path or a mapping with path and format");
    if (!check_keys(p, item, where, known))
        return false;
    if (pn_yaml_lookup(item, "journal"))
        return parse_journal(p, item, where, out);
    if (pn_yaml_lookup(item, "units"))
        return err_at(p, item, "%s: 'units' applies only to a journal item "
                               "({ journal: true, units: [...] })", where);
    const node *path = pn_yaml_lookup(item, "path");
    if (!path)
        return err_at(p, item, "%s: missing key 'path' (or 'journal')", where);
    snprintf(sub, sizeof(sub), "%s.path", where);
    if (!get_path(p, path, sub, &out->path))
        return false;
    const node *fmt = pn_yaml_lookup(item, "format");
    if (!fmt) {
        out->format = pn_strdup("syslog");
        return true;
    }
    snprintf(sub, sizeof(sub), "%s.format", where);
    for (size_t i = 0; log_formats[i]; i++) {
        if (fmt->kind == PN_YAML_SCALAR && !strcmp(fmt->val, log_formats[i]) &&
            strlen(fmt->val) == fmt->len) {
            out->format = pn_strdup(log_formats[i]);
            return true;
        }
    }
    return expected(p, fmt, sub, "one of syslog, rfc3339, rspamd, journal-json");
}

static bool parse_logs(parser *p, const node *n, pn_config *c)
{
    if (n->kind != PN_YAML_SEQUENCE) {
        if (pn_yaml_is_null(n))
            return err_at(p, n, "logs: expected a sequence, found nothing "
                                "(write 'logs: []' for no log files)");
        return expected(p, n, "logs", "a sequence");
    }
    free_logs(c);
    c->logs = pn_calloc(n->n ? n->n : 1, sizeof(*c->logs));
    for (size_t i = 0; i < n->n; i++) {
        if (!parse_log(p, n->kids[i], i, &c->logs[i])) {
            c->n_logs = i + 1;  /* free what was filled */
            return false;
        }
        c->n_logs = i + 1;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->logs[j].path, c->logs[i].path))
                return err_at(p, n->kids[i], "logs[%zu]: '%s' is already listed as logs[%zu]",
                              i, c->logs[i].path, j);
    }
    return true;
}

static bool parse_vars(parser *p, const node *n, pn_config *c)
{
    if (pn_yaml_is_null(n))
        return true;
    if (n->kind != PN_YAML_MAPPING)
        return expected(p, n, "rspamd.vars", "a mapping of NAME: VALUE");
    if (!check_keys(p, n, "rspamd.vars", NULL))
        return false;
    free_vars(c);
    size_t count = n->n / 2;
    c->rspamd_vars = pn_calloc(count ? count : 1, sizeof(*c->rspamd_vars));
    for (size_t i = 0; i < count; i++) {
        const node *k = n->kids[2 * i], *v = n->kids[2 * i + 1];
        if (!valid_var_name(k->val)) {
            pn_str d = PN_STR_INIT;
            err_at(p, k, "rspamd.vars: %s is not a valid variable name "
                         "(letters, digits and _, not starting with a digit)", describe(k, &d));
            pn_str_free(&d);
            return false;
        }
        char *path = pn_sprintf("rspamd.vars.%s", k->val);
        char *value = NULL;
        bool ok = get_string(p, v, path, true, &value);
        free(path);
        if (!ok)
            return false;
        c->rspamd_vars[i].key = pn_strdup(k->val);
        c->rspamd_vars[i].value = value;
        c->n_rspamd_vars = i + 1;
    }
    return true;
}

/* A unix user or group name: letters, digits, '_', '-', '.', at most 32. */
static bool get_unix_name(parser *p, const node *n, const char *field, char **out)
{
    if (!get_string(p, n, field, false, out))
        return false;
    size_t len = strlen(*out);
    bool ok = len > 0 && len <= 32 && (*out)[0] != '-';
    for (size_t i = 0; ok && i < len; i++) {
        char ch = (*out)[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '_' || ch == '-' || ch == '.';
    }
    if (!ok) {
        free(*out);
        *out = NULL;
        return expected(p, n, field, "a unix name: letters, digits, '_', '-', '.' (1-32)");
    }
    return true;
}

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(list[i], s))
            return true;
    return false;
}

/* console: { theme: dark|light|mono, keymap: default|vi, refresh: SECONDS } */
static bool parse_console(parser *p, const node *sec, pn_config *c)
{
    static const char *const themes[] = {"dark", "light", "mono", NULL};
    static const char *const keymaps[] = {"default", "vi", NULL};
    const node *n;
    char *s;
    if ((n = pn_yaml_lookup(sec, "theme"))) {
        if (!get_string(p, n, "console.theme", false, &s))
            return false;
        if (!in_list(themes, s)) {
            free(s);
            return expected(p, n, "console.theme", "one of dark, light, mono");
        }
        set_field(&c->console_theme, s);
    }
    if ((n = pn_yaml_lookup(sec, "keymap"))) {
        if (!get_string(p, n, "console.keymap", false, &s))
            return false;
        if (!in_list(keymaps, s)) {
            free(s);
            return expected(p, n, "console.keymap", "one of default, vi");
        }
        set_field(&c->console_keymap, s);
    }
    if ((n = pn_yaml_lookup(sec, "refresh"))) {
        char *end = NULL;
        long v = n->kind == PN_YAML_SCALAR && n->plain && n->len ? strtol(n->val, &end, 10) : -1;
        if (!end || *end || v < 0 || v > 3600)
            return expected(p, n, "console.refresh", "a number of seconds from 0 (off) to 3600");
        c->console_refresh = (int)v;
    }
    return true;
}

static bool apply(parser *p, const node *root, pn_config *c)
{
    static const char *const top[] = {"instance", "read_only", "postfix", "dovecot", "rspamd",
                                      "logs", "state_db", "hosts", "console", "apply", NULL};
    static const char *const postfix_keys[] = {"config_dir", NULL};
    static const char *const dovecot_keys[] = {"config_file", "mail_root", "public_dir",
                                               "mail_user", "mail_group", "auth_group", NULL};
    static const char *const apply_keys[] = {"keep", NULL};
    static const char *const rspamd_keys[] = {"config_file", "controller", "vars", NULL};
    static const char *const console_keys[] = {"theme", "keymap", "refresh", NULL};
    const node *n, *sec;
    char *s;

    if (root->kind != PN_YAML_MAPPING) {
        pn_str d = PN_STR_INIT;
        err_at(p, root, "expected a mapping of settings at the top level, found %s",
               describe(root, &d));
        pn_str_free(&d);
        return false;
    }
    if (!check_keys(p, root, NULL, top))
        return false;

    if ((n = pn_yaml_lookup(root, "instance"))) {
        if (!get_string(p, n, "instance", false, &s))
            return false;
        set_field(&c->instance, s);
    }
    if ((n = pn_yaml_lookup(root, "read_only")) && !get_bool(p, n, "read_only", &c->read_only))
        return false;

    if (!section(p, root, "postfix", postfix_keys, &sec))
        return false;
    if (sec && (n = pn_yaml_lookup(sec, "config_dir"))) {
        if (!get_path(p, n, "postfix.config_dir", &s))
            return false;
        set_field(&c->postfix_config_dir, s);
    }

    if (!section(p, root, "dovecot", dovecot_keys, &sec))
        return false;
    if (sec && (n = pn_yaml_lookup(sec, "config_file"))) {
        if (!get_path(p, n, "dovecot.config_file", &s))
            return false;
        set_field(&c->dovecot_config_file, s);
    }
    if (sec && (n = pn_yaml_lookup(sec, "mail_root"))) {
        if (!get_path(p, n, "dovecot.mail_root", &s))
            return false;
        set_field(&c->dovecot_mail_root, s);
    }
    if (sec && (n = pn_yaml_lookup(sec, "public_dir"))) {
        if (!get_path(p, n, "dovecot.public_dir", &s))
            return false;
        set_field(&c->dovecot_public_dir, s);
    }
    if (sec && (n = pn_yaml_lookup(sec, "mail_user"))) {
        if (!get_unix_name(p, n, "dovecot.mail_user", &s))
            return false;
        set_field(&c->dovecot_mail_user, s);
    }
    if (sec && (n = pn_yaml_lookup(sec, "mail_group"))) {
        if (!get_unix_name(p, n, "dovecot.mail_group", &s))
            return false;
        set_field(&c->dovecot_mail_group, s);
    }
    if (sec && (n = pn_yaml_lookup(sec, "auth_group"))) {
        if (!get_unix_name(p, n, "dovecot.auth_group", &s))
            return false;
        set_field(&c->dovecot_auth_group, s);
    }

    if (!section(p, root, "rspamd", rspamd_keys, &sec))
        return false;
    if (sec && (n = pn_yaml_lookup(sec, "config_file"))) {
        if (!get_path(p, n, "rspamd.config_file", &s))
            return false;
        set_field(&c->rspamd_config_file, s);
    }
    if (sec && (n = pn_yaml_lookup(sec, "controller"))) {
        if (!get_string(p, n, "rspamd.controller", false, &s))
            return false;
        if (!check_controller(p, n, "rspamd.controller", s)) {
            free(s);
            return false;
        }
        set_field(&c->rspamd_controller, s);
    }
    if (sec && (n = pn_yaml_lookup(sec, "vars")) && !parse_vars(p, n, c))
        return false;

    if ((n = pn_yaml_lookup(root, "logs")) && !parse_logs(p, n, c))
        return false;

    if ((n = pn_yaml_lookup(root, "state_db"))) {
        if (!get_path(p, n, "state_db", &s))
            return false;
        set_field(&c->state_db, s);
    }

    if (!section(p, root, "apply", apply_keys, &sec))
        return false;
    if (sec && (n = pn_yaml_lookup(sec, "keep"))) {
        char *end = NULL;
        long v = n->kind == PN_YAML_SCALAR && n->plain && n->len ? strtol(n->val, &end, 10) : -1;
        if (!end || *end || v < 2 || v > 1000)
            return expected(p, n, "apply.keep", "a number of generations from 2 to 1000");
        c->apply_keep = (int)v;
    }

    if (!section(p, root, "console", console_keys, &sec))
        return false;
    if (sec && !parse_console(p, sec, c))
        return false;

    if ((n = pn_yaml_lookup(root, "hosts")) && !pn_yaml_is_null(n) &&
        !((n->kind == PN_YAML_SEQUENCE || n->kind == PN_YAML_MAPPING) && n->n == 0))
        return err_at(p, n, "hosts: remote hosts are not supported yet");
    return true;
}

/* ---- entry points ----------------------------------------------------- */

pn_config *pn_config_parse(const char *name, const char *text, size_t len, pn_err *err)
{
    parser p = {.name = name ? name : "postern.yaml", .err = err};
    node *root;
    if (!pn_yaml_parse(&config_yaml, p.name, text, len, &root, err))
        return NULL;
    if (pn_yaml_is_null(root)) {
        pn_err_set(err, PN_E_CONFIG, "%s: empty configuration", p.name);
        pn_yaml_free(root);
        return NULL;
    }

    pn_config *c = pn_config_defaults();
    set_field(&c->source, pn_strdup(p.name));
    bool ok = apply(&p, root, c);
    pn_yaml_free(root);
    if (!ok) {
        pn_config_free(c);
        return NULL;
    }
    return c;
}

pn_config *pn_config_load_file(const char *path, pn_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        pn_err_set(err, errno == ENOENT ? PN_E_NOTFOUND : PN_E_IO, "cannot read %s: %s", path,
                   strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        pn_err_set(err, PN_E_IO, "cannot read %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        pn_err_set(err, PN_E_IO, "cannot read %s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_size > MAX_CONFIG_BYTES) {
        pn_err_set(err, PN_E_CONFIG, "%s: too large (%lld bytes, at most %d)", path,
                   (long long)st.st_size, MAX_CONFIG_BYTES);
        close(fd);
        return NULL;
    }
    pn_str buf = PN_STR_INIT;
    char chunk[8192];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            pn_err_set(err, PN_E_IO, "cannot read %s: %s", path, strerror(errno));
            pn_str_free(&buf);
            close(fd);
            return NULL;
        }
        if (r == 0)
            break;
        pn_str_appendn(&buf, chunk, (size_t)r);
        if (buf.len > MAX_CONFIG_BYTES) {
            pn_err_set(err, PN_E_CONFIG, "%s: too large (more than %d bytes)", path,
                       MAX_CONFIG_BYTES);
            pn_str_free(&buf);
            close(fd);
            return NULL;
        }
    }
    close(fd);
    pn_config *c = pn_config_parse(path, pn_str_cstr(&buf), buf.len, err);
    pn_str_free(&buf);
    return c;
}

/* Try one search location. Returns true when the search should stop: *out
 * holds the config, or NULL with err set. A missing optional file returns
 * false (keep looking). */
static bool try_candidate(const char *path, const char *origin, bool must_exist,
                          pn_config **out, pn_err *err)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0) {
        int e = errno;
        if (!must_exist && (e == ENOENT || e == ENOTDIR))
            return false;
        if (origin)
            pn_err_set(err, e == ENOENT ? PN_E_NOTFOUND : PN_E_IO, "%s%s: %s", origin, path,
                       strerror(e));
        else
            pn_err_set(err, e == ENOENT ? PN_E_NOTFOUND : PN_E_IO, "cannot read %s: %s", path,
                       strerror(e));
        return true;
    }
    *out = pn_config_load_file(path, err);
    return true;
}

pn_config *pn_config_load(const char *explicit_path, pn_err *err)
{
    pn_config *c = NULL;
    if (explicit_path) {
        if (!*explicit_path) {
            pn_err_set(err, PN_E_INVALID, "--config: the path is empty");
            return NULL;
        }
        try_candidate(explicit_path, "--config ", true, &c, err);
        return c;
    }

    const char *env = getenv("POSTERN_CONFIG");
    if (env && *env) {
        try_candidate(env, "POSTERN_CONFIG=", true, &c, err);
        return c;
    }

    /* XDG: a relative $XDG_CONFIG_HOME is invalid and ignored. */
    char *user = NULL;
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        user = pn_sprintf("%s/postern/postern.yaml", xdg);
    else if (home && *home)
        user = pn_sprintf("%s/.config/postern/postern.yaml", home);
    if (user) {
        bool stop = try_candidate(user, NULL, false, &c, err);
        free(user);
        if (stop)
            return c;
    }

    const char *sysconf = getenv("POSTERN_SYSCONFDIR");  /* tests only, see the top */
    char *sys = pn_sprintf("%s/postern.yaml", sysconf && *sysconf ? sysconf : "/etc/postern");
    bool stop = try_candidate(sys, NULL, false, &c, err);
    free(sys);
    if (stop)
        return c;

    return pn_config_defaults();
}
