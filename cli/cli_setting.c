/* cli_setting.c - `postern setting ...`: the server-wide defaults of the
 * state store (default quota, default spam retention), listed, shown, set
 * and unset; like every store change they go out with `postern apply`. */
#include "cli_store.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define NOUN "setting"

static void json_setting(pn_json *j, const pn_setting_def *d, const char *value, int64_t rev)
{
    pn_json_obj_begin(j);
    pn_json_kstr(j, "key", d->key);
    pn_json_kstr(j, "value", value);
    pn_json_kint(j, "rev", rev);
    pn_json_kstr(j, "rule", d->rule);
    pn_json_kstr(j, "help", d->help);
    pn_json_obj_end(j);
}

static bool list_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    size_t n;
    const pn_setting_def *defs = pn_store_setting_defs(&n);
    const char *only = o->words.n ? o->words.v[0] : NULL;
    pn_str s = PN_STR_INIT;
    pn_json j;
    pn_json_init(&j, &s, false);
    if (cli->json && !only)
        pn_json_arr_begin(&j);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if (only && strcmp(only, defs[i].key))
            continue;
        found = true;
        char *v = NULL;
        int64_t rev = 0;
        if (!pn_store_setting_get(st, defs[i].key, &v, &rev, err)) {
            pn_str_free(&s);
            return false;
        }
        if (cli->json) {
            json_setting(&j, &defs[i], v, rev);
        } else {
            pn_cli_cell(&s, defs[i].key, 38);
            pn_cli_cell(&s, v ? v : "(unset)", 12);
            pn_cli_cell(&s, defs[i].help, 0);
            pn_str_appendc(&s, '\n');
        }
        free(v);
    }
    if (only && !found) {
        pn_str_free(&s);
        char *dummy = NULL;
        return pn_store_setting_get(st, only, &dummy, NULL, err);   /* names the known keys */
    }
    if (cli->json && !only)
        pn_json_arr_end(&j);
    if (cli->json)
        pn_str_appendc(&s, '\n');
    pn_cli_flush(&s);
    return true;
}

static int setting_list(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " list", " ", 0, "no arguments",
                                  list_read);
}

static int setting_show(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " show", " ", 1, "a setting key",
                                  list_read);
}

/* set KEY VALUE / unset KEY, each with an optional --rev N. */
typedef struct change_job {
    const char *noun;         /* "setting set" or "setting unset" */
    bool unset;
    int64_t rev;
} change_job;

static bool change_check(pn_cli *cli, const pn_cli_opts *o, void *arg, int *rc)
{
    (void)cli;
    change_job *job = arg;
    return pn_cli_opt_rev(job->noun, o, &job->rev, rc);
}

static int change_run(pn_cli *cli, pn_store *st, const pn_cli_opts *o, void *arg)
{
    const change_job *job = arg;
    pn_err err = PN_ERR_INIT;
    const char *key = o->words.v[0];
    if (!pn_store_setting_set(st, key, job->unset ? NULL : o->words.v[1], job->rev, &err))
        return pn_cli_store_fail(job->noun, &err);
    int64_t now = 0;
    char *v = NULL;
    pn_store_setting_get(st, key, &v, &now, NULL);
    free(v);
    return pn_cli_store_done(cli, NOUN, key, job->unset ? "unset" : "set", now);
}

static int setting_change(pn_cli *cli, int argc, char **argv, bool unset)
{
    change_job job = {unset ? NOUN " unset" : NOUN " set", unset, 0};
    const pn_cli_store_cmd cmd = {job.noun, 2, " ", " --rev ", unset ? 1 : 2,
                                  unset ? "a setting key" : "a key and a value", change_check,
                                  change_run};
    return pn_cli_store_run(cli, argc, argv, &cmd, &job);
}

static int setting_run(pn_cli *cli, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : "list";
    if (!strcmp(verb, "list"))
        return setting_list(cli, argc, argv);
    if (!strcmp(verb, "show"))
        return setting_show(cli, argc, argv);
    if (!strcmp(verb, "help") || !strcmp(verb, "--help"))
        return pn_cli_help(NOUN);
    if (!strcmp(verb, "set"))
        return setting_change(cli, argc, argv, false);
    if (!strcmp(verb, "unset"))
        return setting_change(cli, argc, argv, true);
    return pn_cli_usage(NOUN, "unknown verb '%s' (list, show, set, unset)", verb);
}

const pn_cli_noun pn_cli_noun_setting = {
    "setting", "server-wide defaults: default quota, default spam retention",
    "usage: postern setting list\n"
    "       postern setting show KEY\n"
    "       postern setting set KEY VALUE [--rev N]\n"
    "       postern setting unset KEY [--rev N]\n"
    "\n"
    "Keys:\n"
    "  mailbox.default_quota               a size like 500M or 2G; 0 = unlimited.\n"
    "                                      Unset: Dovecot's own configuration decides.\n"
    "  mailbox.default_spam_retention_days days spam stays in Junk; 0 = keep.\n"
    "Mailboxes with their own value keep it. Changes go out with 'postern apply'.\n"
    "--json: list prints an array, show one object {key, value, rev, rule, help}.\n",
    setting_run,
};
