/* cli_export.c - `postern export [FILE]` and `postern import FILE|- ...`:
 * the whole configuration state as one YAML file (backend/store_yaml.h).
 * export writes it to stdout or atomically to FILE with mode 0600 (it holds
 * password hashes); import checks all of it, prints every problem with its
 * line and column, and writes nothing unless there is none. --replace
 * deletes what the file does not list, so it is confirmed like a delete. */
#include "cli_store.h"
#include "store_yaml.h"
#include "transport.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IMPORT_MAX ((size_t)64 << 20)

static const char usage[] =
    "usage: postern export [FILE]\n"
    "       postern import FILE|- [--replace] [--dry-run] [--yes]\n"
    "\n"
    "export writes the whole configuration state - settings, domains, mailboxes\n"
    "(with their password hashes, never passwords), groups, public mailboxes and\n"
    "addresses - as YAML to stdout, or to FILE, replaced atomically with mode 0600.\n"
    "The same state always gives the same bytes.\n"
    "\n"
    "import reads such a file (- for stdin) and checks all of it first: every\n"
    "field by the rules of the other commands, names given twice, a local part\n"
    "used twice in one domain, and that every domain, member, owner, destination\n"
    "and catch-all exists. Each problem is printed as FILE:LINE:COL: field: rule,\n"
    "and then nothing is written (exit 1). Otherwise everything is written in one\n"
    "transaction, with a journal entry per change:\n"
    "  (default)  what the file lists is added, or updated by name; the rest stays\n"
    "  --replace  the file becomes the whole state: what it does not list is\n"
    "             deleted. It asks on a terminal (naming how much goes); otherwise\n"
    "             give --yes.\n"
    "  --dry-run  check and count what would change; write nothing\n"
    "A mailbox that already exists may leave out password_hash (its hash stays).\n"
    "The format is described in the header comment of an exported file.\n"
    "\n"
    "Changes go out to Postfix and Dovecot with 'postern apply'.\n"
    "\n"
    "--json: import prints {\"ok\", \"file\", \"replace\", \"dry_run\", \"written\",\n"
    "  \"changes\", \"counts\": {\"settings\"|\"domains\"|\"mailboxes\"|\"groups\"|\"public\"|\n"
    "  \"addresses\": {\"added\", \"changed\", \"unchanged\", \"removed\"}}, \"problems\": [...],\n"
    "  \"more_problems\"}; export to FILE prints {\"ok\", \"file\", \"bytes\"}.\n";

static bool wants_help(int argc, char **argv)
{
    return argc >= 2 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help"));
}

/* ---- export ---------------------------------------------------------------- */

static int export_to_file(pn_cli *cli, const char *path, const pn_str *yaml)
{
    pn_err err = PN_ERR_INIT;
    pn_transport *t = pn_transport_local_new();
    bool ok = pn_write_file(t, path, yaml->s, yaml->len, 0600, &err);
    pn_transport_free(t);
    if (!ok)
        return pn_cli_store_fail("export", &err);
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_json j;
        pn_json_init(&j, &s, false);
        pn_json_obj_begin(&j);
        pn_json_kbool(&j, "ok", true);
        pn_json_kstr(&j, "file", path);
        pn_json_kint(&j, "bytes", (int64_t)yaml->len);
        pn_json_obj_end(&j);
        pn_str_appendc(&s, '\n');
    } else {
        char *clean = pn_utf8_sanitized(path);
        pn_str_appendf(&s, "state exported to %s (mode 0600: it holds password hashes)\n", clean);
        free(clean);
    }
    pn_cli_flush(&s);
    return PN_EXIT_OK;
}

static bool export_check(pn_cli *cli, const pn_cli_opts *o, void *arg, int *rc)
{
    (void)cli; (void)arg;
    if (o->words.n > 1) {
        *rc = pn_cli_usage("export", "unexpected argument '%s'", o->words.v[1]);
        return false;
    }
    return true;
}

static int export_write(pn_cli *cli, pn_store *st, const pn_cli_opts *o, void *arg)
{
    (void)arg;
    int rc = PN_EXIT_OK;
    pn_err err = PN_ERR_INIT;
    pn_str yaml = PN_STR_INIT;
    if (!pn_store_export_yaml(st, &yaml, &err)) {
        rc = pn_cli_store_fail("export", &err);
    } else if (o->words.n == 1 && strcmp(o->words.v[0], "-")) {
        rc = export_to_file(cli, o->words.v[0], &yaml);
    } else {
        fwrite(pn_str_cstr(&yaml), 1, yaml.len, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "postern: export: cannot write to stdout\n");
            rc = PN_EXIT_FAIL;
        }
    }
    if (yaml.s)
        explicit_bzero(yaml.s, yaml.len);
    pn_str_free(&yaml);
    return rc;
}

static int export_run(pn_cli *cli, int argc, char **argv)
{
    if (wants_help(argc, argv))
        return pn_cli_help("export");
    static const pn_cli_store_cmd cmd = {"export", 1, " ", " ", PN_CLI_ANY_WORDS, NULL,
                                         export_check, export_write};
    return pn_cli_store_run(cli, argc, argv, &cmd, NULL);
}

/* ---- import ---------------------------------------------------------------- */

/* The file (or stdin for "-"), at most IMPORT_MAX bytes. */
static bool read_input(const char *path, pn_str *out)
{
    if (strcmp(path, "-")) {
        pn_err err = PN_ERR_INIT;
        pn_transport *t = pn_transport_local_new();
        bool ok = pn_read_file(t, path, IMPORT_MAX, out, &err);
        pn_transport_free(t);
        if (!ok)
            pn_cli_store_fail("import", &err);
        return ok;
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
        pn_str_appendn(out, buf, n);
        if (out->len > IMPORT_MAX) {
            fprintf(stderr, "postern: import: stdin: more than %zu MiB: too large\n",
                    IMPORT_MAX >> 20);
            return false;
        }
    }
    if (ferror(stdin)) {
        fprintf(stderr, "postern: import: cannot read stdin\n");
        return false;
    }
    return true;
}

static void json_report(const pn_import_report *r, const char *file, bool replace, bool dry,
                        bool ok)
{
    pn_str s = PN_STR_INIT;
    pn_json j;
    pn_json_init(&j, &s, false);
    pn_json_obj_begin(&j);
    pn_json_kbool(&j, "ok", ok);
    pn_json_kstr(&j, "file", file);
    pn_json_kbool(&j, "replace", replace);
    pn_json_kbool(&j, "dry_run", dry);
    pn_json_kbool(&j, "written", r->written);
    pn_json_kint(&j, "changes", (int64_t)(ok ? pn_import_report_changes(r) : 0));
    pn_json_key(&j, "counts");
    pn_json_obj_begin(&j);
    for (int k = 0; k < PN_IMPORT_NKINDS; k++) {
        const pn_import_counts *c = &r->counts[k];
        pn_json_key(&j, pn_import_kind_name((pn_import_kind)k));
        pn_json_obj_begin(&j);
        pn_json_kint(&j, "added", (int64_t)c->added);
        pn_json_kint(&j, "changed", (int64_t)c->changed);
        pn_json_kint(&j, "unchanged", (int64_t)c->unchanged);
        pn_json_kint(&j, "removed", (int64_t)c->removed);
        pn_json_obj_end(&j);
    }
    pn_json_obj_end(&j);
    pn_json_key(&j, "problems");
    pn_json_arr_begin(&j);
    for (size_t i = 0; i < r->nproblems; i++)
        pn_json_str(&j, r->problems[i]);
    pn_json_arr_end(&j);
    pn_json_kint(&j, "more_problems", (int64_t)(r->total_problems - r->nproblems));
    pn_json_obj_end(&j);
    pn_str_appendc(&s, '\n');
    pn_cli_flush(&s);
}

static void text_counts(const pn_import_report *r)
{
    pn_str s = PN_STR_INIT;
    pn_str_append(&s, "             added  changed  removed  unchanged\n");
    for (int k = 0; k < PN_IMPORT_NKINDS; k++) {
        const pn_import_counts *c = &r->counts[k];
        pn_str_appendf(&s, "%-10s %7zu  %7zu  %7zu  %9zu\n", pn_import_kind_name((pn_import_kind)k),
                       c->added, c->changed, c->removed, c->unchanged);
    }
    pn_cli_flush(&s);
}

/* Every problem on stderr, one per line, then the error line. */
static int report_problems(const pn_import_report *r, pn_err *err)
{
    for (size_t i = 0; i < r->nproblems; i++) {
        char *clean = pn_utf8_sanitized(r->problems[i]);
        fprintf(stderr, "%s\n", clean);
        free(clean);
    }
    if (r->total_problems > r->nproblems)
        fprintf(stderr, "... and %zu more problems\n", r->total_problems - r->nproblems);
    return pn_cli_store_fail("import", err);
}

/* --replace without --yes needs a terminal to ask on (and stdin is the
 * terminal, not the file); a usage error otherwise. */
static bool can_confirm(const pn_cli_opts *o, const char *file, int *rc)
{
    if (pn_cli_opt_has(o, "--yes") || pn_cli_opt_has(o, "--dry-run") ||
        !pn_cli_opt_has(o, "--replace"))
        return true;
    if (!strcmp(file, "-") || !isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
        *rc = pn_cli_usage("import", "add --yes to replace the whole state without a terminal"
                                     " to confirm on");
        return false;
    }
    return true;
}

/* "2 mailboxes, 1 public mailbox" for what a replace removes. */
static void removed_text(pn_str *out, const pn_import_report *r)
{
    static const char *const one[] = {"setting", "domain", "mailbox", "group", "public mailbox",
                                      "address"};
    static const char *const many[] = {"settings", "domains", "mailboxes", "groups",
                                       "public mailboxes", "addresses"};
    for (int k = 0; k < PN_IMPORT_NKINDS; k++) {
        size_t n = r->counts[k].removed;
        if (n)
            pn_str_appendf(out, "%s%zu %s", out->len ? ", " : "", n, n == 1 ? one[k] : many[k]);
    }
}

/* --replace: on a terminal ask (default no) naming what goes. */
static bool confirm_replace(const pn_cli_opts *o, const char *file, const pn_import_report *r,
                            int *rc)
{
    if (pn_cli_opt_has(o, "--yes"))
        return true;
    pn_str what = PN_STR_INIT;
    removed_text(&what, r);
    char *clean = pn_utf8_sanitized(file);
    fprintf(stderr, "Replace the whole state with %s? It removes %s [y/N] ", clean,
            what.len ? pn_str_cstr(&what) : "nothing");
    free(clean);
    pn_str_free(&what);
    fflush(stderr);
    bool yes = pn_cli_answer_yes();
    if (!yes) {
        fprintf(stderr, "postern: import: nothing was written\n");
        *rc = PN_EXIT_FAIL;
    }
    return yes;
}

static void done_line(const pn_import_report *r, const char *file, bool dry)
{
    pn_str s = PN_STR_INIT;
    char *clean = pn_utf8_sanitized(file);
    size_t n = pn_import_report_changes(r);
    if (dry)
        pn_str_appendf(&s, "dry run: importing %s would make %zu change%s; nothing was written\n",
                       clean, n, n == 1 ? "" : "s");
    else if (!r->written)
        pn_str_appendf(&s, "imported %s: nothing to change\n", clean);
    else
        pn_str_appendf(&s, "imported %s: %zu change%s; run 'postern apply' to put it into"
                           " effect\n", clean, n, n == 1 ? "" : "s");
    free(clean);
    pn_cli_flush(&s);
}

/* The file as read before the store is opened. */
typedef struct import_job {
    pn_str text;
} import_job;

static bool import_check(pn_cli *cli, const pn_cli_opts *o, void *arg, int *rc)
{
    (void)cli;
    import_job *job = arg;
    if (!can_confirm(o, o->words.v[0], rc))
        return false;
    if (!read_input(o->words.v[0], &job->text)) {
        *rc = PN_EXIT_FAIL;
        return false;
    }
    return true;
}

static int import_write(pn_cli *cli, pn_store *st, const pn_cli_opts *o, void *arg)
{
    const pn_str *text = &((import_job *)arg)->text;
    int rc = PN_EXIT_OK;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep = {0};
    const char *file = o->words.v[0];
    const char *name = strcmp(file, "-") ? file : "stdin";
    bool replace = pn_cli_opt_has(o, "--replace"), dry = pn_cli_opt_has(o, "--dry-run");
    if (!dry && !pn_ctx_check_write(pn_cli_ctx(cli), "import", &err)) {
        rc = pn_cli_store_fail("import", &err);
        goto out;
    }
    /* A dry run first when it is one, or to say what --replace removes. */
    bool ok = true;
    if (dry || replace) {
        ok = pn_store_import_yaml_check(st, name, pn_str_cstr(text), text->len, replace, &rep,
                                        &err);
        if (ok && !dry && !confirm_replace(o, file, &rep, &rc))
            goto out;
    }
    if (ok && !dry) {
        pn_import_report_clear(&rep);
        ok = pn_store_import_yaml(st, name, pn_str_cstr(text), text->len, replace, &rep, &err);
    }
    if (cli->json && (ok || rep.total_problems))
        json_report(&rep, name, replace, dry, ok);
    if (!ok) {
        rc = rep.total_problems ? report_problems(&rep, &err) : pn_cli_store_fail("import", &err);
        goto out;
    }
    if (!cli->json) {
        text_counts(&rep);
        done_line(&rep, name, dry);
    }
out:
    pn_import_report_clear(&rep);
    return rc;
}

static int import_run(pn_cli *cli, int argc, char **argv)
{
    if (wants_help(argc, argv))
        return pn_cli_help("import");
    static const pn_cli_store_cmd cmd = {"import", 1, " --replace --dry-run --yes ", " ", 1,
                                         "a file to import (or - for stdin)", import_check,
                                         import_write};
    import_job job = {PN_STR_INIT};
    int rc = pn_cli_store_run(cli, argc, argv, &cmd, &job);
    if (job.text.s)
        explicit_bzero(job.text.s, job.text.len);
    pn_str_free(&job.text);
    return rc;
}

const pn_cli_noun pn_cli_noun_export = {
    .name = "export",
    .summary = "write the whole configuration state as YAML (to FILE, mode 0600)",
    .usage = usage,
    .run = export_run,
};

const pn_cli_noun pn_cli_noun_import = {
    .name = "import",
    .summary = "check and load a state file from export (add/update, or --replace)",
    .usage = usage,
    .run = import_run,
};
