/* store_yaml_parse.c - a postern state file (store_yaml.h) read into store
 * structs: every section, entity and field checked on its own with the
 * validators the store uses, every problem reported with its line and
 * column, and the reading goes on after a problem so that one run names
 * them all. Cross references are checked later (store_yaml_plan.c). */
#include "store_yaml_internal.h"
#include "util/mem.h"
#include "validate.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const pn_yaml_rules state_yaml = {
    .max_depth = 8,
    .refused_in = "a postern state file",
    .one_document_in = "a postern state file",
    .names_what_it_refuses = true,
    .invalid_text_at_byte = false,
    .context_at_line_column = false,
};

/* The store takes any count of days an int holds (the CLI asks for at
 * most 36500); so does the file, or a state could not come back. */
#define SPAM_DAYS_MAX INT_MAX
#define HASH_MAX 512

/* ---- small helpers ------------------------------------------------------ */

static void describe(const yi_node *n, pn_str *buf)
{
    if (pn_yaml_is_null(n))
        pn_str_append(buf, "nothing");
    else if (n->kind == PN_YAML_MAPPING)
        pn_str_append(buf, "a mapping");
    else if (n->kind == PN_YAML_SEQUENCE)
        pn_str_append(buf, "a list");
    else
        pn_yaml_append_quoted(buf, n->val, n->len);
}

static void expected(yi_ctx *c, const yi_node *n, const char *field, const char *what)
{
    pn_str d = PN_STR_INIT;
    describe(n, &d);
    yi_problem(c, n, "%s: expected %s, found %s", field, what, pn_str_cstr(&d));
    pn_str_free(&d);
}

static char *lower_dup(const char *s)
{
    char *r = pn_strdup(s);
    for (char *p = r; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return r;
}

/* Keys of a mapping: strings, each once, each one of known. Reports every
 * problem; the values of good keys are still read by the caller. */
static void check_keys(yi_ctx *c, const yi_node *map, const char *where,
                       const char *const *known)
{
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const yi_node *k = map->kids[i];
        if (k->kind != PN_YAML_SCALAR) {
            expected(c, k, where, "a key (a string)");
            continue;
        }
        bool ok = false;
        for (size_t j = 0; known[j] && !ok; j++)
            ok = k->len == strlen(known[j]) && !memcmp(k->val, known[j], k->len);
        pn_str msg = PN_STR_INIT;
        pn_yaml_append_quoted(&msg, k->val, k->len);
        if (!ok) {
            pn_str_append(&msg, " (known:");
            for (size_t j = 0; known[j]; j++)
                pn_str_appendf(&msg, "%s %s", j ? "," : "", known[j]);
            pn_str_append(&msg, ")");
            yi_problem(c, k, "%s: unknown key %s", where, pn_str_cstr(&msg));
        }
        for (size_t j = 0; ok && j < i; j += 2) {
            const yi_node *prev = map->kids[j];
            if (prev->kind == PN_YAML_SCALAR && prev->len == k->len &&
                !memcmp(prev->val, k->val, k->len)) {
                yi_problem(c, k, "%s: key %s is given twice (first at line %d)", where,
                           pn_str_cstr(&msg), prev->line);
                break;
            }
        }
        pn_str_free(&msg);
    }
}

/* The text of a string value, or NULL after reporting. */
static const char *text_of(yi_ctx *c, const yi_node *n, const char *field)
{
    if (n->kind != PN_YAML_SCALAR || pn_yaml_is_null(n)) {
        expected(c, n, field, "a string");
        return NULL;
    }
    if (strlen(n->val) != n->len) {
        yi_problem(c, n, "%s: contains a NUL byte: not allowed", field);
        return NULL;
    }
    return n->val;
}

/* An optional value: absent and null give NULL without a problem. */
static const yi_node *optional(const yi_node *map, const char *key)
{
    const yi_node *n = pn_yaml_lookup(map, key);
    return n && !pn_yaml_is_null(n) ? n : NULL;
}

static void get_bool(yi_ctx *c, const yi_node *map, const char *key, const char *field, bool *out)
{
    const yi_node *n = optional(map, key);
    if (!n)
        return;
    if (n->kind == PN_YAML_SCALAR && n->plain && !strcmp(n->val, "true"))
        *out = true;
    else if (n->kind == PN_YAML_SCALAR && n->plain && !strcmp(n->val, "false"))
        *out = false;
    else
        expected(c, n, field, "true or false");
}

/* "local@domain" (or "local@*" when wildcard) checked as the store checks
 * it (st_split_address); a lower-cased heap copy, or NULL after reporting. */
static char *address_of(yi_ctx *c, const yi_node *n, const char *field, bool wildcard)
{
    const char *s = text_of(c, n, field);
    if (!s)
        return NULL;
    pn_err e = PN_ERR_INIT;
    if (!*s) {
        yi_problem(c, n, "%s: is empty: an address local@domain is required", field);
        return NULL;
    }
    if (!pn_valid_text(field, s, 320, &e)) {
        yi_problem_err(c, n, &e);
        return NULL;
    }
    const char *at = strrchr(s, '@');
    if (!at) {
        pn_str shown = PN_STR_INIT;
        pn_yaml_append_quoted(&shown, s, strlen(s));
        yi_problem(c, n, "%s: %s is not valid: expected local@domain", field, pn_str_cstr(&shown));
        pn_str_free(&shown);
        return NULL;
    }
    char *lp = pn_strndup(s, (size_t)(at - s));
    bool ok = pn_valid_localpart(field, lp, &e) &&
              ((wildcard && !strcmp(at + 1, "*")) || pn_valid_domain(field, at + 1, &e));
    free(lp);
    if (!ok) {
        yi_problem_err(c, n, &e);
        return NULL;
    }
    return lower_dup(s);
}

/* An external address (forward, bcc, destination), as st_valid_external. */
static const char *external_of(yi_ctx *c, const yi_node *n, const char *field)
{
    const char *s = text_of(c, n, field);
    pn_err e = PN_ERR_INIT;
    if (s && !st_valid_external(field, s, &e)) {
        yi_problem_err(c, n, &e);
        return NULL;
    }
    return s;
}

/* A crypt(3) hash: "$id$..." in the crypt alphabet. Never shown (it is a
 * secret, if a hashed one); ':' would split passwd-file fields. */
static bool valid_hash(yi_ctx *c, const yi_node *n, const char *s)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789./$=,+-_";
    const char *field = "mailboxes.password_hash";
    size_t len = strlen(s);
    if (!len) {
        yi_problem(c, n, "%s: is empty: a crypt(3) hash is required", field);
        return false;
    }
    if (len > HASH_MAX) {
        yi_problem(c, n, "%s: is too long: at most %d bytes", field, HASH_MAX);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!strchr(alphabet, s[i])) {
            unsigned char ch = (unsigned char)s[i];
            if (ch < 0x20 || ch == 0x7f)
                yi_problem(c, n, "%s: contains a control character (0x%02X): not allowed",
                           field, ch);
            else if (ch >= 0x80)
                yi_problem(c, n, "%s: contains a non-ASCII byte: not a crypt(3) hash", field);
            else
                yi_problem(c, n, "%s: contains '%c': not a crypt(3) hash character", field, ch);
            return false;
        }
    }
    if (s[0] != '$' || !strchr(s + 1, '$')) {
        yi_problem(c, n, "%s: is not a crypt(3) hash (\"$id$...\"): a plain password is never"
                         " stored", field);
        return false;
    }
    return true;
}

/* The list under key (absent or null: none); NULL when absent or wrong. */
static const yi_node *list_of(yi_ctx *c, const yi_node *map, const char *key, const char *field)
{
    const yi_node *n = optional(map, key);
    if (n && n->kind != PN_YAML_SEQUENCE) {
        expected(c, n, field, "a list");
        return NULL;
    }
    return n;
}

/* {kind: target}: one pair with a key out of kinds. The index of the kind,
 * or -1 after reporting; *val is the target node. */
static int one_pair(yi_ctx *c, const yi_node *item, const char *field, const char *const *kinds,
                    const char *example, const yi_node **val)
{
    if (item->kind != PN_YAML_MAPPING || item->n != 2 || item->kids[0]->kind != PN_YAML_SCALAR) {
        pn_str what = PN_STR_INIT;
        pn_str_appendf(&what, "one 'kind: target' pair like {%s}", example);
        expected(c, item, field, pn_str_cstr(&what));
        pn_str_free(&what);
        return -1;
    }
    const yi_node *k = item->kids[0];
    for (int i = 0; kinds[i]; i++)
        if (!strcmp(k->val, kinds[i]) && strlen(kinds[i]) == k->len) {
            *val = item->kids[1];
            return i;
        }
    pn_str msg = PN_STR_INIT;
    pn_yaml_append_quoted(&msg, k->val, k->len);
    pn_str_append(&msg, " (known:");
    for (size_t j = 0; kinds[j]; j++)
        pn_str_appendf(&msg, "%s %s", j ? "," : "", kinds[j]);
    pn_str_append(&msg, ")");
    yi_problem(c, k, "%s: unknown kind %s", field, pn_str_cstr(&msg));
    pn_str_free(&msg);
    return -1;
}

/* The required name of an entity (key), or NULL after reporting. */
static const yi_node *required(yi_ctx *c, const yi_node *map, const char *key, const char *field,
                               const char *what)
{
    const yi_node *n = pn_yaml_lookup(map, key);
    if (!n)
        yi_problem(c, map, "%s: is missing: %s is required", field, what);
    return n;
}

/* ---- entities ------------------------------------------------------------ */

static void parse_domain(yi_ctx *c, const yi_node *m, yi_domain *d)
{
    static const char *const keys[] = {"name", "delivery", "relay_host", "relay_port", "bcc",
                                       "catch_all", NULL};
    pn_err e = PN_ERR_INIT;
    const yi_node *n;
    const char *s;
    d->at = m;
    check_keys(c, m, "domains", keys);
    if ((n = required(c, m, "name", "domains.name", "a domain name")) &&
        (s = text_of(c, n, "domains.name"))) {
        if (!*s)
            yi_problem(c, n, "domains.name: is empty: a domain name is required");
        else if (!pn_valid_domain("domains.name", s, &e))
            yi_problem_err(c, n, &e);
        else {
            d->v.name = lower_dup(s);
            d->name_at = n;
        }
    }
    if ((n = optional(m, "delivery")) && (s = text_of(c, n, "domains.delivery"))) {
        if (!strcmp(s, "relay"))
            d->v.relay = true;
        else if (strcmp(s, "local"))
            expected(c, n, "domains.delivery", "local or relay");
    }
    bool host_given = false;
    if ((n = optional(m, "relay_host")) && (s = text_of(c, n, "domains.relay_host"))) {
        host_given = true;
        if (!d->v.relay)
            yi_problem(c, n, "domains.relay_host: only a relay domain has a relay host"
                             " (delivery is local)");
        else if (!*s)
            yi_problem(c, n, "domains.relay_host: is empty: a relay domain needs the host to"
                             " relay to");
        else if (!pn_valid_ip("domains.relay_host", s, NULL) &&
                 !pn_valid_hostname("domains.relay_host", s, &e))   /* as the store */
            yi_problem_err(c, n, &e);
        else
            d->v.relay_host = pn_strdup(s);
    }
    if (d->v.relay && !host_given)
        yi_problem(c, m, "domains.relay_host: is missing: a relay domain needs the host to"
                         " relay to");
    if ((n = optional(m, "relay_port")) && (s = text_of(c, n, "domains.relay_port"))) {
        if (!d->v.relay)
            yi_problem(c, n, "domains.relay_port: only a relay domain has a relay port");
        else if (!pn_valid_port("domains.relay_port", s, &d->v.relay_port, &e))
            yi_problem_err(c, n, &e);
    }
    if ((n = optional(m, "bcc")) && (s = external_of(c, n, "domains.bcc")))
        d->v.bcc = pn_strdup(s);
    if ((n = optional(m, "catch_all"))) {
        if (d->v.relay)
            yi_problem(c, n, "domains.catch_all: a relay domain cannot have a catch-all"
                             " mailbox");
        else if ((d->v.catchall = address_of(c, n, "domains.catch_all", false)))
            d->catchall_at = n;
    }
}

/* "default" (-1) or what parse gives. */
static bool default_or(const char *s, int64_t *out)
{
    if (strcmp(s, "default"))
        return false;
    *out = -1;
    return true;
}

static void parse_forwards(yi_ctx *c, const yi_node *m, pn_mailbox *v)
{
    const yi_node *list = list_of(c, m, "forwards", "mailboxes.forwards");
    if (!list)
        return;
    v->forwards = pn_calloc(list->n ? list->n : 1, sizeof(char *));
    for (size_t i = 0; i < list->n; i++) {
        const char *s = external_of(c, list->kids[i], "mailboxes.forwards");
        if (!s)
            continue;
        char *low = lower_dup(s);
        bool dup = false;
        for (size_t j = 0; j < v->nforwards && !dup; j++)
            dup = !strcmp(v->forwards[j], low);
        if (dup)
            free(low);
        else
            v->forwards[v->nforwards++] = low;
    }
}

static void parse_mailbox(yi_ctx *c, const yi_node *m, yi_mailbox *mb)
{
    static const char *const keys[] = {"address", "name", "password_hash", "imap", "pop3",
                                       "smtp", "quota", "spam_retention_days", "forwards",
                                       "forward_keep_copy", NULL};
    pn_err e = PN_ERR_INIT;
    pn_mailbox *v = &mb->v;
    const yi_node *n;
    const char *s;
    mb->at = m;
    v->imap = v->pop3 = v->smtp = v->forward_keep_copy = true;
    v->quota_bytes = -1;
    v->spam_retention_days = -1;
    v->display_name = pn_strdup("");
    check_keys(c, m, "mailboxes", keys);
    if ((n = required(c, m, "address", "mailboxes.address", "an address local@domain")) &&
        (v->address = address_of(c, n, "mailboxes.address", false)))
        mb->name_at = n;
    if ((n = optional(m, "name")) && (s = text_of(c, n, "mailboxes.name"))) {
        if (!pn_valid_text("mailboxes.name", s, PN_STORE_DISPLAY_NAME_MAX, &e))
            yi_problem_err(c, n, &e);
        else if (strchr(s, ':'))
            yi_problem(c, n, "mailboxes.name: contains ':': not allowed (it splits passwd-file"
                             " fields)");
        else {
            free(v->display_name);
            v->display_name = pn_strdup(s);
        }
    }
    if ((n = optional(m, "password_hash")) && (s = text_of(c, n, "mailboxes.password_hash")) &&
        valid_hash(c, n, s)) {
        v->password_hash = pn_strdup(s);
        mb->has_hash = true;
    }
    get_bool(c, m, "imap", "mailboxes.imap", &v->imap);
    get_bool(c, m, "pop3", "mailboxes.pop3", &v->pop3);
    get_bool(c, m, "smtp", "mailboxes.smtp", &v->smtp);
    get_bool(c, m, "forward_keep_copy", "mailboxes.forward_keep_copy", &v->forward_keep_copy);
    if ((n = optional(m, "quota")) && (s = text_of(c, n, "mailboxes.quota")) &&
        !default_or(s, &v->quota_bytes) && !pn_parse_size("mailboxes.quota", s, &v->quota_bytes, &e))
        yi_problem_err(c, n, &e);
    if ((n = optional(m, "spam_retention_days")) &&
        (s = text_of(c, n, "mailboxes.spam_retention_days"))) {
        int64_t days;
        char *end = NULL;
        if (default_or(s, &days)) {
            v->spam_retention_days = -1;
        } else {
            long val = s[0] >= '0' && s[0] <= '9' ? strtol(s, &end, 10) : -1;
            if (val < 0 || val > SPAM_DAYS_MAX || !end || *end)
                expected(c, n, "mailboxes.spam_retention_days", "a number of days or default");
            else
                v->spam_retention_days = (int)val;
        }
    }
    parse_forwards(c, m, v);
}

static void parse_group(yi_ctx *c, const yi_node *m, yi_group *g)
{
    static const char *const keys[] = {"address", "enabled", "members", NULL};
    const yi_node *n;
    g->at = m;
    g->v.enabled = true;
    check_keys(c, m, "groups", keys);
    if ((n = required(c, m, "address", "groups.address", "an address local@domain")) &&
        (g->v.address = address_of(c, n, "groups.address", false)))
        g->name_at = n;
    get_bool(c, m, "enabled", "groups.enabled", &g->v.enabled);
    const yi_node *list = list_of(c, m, "members", "groups.members");
    if (!list)
        return;
    g->v.members = pn_calloc(list->n ? list->n : 1, sizeof(char *));
    g->member_at = pn_calloc(list->n ? list->n : 1, sizeof(*g->member_at));
    for (size_t i = 0; i < list->n; i++) {
        char *a = address_of(c, list->kids[i], "groups.members", false);
        bool dup = false;
        for (size_t j = 0; a && j < g->v.nmembers && !dup; j++)
            dup = !strcmp(g->v.members[j], a);
        if (!a || dup) {
            free(a);
            continue;
        }
        g->member_at[g->v.nmembers] = list->kids[i];
        g->v.members[g->v.nmembers++] = a;
    }
}

static void parse_public(yi_ctx *c, const yi_node *m, yi_public *p)
{
    static const char *const keys[] = {"name", "owners", NULL};
    static const char *const kinds[] = {"user", "group", NULL};
    pn_err e = PN_ERR_INIT;
    const yi_node *n;
    const char *s;
    p->at = m;
    check_keys(c, m, "public", keys);
    if ((n = required(c, m, "name", "public.name", "a public mailbox name")) &&
        (s = text_of(c, n, "public.name"))) {
        if (!*s)
            yi_problem(c, n, "public.name: is empty: a public mailbox name is required");
        else if (!pn_valid_localpart("public.name", s, &e))
            yi_problem_err(c, n, &e);
        else {
            p->v.name = pn_strdup(s);
            p->name_at = n;
        }
    }
    const yi_node *list = list_of(c, m, "owners", "public.owners");
    if (!list)
        return;
    p->v.owners = pn_calloc(list->n ? list->n : 1, sizeof(*p->v.owners));
    p->owner_at = pn_calloc(list->n ? list->n : 1, sizeof(*p->owner_at));
    for (size_t i = 0; i < list->n; i++) {
        const yi_node *val = NULL;
        int kind = one_pair(c, list->kids[i], "public.owners", kinds, "user: alice@example.com",
                            &val);
        char *a = kind < 0 ? NULL : address_of(c, val, "public.owners", false);
        bool dup = false;
        for (size_t j = 0; a && j < p->v.nowners && !dup; j++)
            dup = p->v.owners[j].is_group == (kind == 1) && !strcmp(p->v.owners[j].target, a);
        if (!a || dup) {
            free(a);
            continue;
        }
        p->owner_at[p->v.nowners] = val;
        p->v.owners[p->v.nowners].is_group = kind == 1;
        p->v.owners[p->v.nowners++].target = a;
    }
}

static void parse_address(yi_ctx *c, const yi_node *m, yi_address *a)
{
    static const char *const keys[] = {"address", "internal", "destinations", NULL};
    static const char *const kinds[] = {"user", "group", "public", "external", NULL};
    static const pn_dest_kind kind_of[] = {PN_DEST_USER, PN_DEST_GROUP, PN_DEST_PUBLIC,
                                           PN_DEST_EXTERNAL};
    pn_err e = PN_ERR_INIT;
    const yi_node *n;
    a->at = m;
    check_keys(c, m, "addresses", keys);
    if ((n = required(c, m, "address", "addresses.address", "an address local@domain or"
                                                             " local@*")) &&
        (a->v.address = address_of(c, n, "addresses.address", true)))
        a->name_at = n;
    get_bool(c, m, "internal", "addresses.internal", &a->v.internal);
    const yi_node *raw = pn_yaml_lookup(m, "destinations");
    const yi_node *list = list_of(c, m, "destinations", "addresses.destinations");
    if (!list && (!raw || pn_yaml_is_null(raw)))
        yi_problem(c, raw ? raw : m, "addresses.destinations: is missing: an address needs at"
                                     " least one destination");
    else if (list && !list->n)
        yi_problem(c, list, "addresses.destinations: is empty: an address needs at least one"
                            " destination");
    if (!list || !list->n)
        return;
    a->v.dests = pn_calloc(list->n, sizeof(*a->v.dests));
    a->dest_at = pn_calloc(list->n, sizeof(*a->dest_at));
    for (size_t i = 0; i < list->n; i++) {
        const yi_node *val = NULL;
        int kind = one_pair(c, list->kids[i], "addresses.destinations", kinds,
                            "user: alice@example.com", &val);
        char *target = NULL;
        const char *s;
        if (kind == 0 || kind == 1) {
            target = address_of(c, val, "addresses.destinations", false);
        } else if (kind == 2 && (s = text_of(c, val, "addresses.destinations"))) {
            if (!*s)
                yi_problem(c, val, "addresses.destinations: is empty: a public mailbox name is"
                                   " required");
            else if (!pn_valid_localpart("addresses.destinations", s, &e))
                yi_problem_err(c, val, &e);
            else
                target = pn_strdup(s);
        } else if (kind == 3 && (s = external_of(c, val, "addresses.destinations"))) {
            target = lower_dup(s);
        }
        if (!target)
            continue;
        a->dest_at[a->v.ndests] = val;
        a->v.dests[a->v.ndests].kind = kind_of[kind];
        a->v.dests[a->v.ndests++].target = target;
    }
}

/* ---- sections ------------------------------------------------------------ */

static void parse_settings(yi_ctx *c, const yi_node *root, yi_file *f)
{
    const yi_node *map = optional(root, "settings");
    if (!map)
        return;
    if (map->kind != PN_YAML_MAPPING) {
        expected(c, map, "settings", "a mapping");
        return;
    }
    size_t ndefs;
    const pn_setting_def *defs = pn_store_setting_defs(&ndefs);
    const char **known = pn_calloc(ndefs + 1, sizeof(char *));
    for (size_t i = 0; i < ndefs; i++)
        known[i] = defs[i].key;
    check_keys(c, map, "settings", known);
    f->settings = pn_calloc(map->n / 2 + 1, sizeof(*f->settings));
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const yi_node *k = map->kids[i], *v = map->kids[i + 1];
        const char *key = NULL;
        for (size_t j = 0; j < ndefs && !key; j++)
            if (k->kind == PN_YAML_SCALAR && !strcmp(k->val, known[j]) &&
                strlen(known[j]) == k->len)
                key = known[j];
        if (!key)
            continue;                       /* reported by check_keys */
        yi_setting *s = &f->settings[f->nsettings++];
        s->key = key;
        s->at = v;
        const char *text;
        pn_err e = PN_ERR_INIT;
        if (pn_yaml_is_null(v) || !(text = text_of(c, v, key)))
            continue;
        if (!st_setting_normalize(key, text, &s->value, &e))
            yi_problem_err(c, v, &e);
    }
    free(known);
}

/* Each mapping of the list `key` into a new array of size-byte items. */
typedef void (*parse_fn)(yi_ctx *c, const yi_node *m, void *item);

static void parse_list(yi_ctx *c, const yi_node *root, const char *key, size_t size,
                       parse_fn parse, void **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    const yi_node *list = optional(root, key);
    if (!list)
        return;
    if (list->kind != PN_YAML_SEQUENCE) {
        expected(c, list, key, "a list");
        return;
    }
    char *arr = pn_calloc(list->n ? list->n : 1, size);
    for (size_t i = 0; i < list->n; i++) {
        const yi_node *m = list->kids[i];
        if (m->kind != PN_YAML_MAPPING) {
            expected(c, m, key, "a mapping (one entry of the list)");
            continue;
        }
        parse(c, m, arr + *n * size);
        (*n)++;
    }
    *items = arr;
}

static void parse_domain_fn(yi_ctx *c, const yi_node *m, void *item) { parse_domain(c, m, item); }
static void parse_mailbox_fn(yi_ctx *c, const yi_node *m, void *item) { parse_mailbox(c, m, item); }
static void parse_group_fn(yi_ctx *c, const yi_node *m, void *item) { parse_group(c, m, item); }
static void parse_public_fn(yi_ctx *c, const yi_node *m, void *item) { parse_public(c, m, item); }
static void parse_address_fn(yi_ctx *c, const yi_node *m, void *item) { parse_address(c, m, item); }

static void parse_format(yi_ctx *c, const yi_node *root)
{
    const yi_node *n = pn_yaml_lookup(root, "postern_state");
    if (!n) {
        yi_problem(c, root, "postern_state: is missing: not a postern state file (it starts"
                            " with 'postern_state: %d')", PN_STORE_YAML_FORMAT);
        return;
    }
    char want[16];
    snprintf(want, sizeof(want), "%d", PN_STORE_YAML_FORMAT);
    if (n->kind != PN_YAML_SCALAR || strcmp(n->val, want)) {
        pn_str d = PN_STR_INIT;
        describe(n, &d);
        yi_problem(c, n, "postern_state: format %s is not supported (this postern reads format"
                         " %d)", pn_str_cstr(&d), PN_STORE_YAML_FORMAT);
        pn_str_free(&d);
    }
}

bool yi_parse(yi_ctx *c, const char *text, size_t len, yi_file *f)
{
    static const char *const keys[] = {"postern_state", "settings", "domains", "mailboxes",
                                       "groups", "public", "addresses", NULL};
    memset(f, 0, sizeof(*f));
    pn_err e = PN_ERR_INIT;
    if (!pn_yaml_parse(&state_yaml, c->name, text, len, &f->root, &e)) {
        yi_problem_raw(c, pn_err_msg(&e));
        pn_err_clear(&e);
        return false;
    }
    const yi_node *root = f->root;
    if (!root) {
        yi_node top = {.line = 1, .col = 1};
        yi_problem(c, &top, "postern_state: is missing: the file is empty (a postern state"
                            " file starts with 'postern_state: %d')", PN_STORE_YAML_FORMAT);
        return true;
    }
    if (root->kind != PN_YAML_MAPPING) {
        expected(c, root, "postern_state", "a mapping (a postern state file)");
        return true;
    }
    check_keys(c, root, "top level", keys);
    parse_format(c, root);
    parse_settings(c, root, f);
    void *items;
    parse_list(c, root, "domains", sizeof(yi_domain), parse_domain_fn, &items, &f->ndomains);
    f->domains = items;
    parse_list(c, root, "mailboxes", sizeof(yi_mailbox), parse_mailbox_fn, &items,
               &f->nmailboxes);
    f->mailboxes = items;
    parse_list(c, root, "groups", sizeof(yi_group), parse_group_fn, &items, &f->ngroups);
    f->groups = items;
    parse_list(c, root, "public", sizeof(yi_public), parse_public_fn, &items, &f->npublics);
    f->publics = items;
    parse_list(c, root, "addresses", sizeof(yi_address), parse_address_fn, &items,
               &f->naddresses);
    f->addresses = items;
    return true;
}

void yi_file_free(yi_file *f)
{
    for (size_t i = 0; i < f->nsettings; i++)
        free(f->settings[i].value);
    free(f->settings);
    for (size_t i = 0; i < f->ndomains; i++)
        pn_domain_clear(&f->domains[i].v);
    free(f->domains);
    for (size_t i = 0; i < f->nmailboxes; i++) {
        if (f->mailboxes[i].v.password_hash)
            explicit_bzero(f->mailboxes[i].v.password_hash,
                           strlen(f->mailboxes[i].v.password_hash));
        pn_mailbox_clear(&f->mailboxes[i].v);
    }
    free(f->mailboxes);
    for (size_t i = 0; i < f->ngroups; i++) {
        pn_group_clear(&f->groups[i].v);
        free(f->groups[i].member_at);
    }
    free(f->groups);
    for (size_t i = 0; i < f->npublics; i++) {
        pn_public_clear(&f->publics[i].v);
        free(f->publics[i].owner_at);
    }
    free(f->publics);
    for (size_t i = 0; i < f->naddresses; i++) {
        pn_address_clear(&f->addresses[i].v);
        free(f->addresses[i].dest_at);
    }
    free(f->addresses);
    pn_yaml_free(f->root);
    memset(f, 0, sizeof(*f));
}
