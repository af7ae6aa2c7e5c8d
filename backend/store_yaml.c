/* store_yaml.c - postern state import, the entry points (store_yaml.h):
 * read the file, take the DB as it is in one snapshot (a dry run) or one
 * write transaction (an import), check everything, report every problem
 * in file order, and only when there is none write the changes and commit.
 * The parts: store_yaml_parse.c, store_yaml_plan.c, store_yaml_apply.c;
 * the export is store_yaml_export.c. */
#include "store_yaml_internal.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Problems kept before the report is cut to PN_IMPORT_MAX_PROBLEMS (the
 * first ones in file order among these). */
#define FOUND_KEEP 10000

/* ---- the report ------------------------------------------------------------ */

const char *pn_import_kind_name(pn_import_kind k)
{
    static const char *const names[] = {"settings", "domains", "mailboxes", "groups", "public",
                                         "addresses"};
    return (unsigned)k < PN_IMPORT_NKINDS ? names[k] : "?";
}

size_t pn_import_report_changes(const pn_import_report *r)
{
    size_t n = 0;
    for (int k = 0; k < PN_IMPORT_NKINDS; k++)
        n += r->counts[k].added + r->counts[k].changed + r->counts[k].removed;
    return n;
}

size_t pn_import_report_removed(const pn_import_report *r)
{
    size_t n = 0;
    for (int k = 0; k < PN_IMPORT_NKINDS; k++)
        n += r->counts[k].removed;
    return n;
}

void pn_import_report_clear(pn_import_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nproblems; i++)
        free(r->problems[i]);
    free(r->problems);
    memset(r, 0, sizeof(*r));
}

/* ---- problems --------------------------------------------------------------- */

static void found_add(yi_ctx *c, int line, int col, char *msg)
{
    c->total++;
    if (c->nfound >= FOUND_KEEP) {
        free(msg);
        return;
    }
    if (c->nfound == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->found = pn_realloc(c->found, c->cap * sizeof(*c->found));
    }
    c->found[c->nfound] = (yi_found){line, col, c->nfound, msg};
    c->nfound++;
}

void yi_problem(yi_ctx *c, const yi_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = pn_yaml_vmessage(c->name, at->line, at->col, fmt, ap);
    va_end(ap);
    found_add(c, at->line, at->col, msg);
}

void yi_problem_err(yi_ctx *c, const yi_node *at, pn_err *err)
{
    yi_problem(c, at, "%s", pn_err_msg(err));
    pn_err_clear(err);
}

void yi_problem_raw(yi_ctx *c, const char *msg)
{
    found_add(c, 0, 0, pn_strdup(msg));
}

static int found_cmp(const void *pa, const void *pb)
{
    const yi_found *a = pa, *b = pb;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorted into rep (at most PN_IMPORT_MAX_PROBLEMS); c is left empty. */
static void found_to_report(yi_ctx *c, pn_import_report *rep)
{
    if (c->nfound)
        qsort(c->found, c->nfound, sizeof(*c->found), found_cmp);
    size_t keep = c->nfound < PN_IMPORT_MAX_PROBLEMS ? c->nfound : PN_IMPORT_MAX_PROBLEMS;
    rep->problems = keep ? pn_calloc(keep, sizeof(char *)) : NULL;
    for (size_t i = 0; i < c->nfound; i++) {
        if (i < keep)
            rep->problems[rep->nproblems++] = c->found[i].msg;
        else
            free(c->found[i].msg);
    }
    rep->total_problems = c->total;
    free(c->found);
    c->found = NULL;
    c->nfound = c->cap = c->total = 0;
}

/* ---- shared helpers --------------------------------------------------------- */

int yi_strcmp0(const char *a, const char *b)
{
    if (!a || !b)
        return a == b ? 0 : a ? 1 : -1;
    return strcmp(a, b);
}

const char *yi_domain_of(const char *address)
{
    const char *at = address ? strrchr(address, '@') : NULL;
    return at ? at + 1 : "";
}

/* ---- import ------------------------------------------------------------------ */

static bool import_run(pn_store *st, const char *name, const char *text, size_t len,
                       bool replace, bool write, pn_import_report *rep, pn_err *err)
{
    memset(rep, 0, sizeof(*rep));
    name = name && *name ? name : "state file";
    if (write && st->ctx && !pn_ctx_check_write(st->ctx, "import", err))
        return false;
    yi_ctx c = {.name = name};
    yi_file f;
    yi_db db;
    memset(&db, 0, sizeof(db));
    bool parsed = yi_parse(&c, text, len, &f);
    /* With problems already, only read: they are reported, nothing written. */
    bool writing = write && parsed && !c.total;
    bool opened = false, own_read = false, ok = false;
    if (!parsed)
        goto report;
    if (writing) {
        opened = st_begin_write(st, "import", err);
    } else {
        own_read = !st->in_read;
        opened = pn_store_begin_read(st, err);
    }
    if (!opened)
        goto out;
    if (!yi_db_load(st, &db, err))
        goto out;
    yi_check_and_plan(&c, &f, &db, replace, rep);
report:
    if (c.total) {
        memset(rep->counts, 0, sizeof(rep->counts));
        pn_err_set(err, PN_E_INVALID, "%s: %zu problem%s: nothing was written", name, c.total,
                   c.total == 1 ? "" : "s");
        goto out;
    }
    if (writing && pn_import_report_changes(rep)) {
        if (!yi_apply(st, &f, &db, replace, err) || !st_commit(st, err))
            goto out;
        rep->written = true;
        writing = false;            /* committed: nothing to roll back */
    }
    ok = true;
out:
    if (opened && writing)
        st_rollback(st);
    if (opened && own_read)
        pn_store_end_read(st);
    found_to_report(&c, rep);
    yi_db_free(&db);
    yi_file_free(&f);
    return ok;
}

bool pn_store_import_yaml(pn_store *st, const char *name, const char *text, size_t len,
                          bool replace, pn_import_report *rep, pn_err *err)
{
    return import_run(st, name, text, len, replace, true, rep, err);
}

bool pn_store_import_yaml_check(pn_store *st, const char *name, const char *text, size_t len,
                                bool replace, pn_import_report *rep, pn_err *err)
{
    return import_run(st, name, text, len, replace, false, rep, err);
}
