/* formview.c - a pn_form (form.h) drawn over the screen: a label and a
 * field per line, the error right under the field that has it (wrapped to
 * the field's width, at most three lines), the help line of the focused
 * field, OK and Cancel. Keys bound in modes.form run pn_form_exec; other
 * keys go to pn_form_key. done() reports the outcome. */
#include "app_internal.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdlib.h>
#include <string.h>

typedef struct formview {
    pn_modal base;
    pn_form *form;
    void (*done)(void *st, pn_form *form, bool submitted);
    void *st;
} formview;

static void finish(pn_app *app, formview *v, bool submitted)
{
    void (*done)(void *, pn_form *, bool) = v->done;
    void *st = v->st;
    pn_form *form = v->form;
    pn_app_pop_modal(app);
    if (done)
        done(st, form, submitted);
}

static int result(pn_app *app, formview *v, pn_form_result r)
{
    if (r == PN_FORM_SUBMIT)
        finish(app, v, true);
    else if (r == PN_FORM_CANCEL)
        finish(app, v, false);
    return PN_DIRTY_DRAW;
}

static int form_key(pn_app *app, pn_modal *m, pn_key k)
{
    formview *v = (formview *)m;
    return result(app, v, pn_form_key(v->form, k));
}

static int form_exec(pn_app *app, pn_modal *m, const char *command)
{
    formview *v = (formview *)m;
    return result(app, v, pn_form_exec(v->form, command));
}

static void field_text(const pn_field *f, pn_str *out)
{
    switch (f->spec->type) {
    case PN_FIELD_BOOL:
        pn_str_append(out, f->choice ? "[x]" : "[ ]");
        break;
    case PN_FIELD_CHOICE: {
        const char *c = f->spec->choices ? f->spec->choices[f->choice] : NULL;
        pn_str_appendf(out, "< %s >", c ? c : "");
        break;
    }
    case PN_FIELD_SECRET:
        for (size_t i = 0; i < f->edit.text.len; i++)
            if (((unsigned char)f->edit.text.s[i] & 0xC0) != 0x80)
                pn_str_appendc(out, '*');
        break;
    default:
        pn_str_append(out, pn_str_cstr(&f->edit.text));
        break;
    }
}

#define ERROR_LINES_MAX 3

/* "! message" cut into lines of at most width columns at blanks
 * (continuation lines indented by two), at most ERROR_LINES_MAX; the last
 * one is cut with an ellipsis when the message is longer. */
static void error_lines(const char *msg, int width, pn_argv *out)
{
    pn_str line = PN_STR_INIT;
    pn_str_appendf(&line, "! %s", msg);
    const char *p = pn_str_cstr(&line);
    if (width < 8)
        width = 8;
    while (*p && out->n < ERROR_LINES_MAX) {
        const char *indent = out->n ? "  " : "";
        int room = width - (int)strlen(indent);
        size_t len = strlen(p), cut = len;
        if ((int)pn_text_width(p) > room && out->n + 1 < ERROR_LINES_MAX) {
            cut = 0;
            for (size_t i = 1; i < len; i++)
                if (p[i] == ' ' && (int)pn_text_width_n(p, i) <= room)
                    cut = i;
            if (!cut)
                cut = len;
        }
        pn_argv_addf(out, "%s%.*s", indent, (int)cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
    pn_str_free(&line);
}

static void form_draw(pn_app *app, pn_modal *m, pn_canvas *c)
{
    formview *v = (formview *)m;
    pn_form *f = v->form;
    int label_w = 0;
    for (size_t i = 0; i < f->n; i++) {
        int w = (int)pn_text_width(f->fields[i].spec->label) + (f->fields[i].spec->required ? 1 : 0);
        if (w > label_w)
            label_w = w;
    }
    int w = 70 < app->cols - 2 ? 70 : app->cols - 2;
    int fx0 = 2 + 2 + (label_w > w / 3 ? w / 3 : label_w) + 2;
    int errors = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (!f->fields[i].error)
            continue;
        pn_argv el = PN_ARGV_INIT;
        error_lines(f->fields[i].error, w - 2 - fx0, &el);
        errors += (int)el.n;
        pn_argv_free(&el);
    }
    int h = (int)f->n + errors + 6;
    if (h > app->lines - 2)
        h = app->lines - 2;
    pn_rect r = {(app->lines - h) / 2, (app->cols - w) / 2, h, w};
    pn_draw_box(c, r, PN_ROLE_DIALOG, f->title);
    if (label_w > w / 3)
        label_w = w / 3;
    int fx = r.x + 2 + 2 + label_w + 2;
    int fw = r.x + r.w - 2 - fx;
    int y = r.y + 1;
    pn_str t = PN_STR_INIT;
    int cursor_y = -1, cursor_x = 0;
    for (size_t i = 0; i < f->n && y < r.y + r.h - 3; i++) {
        const pn_field *fd = &f->fields[i];
        bool focus = f->focus == i;
        pn_str_reset(&t);
        pn_str_appendf(&t, "%s%s", fd->spec->label, fd->spec->required ? "*" : "");
        pn_draw_text(c, y, r.x + 2, 2, PN_ROLE_FORM_LABEL, focus ? ">" : "");
        int lw = (int)pn_text_width(pn_str_cstr(&t));
        pn_draw_text(c, y, r.x + 4 + (label_w > lw ? label_w - lw : 0), label_w, PN_ROLE_FORM_LABEL,
                     pn_str_cstr(&t));
        pn_str_reset(&t);
        field_text(fd, &t);
        bool editable = fd->spec->type == PN_FIELD_TEXT || fd->spec->type == PN_FIELD_NUMBER ||
                        fd->spec->type == PN_FIELD_SECRET;
        pn_draw_text_pad(c, y, fx, editable ? fw : (int)pn_text_width(pn_str_cstr(&t)),
                         focus ? PN_ROLE_BUTTON_FOCUS : PN_ROLE_FORM_FIELD, pn_str_cstr(&t));
        if (focus && editable) {
            cursor_y = y;
            cursor_x = fx + (int)pn_lineedit_cursor_col(&fd->edit);
        }
        y++;
        if (fd->error) {
            pn_argv el = PN_ARGV_INIT;
            error_lines(fd->error, fw, &el);
            for (size_t k = 0; k < el.n && y < r.y + r.h - 3; k++, y++)
                pn_draw_text(c, y, fx, fw, PN_ROLE_FORM_ERROR, el.v[k]);
            pn_argv_free(&el);
        }
    }
    /* help of the focused field */
    if (f->focus < f->n && f->fields[f->focus].spec->help)
        pn_draw_text(c, r.y + r.h - 3, r.x + 2, r.w - 4, PN_ROLE_DIM, f->fields[f->focus].spec->help);
    int by = r.y + r.h - 2;
    int bx = r.x + r.w - 2 - 16;
    bool ok_focus = f->focus == f->n, cancel_focus = f->focus == f->n + 1;
    pn_draw_text(c, by, bx, 6, ok_focus ? PN_ROLE_BUTTON_FOCUS : PN_ROLE_BUTTON, ok_focus ? "<OK>" : "[OK]");
    pn_draw_text(c, by, bx + 6, 10, cancel_focus ? PN_ROLE_BUTTON_FOCUS : PN_ROLE_BUTTON,
                 cancel_focus ? "<Cancel>" : "[Cancel]");
    pn_str_free(&t);
    if (cursor_y >= 0)
        pn_draw_cursor(c, cursor_y, cursor_x, true);
}

static void form_free(pn_modal *m)
{
    free(m);
}

void pn_app_form(pn_app *app, pn_form *form, void (*done)(void *st, pn_form *form, bool submitted),
                 void *st)
{
    formview *v = pn_calloc(1, sizeof *v);
    v->base.mode = "modes.form";
    v->base.key = form_key;
    v->base.exec = form_exec;
    v->base.draw = form_draw;
    v->base.free = form_free;
    v->base.hint = "Tab/S-Tab field  Enter next/OK  Space toggle  Esc cancel";
    v->form = form;
    v->done = done;
    v->st = st;
    pn_app_push_modal(app, &v->base);
}
