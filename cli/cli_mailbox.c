/* cli_mailbox.c - `postern mailbox ...`: user mailboxes in the state store
 * (display name, password, protocols, quota, spam retention, forwards), and
 * the quota usage the running Dovecot reports (show, usage: dovecot.h).
 * Passwords come from stdin or a 0600 file, never the command line, and are
 * never printed. */
#include "cli_store.h"
#include "dovecot.h"
#include "util/mem.h"
#include "util/text.h"
#include "validate.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NOUN "mailbox"

static void json_mailbox_fields(pn_json *j, const pn_mailbox *m)
{
    pn_json_kstr(j, "address", m->address);
    pn_json_kstr(j, "name", m->display_name);
    pn_json_kbool(j, "imap", m->imap);
    pn_json_kbool(j, "pop3", m->pop3);
    pn_json_kbool(j, "smtp", m->smtp);
    pn_json_kint(j, "quota_bytes", m->quota_bytes);
    pn_json_kint(j, "spam_retention_days", m->spam_retention_days);
    pn_json_key(j, "forwards");
    pn_json_arr_begin(j);
    for (size_t i = 0; i < m->nforwards; i++)
        pn_json_str(j, m->forwards[i]);
    pn_json_arr_end(j);
    pn_json_kbool(j, "keep_copy", m->forward_keep_copy);
    pn_cli_json_meta(j, m->rev, m->created, m->updated);
}

static void json_mailbox(pn_json *j, const void *item)
{
    pn_json_obj_begin(j);
    json_mailbox_fields(j, item);
    pn_json_obj_end(j);
}

/* Quota usage as Dovecot reports it (mailbox show, mailbox usage). */
static void json_usage_fields(pn_json *j, const pn_quota_usage *u)
{
    pn_json_kint(j, "storage_bytes", u->storage_used);
    pn_json_key(j, "storage_limit_bytes");
    if (u->storage_limit < 0)
        pn_json_null(j);
    else
        pn_json_int(j, u->storage_limit);
    pn_json_kint(j, "percent", u->storage_percent);
    pn_json_key(j, "messages");
    if (u->messages_used < 0)
        pn_json_null(j);
    else
        pn_json_int(j, u->messages_used);
    pn_json_key(j, "messages_limit");
    if (u->messages_limit < 0)
        pn_json_null(j);
    else
        pn_json_int(j, u->messages_limit);
}

/* "1.2M of 10M (12%)", or "1.2M (no limit)". */
static void usage_text(pn_str *s, const pn_quota_usage *u)
{
    pn_text_size(s, u->storage_used);
    if (u->storage_limit < 0) {
        pn_str_append(s, " (no limit)");
        return;
    }
    pn_str_append(s, " of ");
    pn_text_size(s, u->storage_limit);
    pn_str_appendf(s, " (%d%%)", u->storage_percent);
}

/* mailbox show --json: the mailbox plus "quota_used" (null with
 * "quota_used_error" when Dovecot did not answer). */
typedef struct show_item {
    const pn_mailbox *m;
    const pn_quota_usage *usage;   /* NULL: unavailable */
    const char *why;
} show_item;

static void json_show(pn_json *j, const void *item)
{
    const show_item *it = item;
    pn_json_obj_begin(j);
    json_mailbox_fields(j, it->m);
    pn_json_key(j, "quota_used");
    if (it->usage) {
        pn_json_obj_begin(j);
        json_usage_fields(j, it->usage);
        pn_json_obj_end(j);
    } else {
        pn_json_null(j);
        pn_json_kstr(j, "quota_used_error", it->why);
    }
    pn_json_obj_end(j);
}

static void quota_text(pn_str *s, int64_t q)
{
    if (q < 0)
        pn_str_append(s, "default");
    else
        pn_text_size(s, q);
}

static void protocols_text(pn_str *s, const pn_mailbox *m)
{
    pn_str_appendf(s, "%s%s%s", m->imap ? "imap " : "", m->pop3 ? "pop3 " : "",
                   m->smtp ? "smtp " : "");
    if (!s->len)
        pn_str_append(s, "none");
    else
        pn_str_rtrim(s);
}

static bool mailbox_list_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    pn_mailbox *list = NULL;
    size_t n = 0;
    if (!pn_store_mailbox_list(st, pn_cli_opt(o, "--domain"), &list, &n, err)) {
        pn_mailbox_list_free(list, n);
        return false;
    }
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_cli_json_entities(&s, list, sizeof(*list), n, false, json_mailbox);
    } else {
        pn_str_append(&s, "MAILBOX                        NAME                 PROTOCOLS      QUOTA    FORWARDS\n");
        for (size_t i = 0; i < n; i++) {
            pn_str p = PN_STR_INIT, q = PN_STR_INIT;
            protocols_text(&p, &list[i]);
            quota_text(&q, list[i].quota_bytes);
            pn_cli_cell(&s, list[i].address, 30);
            pn_cli_cell(&s, list[i].display_name && *list[i].display_name ? list[i].display_name : NULL, 20);
            pn_cli_cell(&s, pn_str_cstr(&p), 14);
            pn_cli_cell(&s, pn_str_cstr(&q), 8);
            pn_str_appendf(&s, "%zu\n", list[i].nforwards);
            pn_str_free(&p);
            pn_str_free(&q);
        }
    }
    pn_cli_flush(&s);
    pn_mailbox_list_free(list, n);
    return true;
}

static int mailbox_list(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " list", " --domain ", 0, "no arguments",
                                  mailbox_list_read);
}

static bool mailbox_show_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    pn_mailbox m = {0};
    if (!pn_store_mailbox_get(st, o->words.v[0], &m, err)) {
        pn_mailbox_clear(&m);
        return false;
    }
    pn_quota_usage usage = {0};
    pn_err uerr = PN_ERR_INIT;
    pn_ctx *ctx = pn_cli_ctx(cli);
    bool have_usage = ctx && pn_dovecot_quota_get(ctx, m.address, &usage, &uerr);
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        show_item it = {&m, have_usage ? &usage : NULL, pn_err_msg(&uerr)};
        pn_cli_json_entities(&s, &it, sizeof(it), 1, true, json_show);
    } else {
        pn_str p = PN_STR_INIT, q = PN_STR_INIT;
        protocols_text(&p, &m);
        quota_text(&q, m.quota_bytes);
        pn_str_append(&s, "mailbox:        "); pn_cli_cell(&s, m.address, 0); pn_str_appendc(&s, '\n');
        pn_str_append(&s, "name:           "); pn_cli_cell(&s, m.display_name, 0); pn_str_appendc(&s, '\n');
        pn_str_append(&s, "protocols:      "); pn_cli_cell(&s, pn_str_cstr(&p), 0); pn_str_appendc(&s, '\n');
        pn_str_append(&s, "quota:          "); pn_cli_cell(&s, pn_str_cstr(&q), 0); pn_str_appendc(&s, '\n');
        pn_str u = PN_STR_INIT;
        if (have_usage)
            usage_text(&u, &usage);
        else
            pn_str_appendf(&u, "unavailable (%s)", pn_err_msg(&uerr));
        pn_str_append(&s, "quota used:     "); pn_cli_cell(&s, pn_str_cstr(&u), 0); pn_str_appendc(&s, '\n');
        pn_str_free(&u);
        if (m.spam_retention_days < 0)
            pn_str_append(&s, "spam retention: default\n");
        else
            pn_str_appendf(&s, "spam retention: %d days\n", m.spam_retention_days);
        for (size_t i = 0; i < m.nforwards; i++) {
            pn_str_append(&s, "forward:        ");
            pn_cli_cell(&s, m.forwards[i], 0);
            pn_str_appendc(&s, '\n');
        }
        if (m.nforwards)
            pn_str_appendf(&s, "keep a copy:    %s\n", m.forward_keep_copy ? "yes" : "no");
        pn_str_appendf(&s, "revision:       %lld\n", (long long)m.rev);
        pn_str_free(&p);
        pn_str_free(&q);
    }
    pn_cli_flush(&s);
    pn_quota_usage_clear(&usage);
    pn_err_clear(&uerr);
    pn_mailbox_clear(&m);
    return true;
}

static int mailbox_show(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " show", " ", 1, "a mailbox address",
                                  mailbox_show_read);
}

/* "2G", "500M", "1048576", "default" (-1). Binary units. */
static bool parse_quota(const char *noun, const char *v, int64_t *out, int *rc)
{
    if (!strcmp(v, "default")) {
        *out = -1;
        return true;
    }
    pn_err err = PN_ERR_INIT;
    if (!pn_parse_size("--quota", v, out, &err)) {
        pn_err_clear(&err);
        *rc = pn_cli_usage(noun, "--quota: must be a size like 500M, 2G or 'default'");
        return false;
    }
    return true;
}

static bool parse_days(const char *noun, const char *v, int *out, int *rc)
{
    if (!strcmp(v, "default")) {
        *out = -1;
        return true;
    }
    long n = 0;
    bool digits = *v != '\0' && strlen(v) <= 5;
    for (const char *c = v; digits && *c; c++) {
        digits = *c >= '0' && *c <= '9';
        n = n * 10 + (*c - '0');
    }
    if (!digits || n > 36500) {
        *rc = pn_cli_usage(noun, "--spam-retention: must be a number of days (0-36500) or"
                                 " 'default'");
        return false;
    }
    *out = (int)n;
    return true;
}

static void set_forwards(pn_mailbox *m, const pn_argv *list)
{
    for (size_t i = 0; i < m->nforwards; i++)
        free(m->forwards[i]);
    free(m->forwards);
    m->forwards = list->n ? pn_calloc(list->n, sizeof(char *)) : NULL;
    m->nforwards = list->n;
    for (size_t i = 0; i < list->n; i++)
        m->forwards[i] = pn_strdup(list->v[i]);
}

static bool apply_opts(const char *noun, const pn_cli_opts *o, pn_mailbox *m, int *rc)
{
    const char *v;
    if ((v = pn_cli_opt(o, "--name"))) {
        free(m->display_name);
        m->display_name = pn_strdup(v);
    }
    if (pn_cli_opt_has(o, "--imap")) m->imap = true;
    if (pn_cli_opt_has(o, "--no-imap")) m->imap = false;
    if (pn_cli_opt_has(o, "--pop3")) m->pop3 = true;
    if (pn_cli_opt_has(o, "--no-pop3")) m->pop3 = false;
    if (pn_cli_opt_has(o, "--smtp")) m->smtp = true;
    if (pn_cli_opt_has(o, "--no-smtp")) m->smtp = false;
    if ((v = pn_cli_opt(o, "--quota")) && !parse_quota(noun, v, &m->quota_bytes, rc))
        return false;
    if ((v = pn_cli_opt(o, "--spam-retention")) && !parse_days(noun, v, &m->spam_retention_days, rc))
        return false;
    pn_argv fw = {0};
    pn_cli_opt_all(o, "--forward", &fw);
    if (fw.n && pn_cli_opt_has(o, "--no-forwards")) {
        pn_argv_free(&fw);
        *rc = pn_cli_usage(noun, "--forward and --no-forwards exclude each other");
        return false;
    }
    if (fw.n || pn_cli_opt_has(o, "--no-forwards"))
        set_forwards(m, &fw);
    pn_argv_free(&fw);
    if (pn_cli_opt_has(o, "--keep-copy")) m->forward_keep_copy = true;
    if (pn_cli_opt_has(o, "--no-keep-copy")) m->forward_keep_copy = false;
    return true;
}

static int mailbox_change(pn_cli *cli, int argc, char **argv, bool add)
{
    const char *noun = add ? NOUN " add" : NOUN " edit";
    pn_cli_opts o;
    int rc = PN_EXIT_OK;
    pn_cli_store cs = {0};
    pn_mailbox m = {0};
    pn_err err = PN_ERR_INIT;
    int64_t rev = 0;
    char *password = NULL;
    if (!pn_cli_opts_parse(noun,
                           add ? " --password-stdin --imap --no-imap --pop3 --no-pop3 --smtp --no-smtp --keep-copy "
                               : " --password-stdin --imap --no-imap --pop3 --no-pop3 --smtp --no-smtp --keep-copy"
                                 " --no-keep-copy --no-forwards ",
                           add ? " --name --password-file --quota --spam-retention --forward "
                               : " --name --password-file --quota --spam-retention --forward --rev ",
                           argc, argv, 2, &o, &rc) ||
        !pn_cli_opts_words(noun, &o, 1, "a mailbox address", &rc) ||
        !pn_cli_opt_rev(noun, &o, &rev, &rc))
        goto out;
    const char *address = o.words.v[0];
    if (add && !pn_cli_opt_has(&o, "--password-stdin") && !pn_cli_opt_has(&o, "--password-file")) {
        rc = pn_cli_usage(noun, "give the password with --password-stdin or --password-file FILE");
        goto out;
    }
    if (add) {
        m.address = pn_strdup(address);
        m.display_name = pn_strdup("");
        m.imap = m.smtp = true;
        m.quota_bytes = -1;
        m.spam_retention_days = -1;
    }
    if (!apply_opts(noun, &o, &m, &rc) || !pn_cli_read_password(noun, &o, &password, &rc))
        goto out;
    if (!pn_cli_store_open(cli, &cs)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    bool ok;
    if (add) {
        ok = pn_store_mailbox_add(cs.st, &m, password, NULL, &err);
    } else {
        pn_mailbox_clear(&m);
        ok = pn_store_mailbox_get(cs.st, address, &m, &err) && apply_opts(noun, &o, &m, &rc);
        if (ok && rev)
            m.rev = rev;
        /* a password the store would refuse must not leave the rest applied */
        char *probe = ok && password ? pn_store_hash_password(password, &err) : NULL;
        if (ok && password && !probe)
            ok = false;
        if (probe) {
            explicit_bzero(probe, strlen(probe));
            free(probe);
        }
        if (ok)
            ok = pn_store_mailbox_edit(cs.st, &m, &err);
        if (ok && password)
            ok = pn_store_mailbox_set_password(cs.st, address, 0, password, &err);
        if (!ok && rc != PN_EXIT_OK)
            goto out;
    }
    if (!ok) {
        rc = pn_cli_store_fail(noun, &err);
        goto out;
    }
    pn_mailbox_clear(&m);
    int64_t now_rev = pn_store_mailbox_get(cs.st, address, &m, &err) ? m.rev : 0;
    pn_err_clear(&err);
    rc = pn_cli_store_done(cli, NOUN, address, add ? "added" : "changed", now_rev);
out:
    pn_cli_password_free(password);
    pn_mailbox_clear(&m);
    pn_cli_store_close(&cs);
    pn_cli_opts_free(&o);
    return rc;
}

static int mailbox_add(pn_cli *cli, int argc, char **argv) { return mailbox_change(cli, argc, argv, true); }
static int mailbox_edit(pn_cli *cli, int argc, char **argv) { return mailbox_change(cli, argc, argv, false); }

static const pn_cli_store_deleter deleter = {
    NOUN, "a mailbox address",
    "Refused while groups, addresses, public mailboxes or "
    "catch-alls name it.",
    "It is also removed from groups, address destinations, "
    "public mailbox owners and catch-alls; its stored mail stays on disk.",
    pn_store_mailbox_delete};

static const pn_cli_store_deleter deleter_remove_mail = {
    NOUN, "a mailbox address",
    "Refused while groups, addresses, public mailboxes or catch-alls name it. "
    "Its stored mail is DELETED from disk as well (--remove-mail).",
    "It is also removed from groups, address destinations, public mailbox owners and "
    "catch-alls, and its stored mail is DELETED from disk (--remove-mail).",
    pn_store_mailbox_delete};

/* delete [--remove-mail]: the mail stays on disk unless asked; then the
 * home <mail_root>/<domain>/<local> goes once the mailbox is deleted. */
static int mailbox_delete(pn_cli *cli, int argc, char **argv)
{
    bool remove_mail = false;
    int kept = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--remove-mail"))
            remove_mail = true;
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    char *address = argc > 2 && argv[2][0] != '-' ? pn_strdup(argv[2]) : NULL;
    int rc = pn_cli_store_delete_verb(cli, argc, argv,
                                      remove_mail ? &deleter_remove_mail : &deleter);
    if (rc == PN_EXIT_OK && remove_mail && address) {
        /* the store validated the address: no '/' and no ".." can reach the path */
        pn_ctx *ctx = pn_cli_ctx(cli);
        const char *at = strrchr(address, '@');
        pn_err err = PN_ERR_INIT;
        if (ctx && at) {
            char *lower = pn_strdup(address);
            for (char *c = lower; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            char *home = pn_sprintf("%s/%s/%.*s", ctx->cfg->dovecot_mail_root,
                                    lower + (at - address) + 1, (int)(at - address), lower);
            if (pn_ctx_check_write(ctx, "remove mail", &err) && pn_remove(ctx->tr, home, &err))
                fprintf(stderr, "postern: mailbox delete: removed its mail (%s)\n", home);
            else
                rc = pn_cli_fail(NOUN " delete --remove-mail", &err);
            free(home);
            free(lower);
        }
        pn_err_clear(&err);
    }
    free(address);
    return rc;
}

/* expunge-spam [--folder NAME] [--dry-run]: the spam retention job. */
static int expunge_spam_run(pn_cli *cli, pn_store *st, const pn_cli_opts *o, void *arg)
{
    (void)arg;
    int rc;
    const char *folder = pn_cli_opt(o, "--folder");
    pn_str report = PN_STR_INIT;
    size_t failed = 0;
    pn_err err = PN_ERR_INIT;
    if (!pn_dovecot_expunge_spam(cli->ctx, st, folder ? folder : "Junk",
                                 pn_cli_opt_has(o, "--dry-run"), &report, &failed, &err)) {
        rc = pn_cli_fail(NOUN " expunge-spam", &err);
    } else {
        pn_str out = PN_STR_INIT;
        const char *p = pn_str_cstr(&report);
        while (*p) {   /* user<TAB>outcome<TAB>detail, printed sanitised */
            const char *nl = strchr(p, '\n');
            char *line = pn_strndup(p, nl ? (size_t)(nl - p) : strlen(p));
            char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
            if (t1 && t2) {
                *t1 = *t2 = '\0';
                pn_cli_cell(&out, line, 30);
                pn_cli_cell(&out, t1 + 1, 15);
                pn_cli_cell(&out, t2 + 1, 0);
                pn_str_appendc(&out, '\n');
            }
            free(line);
            p = nl ? nl + 1 : p + strlen(p);
        }
        pn_cli_flush(&out);
        rc = failed ? PN_EXIT_FAIL : PN_EXIT_OK;
    }
    pn_str_free(&report);
    pn_err_clear(&err);
    return rc;
}

static int mailbox_expunge_spam(pn_cli *cli, int argc, char **argv)
{
    static const pn_cli_store_cmd cmd = {NOUN " expunge-spam", 2, " --dry-run ", " --folder ", 0,
                                         "no arguments", NULL, expunge_spam_run};
    return pn_cli_store_run(cli, argc, argv, &cmd, NULL);
}

static const pn_cli_store_verbs verbs = {NOUN, mailbox_list, mailbox_show, mailbox_add,
                                         mailbox_edit, mailbox_delete};

static void json_usage(pn_json *j, const void *item)
{
    const pn_quota_usage *u = item;
    pn_json_obj_begin(j);
    pn_json_kstr(j, "user", u->user);
    pn_json_kstr(j, "quota_name", u->quota_name);
    json_usage_fields(j, u);
    pn_json_obj_end(j);
}

/* `postern mailbox usage`: what Dovecot counts for every user (quota get -A). */
static int mailbox_usage(pn_cli *cli, int argc, char **argv)
{
    pn_cli_opts o;
    int rc = PN_EXIT_OK;
    if (!pn_cli_opts_parse(NOUN " usage", " ", " ", argc, argv, 2, &o, &rc) ||
        !pn_cli_opts_words(NOUN " usage", &o, 0, "no arguments", &rc)) {
        pn_cli_opts_free(&o);
        return rc;
    }
    pn_cli_opts_free(&o);
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx)
        return PN_EXIT_FAIL;
    pn_quota_usage *list = NULL;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    if (!pn_dovecot_quota_all(ctx, &list, &n, &err))
        return pn_cli_store_fail(NOUN " usage", &err);
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_cli_json_entities(&s, list, sizeof(*list), n, false, json_usage);
    } else {
        pn_str_append(&s, "USER                           USED     LIMIT    USE%  MESSAGES\n");
        for (size_t i = 0; i < n; i++) {
            pn_str used = PN_STR_INIT, limit = PN_STR_INIT, pct = PN_STR_INIT;
            pn_text_size(&used, list[i].storage_used);
            if (list[i].storage_limit < 0) {
                pn_str_append(&limit, "none");
                pn_str_append(&pct, "-");
            } else {
                pn_text_size(&limit, list[i].storage_limit);
                pn_str_appendf(&pct, "%d%%", list[i].storage_percent);
            }
            pn_cli_cell(&s, list[i].user, 30);
            pn_cli_cell(&s, pn_str_cstr(&used), 8);
            pn_cli_cell(&s, pn_str_cstr(&limit), 8);
            pn_cli_cell(&s, pn_str_cstr(&pct), 5);
            if (list[i].messages_used < 0)
                pn_str_append(&s, "-\n");
            else
                pn_str_appendf(&s, "%lld\n", (long long)list[i].messages_used);
            pn_str_free(&used);
            pn_str_free(&limit);
            pn_str_free(&pct);
        }
    }
    pn_cli_flush(&s);
    pn_quota_usage_list_free(list, n);
    return PN_EXIT_OK;
}

static int mailbox_run(pn_cli *cli, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "usage"))
        return mailbox_usage(cli, argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "expunge-spam"))
        return mailbox_expunge_spam(cli, argc, argv);
    return pn_cli_store_dispatch(&verbs, cli, argc, argv);
}

const pn_cli_noun pn_cli_noun_mailbox = {
    .name = "mailbox",
    .summary = "list, show, add, edit and delete user mailboxes",
    .usage =
        "usage: postern mailbox list [--domain DOMAIN]\n"
        "       postern mailbox show ADDRESS\n"
        "       postern mailbox add ADDRESS (--password-stdin | --password-file FILE)\n"
        "                    [--name NAME] [--quota SIZE|default] [--spam-retention DAYS|default]\n"
        "                    [--no-imap] [--pop3] [--no-smtp]\n"
        "                    [--forward ADDR ... [--keep-copy]]\n"
        "       postern mailbox edit ADDRESS [--password-stdin | --password-file FILE]\n"
        "                    [--name NAME] [--quota SIZE|default] [--spam-retention DAYS|default]\n"
        "                    [--imap|--no-imap] [--pop3|--no-pop3] [--smtp|--no-smtp]\n"
        "                    [--forward ADDR ... | --no-forwards] [--keep-copy|--no-keep-copy]\n"
        "                    [--rev N]\n"
        "       postern mailbox delete ADDRESS [--cascade] [--remove-mail] [--yes] [--rev N]\n"
        "       postern mailbox usage\n"
        "       postern mailbox expunge-spam [--folder NAME] [--dry-run]\n"
        "\n"
        "User mailboxes. The password is read from stdin (one line) or from a file\n"
        "that only its owner can read (mode 0600); it is never taken from the command\n"
        "line, never printed and stored only as a crypt(3) hash. New mailboxes have\n"
        "IMAP and SMTP on, POP3 off, the default quota and spam retention.\n"
        "SIZE takes K, M, G or T (binary units). --forward (repeatable) sends a copy\n"
        "to external addresses; --keep-copy also keeps one in the mailbox. In edit,\n"
        "--forward replaces the whole list and only what is given changes; --rev N\n"
        "refuses the change unless the mailbox is still at revision N.\n"
        "delete is refused while groups, addresses, public mailboxes or catch-alls\n"
        "name the mailbox, unless --cascade removes those references. It asks on a\n"
        "terminal; otherwise give --yes. The stored mail stays on disk (a deleted\n"
        "domain keeps its mail too) unless --remove-mail deletes the mailbox's home\n"
        "(<dovecot.mail_root>/DOMAIN/LOCAL) as well.\n"
        "expunge-spam is the spam retention job for a daily timer: for every mailbox\n"
        "whose retention (its own, else 'postern setting' mailbox.default_spam_\n"
        "retention_days) is at least a day, it expunges what was saved in the spam\n"
        "folder (default Junk) longer ago (doveadm expunge ... savedbefore Nd).\n"
        "\n"
        "Changes are recorded in the state DB (with a journal entry) and go out to\n"
        "Postfix and Dovecot with 'postern apply'.\n"
        "\n"
        "show also asks the running Dovecot how much of the quota is used\n"
        "(doveadm quota get) and says 'unavailable' with the reason when it cannot.\n"
        "usage lists what Dovecot counts for every user it knows (doveadm quota\n"
        "get -A): storage used, its limit, the percentage and the message count.\n"
        "\n"
        "--json: list prints an array, show one object:\n"
        "  {\"address\", \"name\", \"imap\", \"pop3\", \"smtp\", \"quota_bytes\" (-1 = default),\n"
        "   \"spam_retention_days\" (-1 = default), \"forwards\": [...], \"keep_copy\",\n"
        "   \"rev\", \"created\", \"updated\"}; no password or hash is ever included.\n"
        "  show adds \"quota_used\": {\"storage_bytes\", \"storage_limit_bytes\" (null = no\n"
        "  limit), \"percent\", \"messages\", \"messages_limit\"}, or null with\n"
        "  \"quota_used_error\" when Dovecot did not answer.\n"
        "  usage prints an array of {\"user\", \"quota_name\", \"storage_bytes\",\n"
        "  \"storage_limit_bytes\", \"percent\", \"messages\", \"messages_limit\"}.\n"
        "  add/edit/delete print {\"ok\": true, \"entity\", \"name\", \"action\", \"rev\"}.\n",
    .run = mailbox_run,
};
