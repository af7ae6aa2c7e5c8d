/* cli_doctor.c - `postern doctor` (checks as a table or --json) and
 * `postern status` (the short overview shown when postern runs with no
 * command). Both render the same backend report (backend/doctor.h). */
#include "apply.h"
#include "cli.h"
#include "db.h"
#include "doctor.h"
#include "store.h"
#include "pn_version.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TABLE_WIDTH 80

/* Append text wrapped at width, continuation lines indented by indent; no
 * line ends with a blank. */
static void append_wrapped(pn_str *out, const char *text, size_t first_col, size_t indent)
{
    size_t col = first_col;
    bool line_start = true;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t word = strcspn(p, " ");
        if (!word)
            break;
        if (!line_start && col + 1 + word > TABLE_WIDTH) {
            pn_str_appendc(out, '\n');
            for (size_t i = 0; i < indent; i++)
                pn_str_appendc(out, ' ');
            col = indent;
            line_start = true;
        }
        if (!line_start) {
            pn_str_appendc(out, ' ');
            col++;
        }
        pn_str_appendn(out, p, word);
        col += word;
        p += word;
        line_start = false;
    }
    pn_str_appendc(out, '\n');
}

static void json_report(pn_str *out, const pn_doctor_report *rep, const pn_ctx *ctx)
{
    pn_json j;
    pn_json_init(&j, out, true);
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "postern_version", PN_VERSION);
    pn_json_kstr(&j, "instance", rep->instance);
    pn_json_kstr(&j, "config", ctx->cfg->source);
    pn_json_kbool(&j, "read_only", ctx->read_only);
    pn_json_kbool(&j, "root", rep->is_root);
    pn_json_kstr(&j, "status", pn_check_status_name(pn_doctor_worst(rep)));

    pn_json_key(&j, "postfix");
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "config_dir", ctx->cfg->postfix_config_dir);
    pn_json_kstr(&j, "version", rep->postfix_version);
    pn_json_kbool(&j, "running", rep->postfix_running);
    pn_json_kstr(&j, "queue_directory", rep->queue_directory);
    pn_json_key(&j, "queues");
    if (rep->have_queues) {
        pn_json_obj_begin(&j);
        for (int i = 0; i < PN_POSTFIX_NQUEUES; i++) {
            pn_json_key(&j, pn_postfix_queue_name(i));
            if (rep->queues.count[i] < 0)
                pn_json_null(&j);
            else
                pn_json_int(&j, rep->queues.count[i]);
        }
        pn_json_obj_end(&j);
    } else {
        pn_json_null(&j);
    }
    pn_json_obj_end(&j);

    pn_json_key(&j, "dovecot");
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "config_file", ctx->cfg->dovecot_config_file);
    pn_json_kstr(&j, "version", rep->dovecot_version);
    pn_json_kbool(&j, "answers", rep->dovecot_answers);
    pn_json_obj_end(&j);

    pn_json_key(&j, "rspamd");
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "config_file", ctx->cfg->rspamd_config_file);
    pn_json_kstr(&j, "version", rep->rspamd_version);
    pn_json_kbool(&j, "answers", rep->rspamd_answers);
    pn_json_obj_end(&j);

    pn_json_key(&j, "log_files");
    pn_json_arr_begin(&j);
    for (size_t i = 0; i < rep->n_log_files; i++) {
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "path", rep->log_files[i].path);
        pn_json_kint(&j, "size", (int64_t)rep->log_files[i].size);
        pn_json_kbool(&j, "rotated", rep->log_files[i].rotated);
        pn_json_kbool(&j, "compressed", rep->log_files[i].compressed);
        pn_json_obj_end(&j);
    }
    pn_json_arr_end(&j);

    pn_json_key(&j, "checks");
    pn_json_arr_begin(&j);
    for (size_t i = 0; i < rep->n; i++) {
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "group", rep->checks[i].group);
        pn_json_kstr(&j, "check", rep->checks[i].name);
        pn_json_kstr(&j, "status", pn_check_status_name(rep->checks[i].status));
        pn_json_kstr(&j, "detail", rep->checks[i].detail);
        pn_json_obj_end(&j);
    }
    pn_json_arr_end(&j);
    pn_json_obj_end(&j);
    pn_str_appendc(out, '\n');
}

static void count_statuses(const pn_doctor_report *rep, int *warn, int *fail)
{
    *warn = *fail = 0;
    for (size_t i = 0; i < rep->n; i++) {
        *warn += rep->checks[i].status == PN_CHECK_WARN;
        *fail += rep->checks[i].status == PN_CHECK_FAIL;
    }
}

static void table_report(pn_str *out, const pn_doctor_report *rep)
{
    pn_str_appendf(out, "%-6s %-8s %-16s %s\n", "STATUS", "GROUP", "CHECK", "DETAIL");
    for (size_t i = 0; i < rep->n; i++) {
        const pn_check *c = &rep->checks[i];
        /* Upper case for failures so meaning never depends on colour. */
        const char *st = c->status == PN_CHECK_FAIL ? "FAIL" : pn_check_status_name(c->status);
        pn_str_appendf(out, "%-6s %-8s %-16s ", st, c->group, c->name);
        append_wrapped(out, c->detail, 33, 33);
    }
    int warn, fail;
    count_statuses(rep, &warn, &fail);
    pn_str_appendf(out, "\n%zu checks: %zu ok, %d warning%s, %d failure%s\n", rep->n,
                   rep->n - (size_t)warn - (size_t)fail, warn, warn == 1 ? "" : "s", fail,
                   fail == 1 ? "" : "s");
}

/* "Config    3 domains, 7 mailboxes, 5 addresses; generation 2 live; 1 change
 * not applied" when the state DB exists (the overview never creates it). */
static void config_line(pn_str *out, pn_ctx *ctx)
{
    struct stat sb;
    if (stat(ctx->cfg->state_db, &sb) != 0)
        return;
    pn_err err = PN_ERR_INIT;
    sqlite3 *db = pn_db_open(ctx->cfg->state_db, &err);
    if (!db) {
        pn_str_appendf(out, "%-9s unreadable: %s\n", "Config", pn_err_msg(&err));
        pn_err_clear(&err);
        return;
    }
    pn_store *st = pn_store_new(db, ctx, NULL);
    pn_store_state s;
    pn_generation *gens = NULL;
    size_t ngens = 0;
    int64_t pending = 0;
    if (pn_store_state_load(st, &s, &err)) {
        int64_t live = 0;
        if (pn_apply_history(st, 0, &gens, &ngens, NULL))
            for (size_t i = 0; i < ngens && !live; i++)
                if (!strcmp(gens[i].status, "live"))
                    live = gens[i].id;
        pn_store_pending_count(st, &pending, NULL);
        pn_str_appendf(out, "%-9s %zu domain%s, %zu mailbox%s, %zu address%s; ", "Config",
                       s.ndomains, s.ndomains == 1 ? "" : "s", s.nmailboxes,
                       s.nmailboxes == 1 ? "" : "es", s.naddresses,
                       s.naddresses == 1 ? "" : "es");
        if (live)
            pn_str_appendf(out, "generation %lld live", (long long)live);
        else
            pn_str_append(out, "never applied");
        if (pending)
            pn_str_appendf(out, "; %lld change%s not applied ('postern apply --dry-run')",
                           (long long)pending, pending == 1 ? "" : "s");
        pn_str_appendc(out, '\n');
        pn_store_state_free(&s);
    } else {
        pn_str_appendf(out, "%-9s unreadable: %s\n", "Config", pn_err_msg(&err));
    }
    pn_generation_list_free(gens, ngens);
    pn_err_clear(&err);
    pn_store_free(st);
    pn_db_close(db);
}

static int run_report(pn_cli *cli, bool overview, int argc, char **argv)
{
    const char *noun = argv[0];
    int rc;
    if (!pn_cli_no_more_args(noun, argc, argv, 1, &rc))
        return rc;
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx)
        return PN_EXIT_FAIL;
    pn_doctor_report rep;
    pn_doctor_run(ctx, &rep);
    pn_str out = PN_STR_INIT;
    if (cli->json) {
        json_report(&out, &rep, ctx);
    } else if (!overview) {
        table_report(&out, &rep);
    } else {
        pn_str_appendf(&out, "postern %s - instance %s (%s)%s\n\n", PN_VERSION, rep.instance,
                       ctx->cfg->source, ctx->read_only ? " [read-only]" : "");
        pn_str_appendf(&out, "%-9s %s %s, config %s\n", "Postfix",
                       rep.postfix_version ? rep.postfix_version : "?",
                       rep.postfix_running ? "running" : "NOT RUNNING", ctx->cfg->postfix_config_dir);
        if (rep.have_queues) {
            pn_str_appendf(&out, "%-9s", "Queue");
            for (int i = 0; i < PN_POSTFIX_NQUEUES; i++)
                pn_str_appendf(&out, " %s %ld", pn_postfix_queue_name(i), rep.queues.count[i]);
            pn_str_appendc(&out, '\n');
        } else {
            pn_str_appendf(&out, "%-9s unreadable\n", "Queue");
        }
        pn_str_appendf(&out, "%-9s %s %s\n", "Dovecot", rep.dovecot_version ? rep.dovecot_version : "?",
                       rep.dovecot_answers ? "answering" : "NOT ANSWERING");
        pn_str_appendf(&out, "%-9s %s %s\n", "Rspamd", rep.rspamd_version ? rep.rspamd_version : "?",
                       rep.rspamd_answers ? "answering" : "NOT ANSWERING");
        for (size_t i = 0; i < rep.n; i++)
            if (!strcmp(rep.checks[i].group, "logs"))
                pn_str_appendf(&out, "%-9s %s\n", "Log", rep.checks[i].detail);
        pn_str_appendf(&out, "%-9s %s\n", "State DB", ctx->cfg->state_db);
        config_line(&out, ctx);
        int warn, fail;
        count_statuses(&rep, &warn, &fail);
        pn_str_appendf(&out, "\n%d warning%s, %d failure%s: 'postern doctor' shows every check.\n", warn,
                       warn == 1 ? "" : "s", fail, fail == 1 ? "" : "s");
        pn_str_append(&out, "On a terminal 'postern' opens the console; without one it prints this overview.\n");
    }
    pn_cli_flush(&out);
    rc = pn_doctor_worst(&rep) == PN_CHECK_FAIL ? PN_EXIT_FAIL : PN_EXIT_OK;
    pn_doctor_report_free(&rep);
    return rc;
}

static int run_doctor(pn_cli *cli, int argc, char **argv)
{
    return run_report(cli, false, argc, argv);
}

static int run_status(pn_cli *cli, int argc, char **argv)
{
    int rc = run_report(cli, true, argc, argv);
    /* The overview informs; only doctor's verdict sets a failing exit code. */
    return rc == PN_EXIT_FAIL && cli->ctx ? PN_EXIT_OK : rc;
}

const pn_cli_noun pn_cli_noun_doctor = {
    "doctor",
    "check the configured instance and say what is wrong",
    "usage: postern doctor [--json]\n"
    "\n"
    "Checks the instance named by postern.yaml: Postfix version and config\n"
    "directory (postconf -c), whether it runs, the queue directory and the\n"
    "count of each queue, supported lookup table types (postconf -m), milters,\n"
    "Dovecot and Rspamd (installed, version, answering), the log sources with\n"
    "their rotated files and sizes, the state DB path, and whether postern runs\n"
    "as root (and what is unavailable if not). Each check is ok, warn or FAIL\n"
    "with its reason. Exits 1 when any check fails.\n",
    run_doctor,
};

const pn_cli_noun pn_cli_noun_status = {
    "status",
    "short overview of the instance (shown when postern runs with no command)",
    "usage: postern status [--json]\n"
    "\n"
    "One screen with Postfix (version, running), the queue counts, Dovecot,\n"
    "Rspamd, the log sources and the state DB. --json prints the same report\n"
    "as 'postern doctor --json'. Exits 0 even when something is down; use\n"
    "'postern doctor' for a verdict.\n",
    run_status,
};
