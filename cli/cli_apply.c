/* cli_apply.c - `postern apply`, `postern revert` and `postern history`:
 * put the state store into effect (apply.h), go back to an earlier
 * generation, and list the generations with their journal entries. */
#include "apply.h"
#include "cli_store.h"
#include "util/mem.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *kind_name(pn_change_kind k)
{
    return k == PN_CHANGE_ADD ? "new" : k == PN_CHANGE_REMOVE ? "removed" : "changed";
}

static void json_plan(pn_json *j, const pn_apply_plan *p)
{
    pn_json_kint(j, "generation", p->generation);
    pn_json_kint(j, "live_generation", p->live_generation);
    pn_json_kint(j, "pending", (int64_t)p->pending);
    pn_json_kbool(j, "reload_postfix", p->reload_postfix);
    pn_json_kbool(j, "reload_dovecot", p->reload_dovecot);
    pn_json_key(j, "changes");
    pn_json_arr_begin(j);
    for (size_t i = 0; i < p->nchanges; i++) {
        const pn_apply_change *c = &p->changes[i];
        pn_json_obj_begin(j);
        pn_json_kstr(j, "service", c->service);
        pn_json_kstr(j, "name", c->name);
        pn_json_kstr(j, "kind", kind_name(c->kind));
        pn_json_kint(j, "added", (int64_t)c->added);
        pn_json_kint(j, "removed", (int64_t)c->removed);
        pn_json_kstr(j, "diff", c->diff);
        pn_json_obj_end(j);
    }
    pn_json_arr_end(j);
}

static void text_plan(pn_str *s, const pn_apply_plan *p, bool show_diff)
{
    if (show_diff && p->diff)
        pn_str_append(s, p->diff);
    if (!p->nchanges) {
        pn_str_appendf(s, "no changes: the running configuration matches the store"
                          " (generation %lld)\n", (long long)p->live_generation);
        return;
    }
    pn_str_appendf(s, "%zu change%s for generation %lld (live: %lld), %zu journal entr%s"
                      " pending:\n", p->nchanges, p->nchanges == 1 ? "" : "s",
                   (long long)p->generation, (long long)p->live_generation, p->pending,
                   p->pending == 1 ? "y" : "ies");
    for (size_t i = 0; i < p->nchanges; i++) {
        const pn_apply_change *c = &p->changes[i];
        pn_str_appendf(s, "  %-8s %-34s %-8s +%zu -%zu\n", c->service, c->name,
                       kind_name(c->kind), c->added, c->removed);
    }
    pn_str_appendf(s, "reloads: %s\n",
                   p->reload_postfix && p->reload_dovecot ? "postfix, dovecot"
                   : p->reload_postfix                    ? "postfix"
                   : p->reload_dovecot                    ? "dovecot"
                                                          : "none");
}

static bool progress(void *arg, const char *step)
{
    if (*(bool *)arg)
        fprintf(stderr, "apply: %s\n", step);
    return true;
}

static int report(pn_cli *cli, const char *what, bool ok, pn_apply_result *res, pn_err *err,
                  bool dry)
{
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_json j;
        pn_json_init(&j, &s, false);
        pn_json_obj_begin(&j);
        pn_json_kbool(&j, "ok", ok);
        pn_json_kbool(&j, "dry_run", dry);
        pn_json_kbool(&j, "changed", res->changed);
        pn_json_kint(&j, "generation", res->generation);
        pn_json_kbool(&j, "rolled_back", res->rolled_back);
        if (!ok)
            pn_json_kstr(&j, "error", pn_err_msg(err));
        pn_json_key(&j, "plan");
        pn_json_obj_begin(&j);
        json_plan(&j, &res->plan);
        pn_json_obj_end(&j);
        pn_json_kstr(&j, "log", res->log);
        pn_json_obj_end(&j);
        pn_str_appendc(&s, '\n');
        pn_cli_flush(&s);
        return ok ? PN_EXIT_OK : PN_EXIT_FAIL;
    }
    text_plan(&s, &res->plan, true);
    if (ok && !dry && res->changed)
        pn_str_appendf(&s, "generation %lld is live\n", (long long)res->generation);
    else if (ok && dry && res->plan.nchanges)
        pn_str_append(&s, "dry run: nothing was changed\n");
    pn_cli_flush(&s);
    if (!ok) {
        if (res->log && res->log[0])
            fprintf(stderr, "%s", res->log);
        return pn_cli_fail(what, err);
    }
    return PN_EXIT_OK;
}

static bool apply_check(pn_cli *cli, const pn_cli_opts *o, void *arg, int *rc)
{
    (void)cli; (void)arg;
    const char *note = pn_cli_opt(o, "--note");
    pn_err err = PN_ERR_INIT;
    if (note && !pn_valid_text("--note", note, 200, &err)) {
        *rc = pn_cli_store_fail("apply", &err);
        return false;
    }
    return true;
}

/* What apply and revert run: both put a generation into effect. */
typedef struct apply_job {
    bool revert;
    int64_t gen;              /* revert: the generation (0: the one before the live one) */
} apply_job;

static int apply_run(pn_cli *cli, pn_store *st, const pn_cli_opts *o, void *arg)
{
    const apply_job *job = arg;
    bool verbose = !pn_cli_opt_has(o, "--quiet") && !cli->json && isatty(STDERR_FILENO);
    pn_apply_opts ao = {.dry_run = pn_cli_opt_has(o, "--dry-run"), .progress = progress,
                        .arg = &verbose, .note = pn_cli_opt(o, "--note")};
    pn_apply_result res;
    pn_err err = PN_ERR_INIT;
    bool ok = job->revert ? pn_apply_revert(cli->ctx, st, job->gen, &ao, &res, &err)
                          : pn_apply_run(cli->ctx, st, &ao, &res, &err);
    int rc = report(cli, job->revert ? "revert" : "apply", ok, &res, &err, ao.dry_run);
    pn_apply_result_clear(&res);
    pn_err_clear(&err);
    return rc;
}

static int cmd_apply(pn_cli *cli, int argc, char **argv)
{
    static const pn_cli_store_cmd cmd = {"apply", 1, " --dry-run --quiet ", " --note ", 0,
                                         "no arguments", apply_check, apply_run};
    apply_job job = {false, 0};
    return pn_cli_store_run(cli, argc, argv, &cmd, &job);
}

/* [GENERATION] (0: the one before the live one), then the confirmation. */
static bool revert_check(pn_cli *cli, const pn_cli_opts *o, void *arg, int *rc)
{
    (void)cli;
    int64_t *gen = &((apply_job *)arg)->gen;
    if (o->words.n > 1 || (o->words.n == 1 && (*gen = strtoll(o->words.v[0], NULL, 10)) <= 0)) {
        *rc = pn_cli_usage("revert", "expected at most one generation number");
        return false;
    }
    char *what = *gen ? pn_sprintf("restore the state of generation %lld and apply it",
                                   (long long)*gen)
                      : pn_strdup("restore the state of the generation before the live one"
                                  " and apply it");
    bool confirmed = pn_cli_store_confirm("revert", o, what,
                                          "every change made since then is undone (it stays"
                                          " in the journal)", rc);
    free(what);
    return confirmed;
}

static int cmd_revert(pn_cli *cli, int argc, char **argv)
{
    static const pn_cli_store_cmd cmd = {"revert", 1, " --yes --quiet ", " ", PN_CLI_ANY_WORDS,
                                         NULL, revert_check, apply_run};
    apply_job job = {true, 0};
    return pn_cli_store_run(cli, argc, argv, &cmd, &job);
}

typedef struct journal_ctx {
    pn_str *s;
    int64_t gen;
    size_t shown;
} journal_ctx;

static bool journal_line(const pn_journal_entry *e, void *arg)
{
    journal_ctx *c = arg;
    if (e->generation != c->gen)
        return true;
    pn_str_append(c->s, "    ");
    pn_cli_cell(c->s, e->actor, 10);
    pn_cli_cell(c->s, e->action, 8);
    pn_cli_cell(c->s, e->entity, 0);
    pn_str_appendc(c->s, '\n');
    return ++c->shown < 50;
}

static bool history_check(pn_cli *cli, const pn_cli_opts *o, void *arg, int *rc)
{
    (void)cli;
    long *limit = arg;
    const char *lim = pn_cli_opt(o, "--limit");
    *limit = lim ? strtol(lim, NULL, 10) : 20;
    if (o->words.n || *limit <= 0) {
        *rc = pn_cli_usage("history", "expected no arguments and --limit N (N > 0)");
        return false;
    }
    return true;
}

static int history_run(pn_cli *cli, pn_store *st, const pn_cli_opts *o, void *arg)
{
    int rc;
    pn_generation *list = NULL;
    size_t n = 0;
    pn_err err = PN_ERR_INIT;
    if (!pn_apply_history(st, (size_t)*(long *)arg, &list, &n, &err)) {
        rc = pn_cli_fail("history", &err);
    } else {
        pn_str s = PN_STR_INIT;
        if (cli->json) {
            pn_json j;
            pn_json_init(&j, &s, false);
            pn_json_arr_begin(&j);
            for (size_t i = 0; i < n; i++) {
                pn_json_obj_begin(&j);
                pn_json_kint(&j, "generation", list[i].id);
                pn_json_kint(&j, "at", list[i].at);
                pn_json_kstr(&j, "actor", list[i].actor);
                pn_json_kstr(&j, "status", list[i].status);
                pn_json_kstr(&j, "message", list[i].message);
                pn_json_kint(&j, "reverted_from", list[i].reverted_from);
                pn_json_kint(&j, "journal_entries", list[i].njournal);
                pn_json_kbool(&j, "kept", list[i].on_disk);
                pn_json_obj_end(&j);
            }
            pn_json_arr_end(&j);
            pn_str_appendc(&s, '\n');
        } else {
            pn_str_append(&s, "GEN   WHEN                 WHO        STATUS       CHANGES  NOTE\n");
            for (size_t i = 0; i < n; i++) {
                char when[32];
                time_t t = (time_t)list[i].at;
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
                pn_str_appendf(&s, "%-5lld %-20s ", (long long)list[i].id, when);
                pn_cli_cell(&s, list[i].actor, 10);
                pn_cli_cell(&s, list[i].status, 12);
                pn_str_appendf(&s, "%-8lld ", (long long)list[i].njournal);
                pn_str *note = &(pn_str)PN_STR_INIT;
                if (list[i].reverted_from)
                    pn_str_appendf(note, "revert to %lld; ", (long long)list[i].reverted_from);
                if (list[i].message)
                    pn_str_append(note, list[i].message);
                if (!list[i].on_disk)
                    pn_str_append(note, " (files no longer kept)");
                pn_cli_cell(&s, pn_str_cstr(note), 0);
                pn_str_free(note);
                pn_str_appendc(&s, '\n');
                if (pn_cli_opt_has(o, "--entries")) {
                    journal_ctx jc = {&s, list[i].id, 0};
                    pn_store_journal_each(st, 0, journal_line, &jc, NULL);
                }
            }
            int64_t pending = 0;
            if (pn_store_pending_count(st, &pending, NULL) && pending)
                pn_str_appendf(&s, "%lld change%s not applied yet (postern apply --dry-run shows"
                                  " them)\n", (long long)pending, pending == 1 ? "" : "s");
        }
        pn_cli_flush(&s);
        rc = PN_EXIT_OK;
    }
    pn_generation_list_free(list, n);
    pn_err_clear(&err);
    return rc;
}

static int cmd_history(pn_cli *cli, int argc, char **argv)
{
    static const pn_cli_store_cmd cmd = {"history", 1, " --entries ", " --limit ",
                                         PN_CLI_ANY_WORDS, NULL, history_check, history_run};
    long limit = 20;
    return pn_cli_store_run(cli, argc, argv, &cmd, &limit);
}

const pn_cli_noun pn_cli_noun_apply = {
    "apply", "put the state store into effect (diff, validate, swap, reload)",
    "usage: postern apply [--dry-run] [--note TEXT] [--quiet] [--json]\n"
    "\n"
    "Renders the domains, mailboxes, groups, public mailboxes and addresses of the\n"
    "state store into Postfix lookup tables (under <postfix config>/postern/) and\n"
    "Dovecot passwd-files and settings (under <dovecot config dir>/postern/), shows\n"
    "a unified diff of every file and main.cf parameter that changes, validates the\n"
    "new generation with postconf -n (warnings are errors), postfix check, postmap -q\n"
    "probes and doveconf -n, swaps it in atomically, reloads only the services whose\n"
    "files changed, and rolls back to the previous generation if a reload or a check\n"
    "after it fails. --dry-run shows the diff and changes nothing.\n"
    "Dovecot's configuration must include postern's settings with the line\n"
    "  !include_try <dovecot config dir>/postern/current/dovecot.conf\n"
    "main.cf parameters postern manages: virtual_mailbox_domains, virtual_mailbox_maps,\n"
    "virtual_alias_maps, recipient_bcc_maps, relay_domains, transport_maps (postern's\n"
    "table first, then the value the site had before) and smtpd_relay_restrictions\n"
    "(postern's own). Exit 1 when validation or the reload failed.\n",
    cmd_apply,
};

const pn_cli_noun pn_cli_noun_revert = {
    "revert", "restore the state of an earlier generation and apply it",
    "usage: postern revert [GENERATION] [--yes] [--json]\n"
    "\n"
    "Restores the domains, mailboxes, groups, public mailboxes, addresses and settings\n"
    "as they were when GENERATION went live (default: the one before the live one),\n"
    "journals it, and applies it as a new generation. Asks first on a terminal;\n"
    "--yes is required otherwise. 'postern history' lists the generations kept.\n",
    cmd_revert,
};

const pn_cli_noun pn_cli_noun_history = {
    "history", "list applied generations and their journal entries",
    "usage: postern history [--limit N] [--entries] [--json]\n"
    "\n"
    "Newest first: generation, time, who, status (live, ok, failed, rolled-back),\n"
    "how many journal entries went out with it. --entries lists them.\n",
    cmd_history,
};
