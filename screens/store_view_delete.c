/* store_view_delete.c - deletes on the store screens (store_view.h).
 *
 * First a confirmation with the count and the names (Cancel focused; typed
 * "DELETE N" from 100 rows on), then the store's plain delete of each row.
 * The store refuses to delete what something still uses and names the
 * referrers (PN_E_CONFLICT): those refusals are shown in a second
 * confirmation that offers the cascade and says what it also removes, with
 * the store's own words. Nothing is deleted that the user did not confirm
 * with its consequences in front of them. The outcome is a flash, and a
 * report per row when there was more than one or something failed.
 * Nothing changes on the mail server until apply. */
#include "store_view.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

typedef struct sv_delete_run {
    sv_screen *s;
    const sv_delete_kind *kind;
    pn_argv keys;              /* asked for */
    pn_argv refused;           /* keys the store refused as still in use */
    pn_argv refusals;          /* its messages, one per refused key */
    pn_listmodel *list;        /* whose marks go once the delete is confirmed */
    pn_str report;             /* "key  outcome" lines */
    size_t deleted, failed;
} del_run;

static void run_free(del_run *r)
{
    if (r->s->deleting == r)
        r->s->deleting = NULL;
    pn_argv_free(&r->keys);
    pn_argv_free(&r->refused);
    pn_argv_free(&r->refusals);
    pn_str_free(&r->report);
    free(r);
}

/* "domain example.com" or "3 domains (a, b, c)" */
static void name_rows(pn_str *out, const sv_delete_kind *k, const pn_argv *keys)
{
    if (keys->n == 1) {
        pn_str_appendf(out, "%s %s", k->noun, keys->v[0]);
        return;
    }
    pn_str_appendf(out, "%zu %s (", keys->n, k->nouns);
    for (size_t i = 0; i < keys->n && i < 5; i++)
        pn_str_appendf(out, "%s%s", i ? ", " : "", keys->v[i]);
    pn_str_append(out, keys->n > 5 ? ", ...)" : ")");
}

static void finish(del_run *r)
{
    sv_screen *s = r->s;
    if (r->deleted)
        sv_store_changed(s->store);
    sv_screen_reload(s);
    size_t kept = r->refused.n, total = r->keys.n;
    pn_str what = PN_STR_INIT;
    if (total == 1)
        pn_str_appendf(&what, "%s %s", r->kind->noun, r->keys.v[0]);
    else
        pn_str_appendf(&what, "%zu %s", total, r->kind->nouns);
    if (r->deleted == total)
        pn_app_flash(s->app, PN_ROLE_STATUS_OK, "deleted %s: pending until apply",
                     pn_str_cstr(&what));
    else if (r->deleted == 0 && !r->failed)
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "nothing deleted: %s kept, still in use",
                     pn_str_cstr(&what));
    else {
        pn_str rest = PN_STR_INIT;
        if (kept)
            pn_str_appendf(&rest, "; %zu kept, still in use", kept);
        if (r->failed)
            pn_str_appendf(&rest, "; %zu failed", r->failed);
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "deleted %zu of %s (pending until apply)%s",
                     r->deleted, pn_str_cstr(&what), pn_str_cstr(&rest));
        pn_str_free(&rest);
    }
    pn_str_free(&what);
    if (r->keys.n > 1 || r->failed) {
        char *title = pn_sprintf("Delete %s: outcome per row", r->kind->nouns);
        pn_app_show_text(s->app, title, pn_str_cstr(&r->report));
        free(title);
    }
    run_free(r);
}

static void delete_one(del_run *r, pn_store *st, const char *key, bool cascade)
{
    pn_err err = PN_ERR_INIT;
    if (r->kind->del(st, key, cascade, &err)) {
        r->deleted++;
        pn_str_appendf(&r->report, "%s  deleted%s\n", key, cascade ? " with what used it" : "");
    } else if (!cascade && err.code == PN_E_CONFLICT && r->kind->cascade_does) {
        pn_argv_add(&r->refused, key);
        pn_argv_add(&r->refusals, pn_err_msg(&err));
    } else {
        r->failed++;
        pn_str_appendf(&r->report, "%s  NOT deleted: %s\n", key, pn_err_msg(&err));
    }
    pn_err_clear(&err);
}

static void cascade_answer(void *st, bool yes)
{
    del_run *r = st;
    pn_store *store = sv_store_get(r->s->store);
    for (size_t i = 0; i < r->refused.n; i++) {
        if (yes && store)
            delete_one(r, store, r->refused.v[i], true);
        else
            pn_str_appendf(&r->report, "%s  kept: %s\n", r->refused.v[i], r->refusals.v[i]);
    }
    if (yes)
        pn_argv_free(&r->refused);
    finish(r);
}

static void ask_cascade(del_run *r)
{
    pn_str msg = PN_STR_INIT;
    for (size_t i = 0; i < r->refusals.n && i < 5; i++)
        pn_str_appendf(&msg, "%s.\n", r->refusals.v[i]);
    if (r->refusals.n > 5)
        pn_str_appendf(&msg, "(and %zu more)\n", r->refusals.n - 5);
    pn_str_appendf(&msg, "\nDelete %s anyway? Deleting anyway %s.",
                   r->refused.n == 1 ? "it" : "them", r->kind->cascade_does);
    char *title = pn_sprintf("Still in use: delete anyway?");
    pn_confirm spec = {
        .title = title,
        .message = pn_str_cstr(&msg),
        .yes_label = "Delete anyway",
        .count = r->refused.n,
        .dangerous = true,
        .typed_word = "DELETE",
    };
    pn_app_confirm(r->s->app, &spec, cascade_answer, r);
    free(title);
    pn_str_free(&msg);
}

static void first_answer(void *st, bool yes)
{
    del_run *r = st;
    if (!yes) {
        pn_app_flash(r->s->app, PN_ROLE_STATUS, "delete cancelled: nothing was deleted");
        run_free(r);
        return;
    }
    pn_store *store = sv_screen_store(r->s, "delete");
    if (!store) {
        run_free(r);
        return;
    }
    if (r->list)
        pn_listmodel_mark_clear(r->list);
    for (size_t i = 0; i < r->keys.n; i++)
        delete_one(r, store, r->keys.v[i], false);
    if (r->refused.n) {
        if (r->deleted) {
            sv_store_changed(r->s->store);
            sv_screen_reload(r->s);
        }
        ask_cascade(r);
        return;
    }
    finish(r);
}

void sv_delete_discard(sv_screen *s)
{
    if (s->deleting)
        run_free(s->deleting);
}

void sv_delete_start(sv_screen *s, const sv_delete_kind *kind, pn_argv *keys,
                     pn_listmodel *list)
{
    if (s->deleting) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "delete: another delete is waiting for its "
                     "confirmation");
        return;
    }
    if (!keys->n) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "delete: no %s selected", kind->noun);
        return;
    }
    if (!sv_screen_store(s, "delete"))
        return;
    del_run *r = pn_calloc(1, sizeof(*r));
    r->s = s;
    r->kind = kind;
    r->list = list;
    r->keys = *keys;
    memset(keys, 0, sizeof(*keys));
    s->deleting = r;
    pn_str what = PN_STR_INIT, msg = PN_STR_INIT;
    name_rows(&what, kind, &r->keys);
    pn_str_appendf(&msg, "Delete %s? It leaves the state store now and the mail server at the "
                         "next apply. If something still uses it, postern says what and asks "
                         "again.", pn_str_cstr(&what));
    char *title = pn_sprintf("Delete %s", r->keys.n == 1 ? kind->noun : kind->nouns);
    pn_confirm spec = {
        .title = title,
        .message = pn_str_cstr(&msg),
        .yes_label = "Delete",
        .count = r->keys.n,
        .dangerous = true,
        .typed_word = "DELETE",
    };
    pn_app_confirm(s->app, &spec, first_answer, r);
    free(title);
    pn_str_free(&what);
    pn_str_free(&msg);
}
