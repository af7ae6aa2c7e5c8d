/* form.c - the form model: values, focus, validation (see form.h).
 *
 * Focus runs over the fields, then the OK button (index n) and Cancel (n+1),
 * and wraps. A field is checked when focus leaves it and all of them on
 * submit; a field that shows an error is checked again on every edit, so the
 * error goes away as soon as the value is fixed.
 *
 * Rules, in order: a required field may not be empty; an empty optional
 * field is valid without further checks; a NUMBER must be a whole number
 * and, unless min and max are both 0, within [min, max]; then the spec's
 * check callback. Messages start with the label ("Port: must be between 1
 * and 65535"). A SECRET field's value never appears in an error: when a
 * check's message would show it (or any 4-byte piece of it), a generic
 * message is stored instead. */
#include "form.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/str.h"
#include "validate.h"

#define NUMBER_MAX_LEN 21   /* sign and the digits of a 64-bit long */

static const char *const form_names[] = {
#define PN_FORM_NAME(id, name) name,
    PN_FORM_COMMANDS(PN_FORM_NAME)
#undef PN_FORM_NAME
};

enum form_cmd {
#define PN_FORM_ENUM(id, name) FORM_##id,
    PN_FORM_COMMANDS(PN_FORM_ENUM)
#undef PN_FORM_ENUM
    FORM_COUNT
};

/* ---- validator adapters ----------------------------------------------- */

bool pn_field_check_domain(const char *label, const char *value, pn_err *err)
{
    return pn_valid_domain(label, value, err);
}

bool pn_field_check_hostname(const char *label, const char *value, pn_err *err)
{
    return pn_valid_hostname(label, value, err);
}

bool pn_field_check_email(const char *label, const char *value, pn_err *err)
{
    return pn_valid_email(label, value, err);
}

bool pn_field_check_ip(const char *label, const char *value, pn_err *err)
{
    return pn_valid_ip(label, value, err);
}

bool pn_field_check_port(const char *label, const char *value, pn_err *err)
{
    int port;
    return pn_valid_port(label, value, &port, err);
}

/* ---- helpers ---------------------------------------------------------- */

static bool has_editor(const pn_field *fl)
{
    pn_field_type t = fl->spec->type;
    return t == PN_FIELD_TEXT || t == PN_FIELD_NUMBER || t == PN_FIELD_SECRET;
}

static const char *label_of(const pn_field_spec *s)
{
    return s->label ? s->label : s->id ? s->id : "field";
}

static size_t choice_count(const pn_field_spec *s)
{
    size_t n = 0;
    while (s->choices && s->choices[n])
        n++;
    return n;
}

static bool truthy(const char *s)
{
    return s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1"));
}

static const char *field_value(const pn_field *fl)
{
    switch (fl->spec->type) {
    case PN_FIELD_BOOL:
        return fl->choice ? "true" : "false";
    case PN_FIELD_CHOICE:
        return choice_count(fl->spec) ? fl->spec->choices[fl->choice] : "";
    default:
        return pn_str_cstr(&fl->edit.text);
    }
}

static void set_error(pn_field *fl, char *msg)
{
    free(fl->error);
    fl->error = msg;
}

/* Would this message show the secret, or a 4-byte piece of it? */
static bool reveals(const char *msg, const char *secret)
{
    size_t n = strlen(secret);
    if (n == 0)
        return false;
    if (n <= 4)
        return strstr(msg, secret) != NULL;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memmem(msg, strlen(msg), secret + i, 4))
            return true;
    return false;
}

static bool parse_long(const char *s, long *out)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (!*p)
        return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE || *end)
        return false;
    *out = v;
    return true;
}

static bool validate_field(pn_field *fl)
{
    const pn_field_spec *s = fl->spec;
    const char *label = label_of(s);
    const char *value = field_value(fl);
    set_error(fl, NULL);
    if (!*value) {
        if (s->required) {
            set_error(fl, pn_sprintf("%s: required", label));
            return false;
        }
        return true;
    }
    if (s->type == PN_FIELD_NUMBER) {
        long v;
        bool ranged = s->min != 0 || s->max != 0;
        if (!parse_long(value, &v)) {
            if (ranged)
                set_error(fl, pn_sprintf("%s: must be a whole number between %ld and %ld",
                                         label, s->min, s->max));
            else
                set_error(fl, pn_sprintf("%s: must be a whole number", label));
            return false;
        }
        if (ranged && (v < s->min || v > s->max)) {
            set_error(fl, pn_sprintf("%s: must be between %ld and %ld", label, s->min, s->max));
            return false;
        }
    }
    if (s->check) {
        pn_err err = PN_ERR_INIT;
        if (!s->check(label, value, &err)) {
            const char *msg = err.msg ? err.msg : NULL;
            if (!msg)
                set_error(fl, pn_sprintf("%s: not valid", label));
            else if (s->type == PN_FIELD_SECRET && reveals(msg, value))
                set_error(fl, pn_sprintf("%s: not valid (details hidden: they would show the "
                                         "secret)", label));
            else
                set_error(fl, pn_strdup(msg));
            pn_err_clear(&err);
            return false;
        }
        pn_err_clear(&err);
    }
    return true;
}

static pn_field *focused(pn_form *f)
{
    return f->focus < f->n ? &f->fields[f->focus] : NULL;
}

/* ---- life cycle ------------------------------------------------------- */

void pn_form_init(pn_form *f, const char *title, const pn_field_spec *specs, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->title = title;
    f->n = n;
    f->fields = pn_calloc(n ? n : 1, sizeof(*f->fields));
    for (size_t i = 0; i < n; i++) {
        pn_field *fl = &f->fields[i];
        const pn_field_spec *s = &specs[i];
        fl->spec = s;
        pn_lineedit_init(&fl->edit, has_editor(fl) ? s->initial : NULL, NULL);
        if (s->type == PN_FIELD_NUMBER) {
            fl->edit.max_len = NUMBER_MAX_LEN;
            pn_lineedit_set(&fl->edit, s->initial ? s->initial : "");
            fl->edit.changed = false;
        }
        if (s->type == PN_FIELD_BOOL)
            fl->choice = truthy(s->initial);
        if (s->type == PN_FIELD_CHOICE && s->initial)
            for (size_t c = 0; c < choice_count(s); c++)
                if (!strcmp(s->choices[c], s->initial))
                    fl->choice = (int)c;
    }
}

void pn_form_free(pn_form *f)
{
    for (size_t i = 0; i < f->n; i++) {
        pn_lineedit_free(&f->fields[i].edit);
        free(f->fields[i].error);
    }
    free(f->fields);
    memset(f, 0, sizeof(*f));
}

static size_t find_field(const pn_form *f, const char *id)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->fields[i].spec->id && !strcmp(f->fields[i].spec->id, id))
            return i;
    return SIZE_MAX;
}

const char *pn_form_value(const pn_form *f, const char *id)
{
    size_t i = find_field(f, id);
    return i == SIZE_MAX ? NULL : field_value(&f->fields[i]);
}

pn_field *pn_form_field(pn_form *f, const char *id)
{
    size_t i = find_field(f, id);
    return i == SIZE_MAX ? NULL : &f->fields[i];
}

bool pn_form_validate_field(pn_form *f, size_t i)
{
    return i >= f->n || validate_field(&f->fields[i]);
}

bool pn_form_validate(pn_form *f)
{
    bool ok = true;
    for (size_t i = 0; i < f->n; i++)
        ok &= validate_field(&f->fields[i]);
    return ok;
}

/* ---- focus and commands ----------------------------------------------- */

static void move_focus(pn_form *f, bool forward)
{
    pn_form_validate_field(f, f->focus);
    size_t stops = f->n + 2;
    f->focus = forward ? (f->focus + 1) % stops : (f->focus + stops - 1) % stops;
}

static pn_form_result submit(pn_form *f)
{
    if (pn_form_validate(f))
        return PN_FORM_SUBMIT;
    for (size_t i = 0; i < f->n; i++) {
        if (f->fields[i].error) {
            f->focus = i;
            break;
        }
    }
    return PN_FORM_CONTINUE;
}

/* Enter: next field, or press the focused button. */
static pn_form_result activate(pn_form *f)
{
    if (f->focus == f->n)
        return submit(f);
    if (f->focus == f->n + 1)
        return PN_FORM_CANCEL;
    move_focus(f, true);
    return PN_FORM_CONTINUE;
}

static void cycle(pn_field *fl, int dir)
{
    if (fl->spec->type == PN_FIELD_BOOL) {
        fl->choice = !fl->choice;
    } else if (fl->spec->type == PN_FIELD_CHOICE) {
        int n = (int)choice_count(fl->spec);
        if (n > 0)
            fl->choice = (fl->choice + dir + n) % n;
    } else {
        return;
    }
    if (fl->error)
        validate_field(fl);
}

static void switch_button(pn_form *f)
{
    f->focus = f->focus == f->n ? f->n + 1 : f->n;
}

/* Let the focused field's editor run a key or command; re-check a field
 * that shows an error when its text changed. */
static pn_form_result edited(pn_field *fl, pn_le_result r, bool was_changed)
{
    if (fl->edit.changed && fl->error)
        validate_field(fl);
    fl->edit.changed |= was_changed;
    return r == PN_LE_CANCEL ? PN_FORM_CANCEL : PN_FORM_CONTINUE;
}

static pn_form_result run_form_cmd(pn_form *f, enum form_cmd c)
{
    pn_field *fl = focused(f);
    switch (c) {
    case FORM_NEXT_FIELD:
        move_focus(f, true);
        break;
    case FORM_PREV_FIELD:
        move_focus(f, false);
        break;
    case FORM_SUBMIT:
        return submit(f);
    case FORM_CANCEL:
        return PN_FORM_CANCEL;
    case FORM_TOGGLE:
        if (fl)
            cycle(fl, 1);
        break;
    default:
        break;
    }
    return PN_FORM_CONTINUE;
}

pn_form_result pn_form_exec(pn_form *f, const char *command)
{
    if (!command)
        return PN_FORM_CONTINUE;
    for (int i = 0; i < FORM_COUNT; i++)
        if (!strcmp(form_names[i], command))
            return run_form_cmd(f, (enum form_cmd)i);
    pn_edit_cmd e;
    if (!pn_edit_cmd_parse(command, &e))
        return PN_FORM_CONTINUE;        /* unknown: nothing happens */
    if (e == PN_EDIT_ACCEPT)
        return activate(f);
    if (e == PN_EDIT_CANCEL)
        return PN_FORM_CANCEL;
    pn_field *fl = focused(f);
    bool left = e == PN_EDIT_BACKWARD_CHAR, right = e == PN_EDIT_FORWARD_CHAR;
    if (!fl) {
        if (left || right)
            switch_button(f);
        return PN_FORM_CONTINUE;
    }
    if (!has_editor(fl)) {
        if (left || right)
            cycle(fl, left ? -1 : 1);
        return PN_FORM_CONTINUE;
    }
    bool was = fl->edit.changed;
    fl->edit.changed = false;
    return edited(fl, pn_lineedit_run(&fl->edit, e), was);
}

pn_form_result pn_form_key(pn_form *f, pn_key k)
{
    switch (k) {
    case PN_KEY_TAB: case PN_KEY_DOWN:
        return run_form_cmd(f, FORM_NEXT_FIELD);
    case PN_KEY_BTAB: case PN_KEY_UP:
        return run_form_cmd(f, FORM_PREV_FIELD);
    case PN_KEY_ESC:
        return PN_FORM_CANCEL;
    case PN_KEY_ENTER: case '\r': case '\n':
        return activate(f);
    default:
        break;
    }
    pn_field *fl = focused(f);
    if (!fl) {                                   /* on OK / Cancel */
        if (k == PN_KEY_LEFT || k == PN_KEY_RIGHT)
            switch_button(f);
        else if (k == ' ')
            return activate(f);
        return PN_FORM_CONTINUE;
    }
    switch (fl->spec->type) {
    case PN_FIELD_BOOL:
        if (k == ' ')
            cycle(fl, 1);
        return PN_FORM_CONTINUE;
    case PN_FIELD_CHOICE:
        if (k == ' ' || k == PN_KEY_RIGHT)
            cycle(fl, 1);
        else if (k == PN_KEY_LEFT)
            cycle(fl, -1);
        return PN_FORM_CONTINUE;
    case PN_FIELD_NUMBER:
        if (k >= 0x20 && k != 0x7f && k < PN_KEY_SPECIAL && !(k >= '0' && k <= '9') && k != '-')
            return PN_FORM_CONTINUE;             /* digits and '-' only */
        break;
    default:
        break;
    }
    bool was = fl->edit.changed;
    fl->edit.changed = false;
    return edited(fl, pn_lineedit_key(&fl->edit, k), was);
}
