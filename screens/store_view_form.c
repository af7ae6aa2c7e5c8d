/* store_view_form.c - the add/edit forms of the store screens (store_view.h):
 * open a pn_form over the screen, prefill it, and on OK run the screen's
 * store call. The store names the field a refused value belongs to
 * ("relay_host: is empty: a relay domain needs ..."): the form opens again
 * with that message under that field (the field's label in place of the
 * store's name) and the focus on it. An error that names no field shows on
 * the first field of an add form, else in an error box over the form.
 * Cancelling changes nothing. Also the list, size and day parsers and
 * checks the forms share. Passwords live only in the form's SECRET fields,
 * are never drawn, and are wiped when the form is freed. */
#include "store_view.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/text.h"
#include "validate.h"

void sv_form_free(sv_form *f)
{
    if (!f->open)
        return;
    for (size_t i = 0; i < f->form.n; i++) {
        pn_field *fl = &f->form.fields[i];
        if (fl->spec->type == PN_FIELD_SECRET && fl->edit.text.s)
            memset(fl->edit.text.s, 0, fl->edit.text.len);
    }
    pn_form_free(&f->form);
    free(f->title);
    free(f->key);
    f->title = f->key = NULL;
    f->open = false;
    f->id = f->rev = 0;
}

void sv_form_set(sv_form *f, const char *id, const char *value)
{
    pn_field *fl = pn_form_field(&f->form, id);
    if (!fl)
        return;
    value = value ? value : "";
    switch (fl->spec->type) {
    case PN_FIELD_BOOL:
        fl->choice = !strcmp(value, "true");
        break;
    case PN_FIELD_CHOICE:
        for (int c = 0; fl->spec->choices && fl->spec->choices[c]; c++)
            if (!strcmp(fl->spec->choices[c], value))
                fl->choice = c;
        break;
    default:
        pn_lineedit_set(&fl->edit, value);
        fl->edit.changed = false;
        break;
    }
}

const char *sv_form_value(const sv_form *f, const char *id)
{
    const char *v = pn_form_value(&f->form, id);
    return v ? v : "";
}

static size_t field_index(const pn_form *form, const char *id, size_t len)
{
    for (size_t i = 0; i < form->n; i++) {
        const char *fid = form->fields[i].spec->id;
        if (fid && strlen(fid) == len && !strncmp(fid, id, len))
            return i;
    }
    return SIZE_MAX;
}

static void put_error(sv_form *f, size_t i, const char *msg)
{
    pn_field *fl = &f->form.fields[i];
    free(fl->error);
    fl->error = pn_strdup(msg);
    f->form.focus = i;
}

void sv_form_field_error(sv_form *f, const char *id, const char *fmt, ...)
{
    size_t i = field_index(&f->form, id, strlen(id));
    if (i == SIZE_MAX)
        return;
    pn_str s = PN_STR_INIT;
    pn_str_appendf(&s, "%s: ", f->form.fields[i].spec->label);
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    put_error(f, i, pn_str_cstr(&s));
    pn_str_free(&s);
}

/* Put the store's message on the field it names; false when it names none. */
static bool error_on_field(sv_form *f, const char *msg)
{
    const char *colon = strchr(msg, ':');
    if (!colon)
        return false;
    size_t i = field_index(&f->form, msg, (size_t)(colon - msg));
    if (i == SIZE_MAX)
        return false;
    char *shown = pn_sprintf("%s%s", f->form.fields[i].spec->label, colon);
    put_error(f, i, shown);
    free(shown);
    return true;
}

static bool has_field_error(const sv_form *f)
{
    for (size_t i = 0; i < f->form.n; i++)
        if (f->form.fields[i].error)
            return true;
    return false;
}

static void form_done(void *st, pn_form *form, bool submitted);

static void reopen(sv_form *f)
{
    pn_app_form(f->owner->app, &f->form, form_done, f);
}

static void form_done(void *st, pn_form *form, bool submitted)
{
    sv_form *f = st;
    sv_screen *s = f->owner;
    (void)form;
    if (!submitted) {
        pn_app_flash(s->app, PN_ROLE_STATUS, "cancelled: nothing was changed");
        sv_form_free(f);
        return;
    }
    pn_store *store = sv_screen_store(s, f->title);
    if (!store) {
        sv_form_free(f);
        return;
    }
    char *done_msg = NULL;
    pn_err err = PN_ERR_INIT;
    if (f->submit(s, f, store, &done_msg, &err)) {
        sv_form_free(f);
        sv_store_changed(s->store);
        sv_screen_reload(s);
        pn_app_flash(s->app, PN_ROLE_STATUS_OK, "%s", done_msg ? done_msg : "saved");
        free(done_msg);
        return;
    }
    free(done_msg);
    if (err.code == PN_OK) {             /* the callback marked a field itself */
        if (!has_field_error(f))
            put_error(f, 0, "not saved");
        reopen(f);
        return;
    }
    const char *msg = pn_err_msg(&err);
    bool boxed = false;
    if (!error_on_field(f, msg)) {
        if (!f->key && f->form.n && err.code != PN_E_READONLY && err.code != PN_E_DB)
            put_error(f, 0, msg);
        else
            boxed = true;
    }
    reopen(f);
    if (boxed)
        pn_app_error(s->app, "Not saved", msg);
    pn_err_clear(&err);
}

bool sv_form_open(sv_screen *s, sv_form *f, const char *title, const pn_field_spec *specs,
                  size_t n, sv_submit_fn submit)
{
    if (f->open) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "%s: a form is open already", title);
        return false;
    }
    f->title = pn_strdup(title);
    pn_form_init(&f->form, f->title, specs, n);
    f->open = true;
    f->owner = s;
    f->submit = submit;
    pn_app_form(s->app, &f->form, form_done, f);
    return true;
}

/* ---- lists, sizes, days ---------------------------------------------------------- */

void sv_split_list(const char *text, pn_argv *out)
{
    const char *p = text ? text : "";
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != ',' && *p != '\t')
            p++;
        if (p > start) {
            char *w = pn_strndup(start, (size_t)(p - start));
            pn_argv_add(out, w);
            free(w);
        }
    }
}

bool sv_check_address_list(const char *label, const char *value, pn_err *err)
{
    pn_argv words = PN_ARGV_INIT;
    sv_split_list(value, &words);
    bool ok = true;
    for (size_t i = 0; i < words.n && ok; i++)
        ok = pn_valid_email(label, words.v[i], err);
    pn_argv_free(&words);
    return ok;
}

bool sv_check_quota(const char *label, const char *value, pn_err *err)
{
    int64_t n;
    if (!*value || !strcmp(value, "default"))
        return true;
    if (pn_parse_size(label, value, &n, NULL))
        return true;
    return pn_err_set(err, PN_E_INVALID, "%s: '%s' is not a size: write 500M, 2G, 0 (no limit) "
                      "or default", label, value);
}

bool sv_check_days(const char *label, const char *value, pn_err *err)
{
    if (!*value || !strcmp(value, "default"))
        return true;
    size_t n = strlen(value);
    bool digits = n > 0 && n <= 5;
    for (size_t i = 0; i < n && digits; i++)
        digits = isdigit((unsigned char)value[i]);
    if (digits && atoi(value) <= 36500)
        return true;
    return pn_err_set(err, PN_E_INVALID, "%s: '%s' is not valid: a number of days from 0 to "
                      "36500, or default", label, value);
}

int64_t sv_parse_quota(const char *value)
{
    int64_t n;
    if (!value || !*value || !strcmp(value, "default") || !pn_parse_size("quota", value, &n, NULL))
        return -1;
    return n;
}

int sv_parse_days(const char *value)
{
    if (!value || !*value || !strcmp(value, "default"))
        return -1;
    return atoi(value);
}

void sv_quota_input(pn_str *out, int64_t bytes)
{
    static const char units[] = "KMGT";
    if (bytes < 0) {
        pn_str_append(out, "default");
        return;
    }
    int u = -1;
    while (bytes && u < 3 && bytes % 1024 == 0) {
        bytes /= 1024;
        u++;
    }
    pn_str_appendf(out, "%lld", (long long)bytes);
    if (u >= 0)
        pn_str_appendc(out, units[u]);
}

void sv_quota_text(pn_str *out, int64_t bytes)
{
    if (bytes < 0)
        pn_str_append(out, "default");
    else if (bytes == 0)
        pn_str_append(out, "no limit");
    else
        pn_text_size(out, bytes);
}
