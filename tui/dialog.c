/* dialog.c - boxes over the screen: the confirmation dialog (Cancel focused,
 * the count stated, typed confirmation at or above a threshold), the error
 * box, the scrollable text view (show_text, help, :keys, reports) and the
 * column chooser. Each is a modal (app_internal.h): it takes the keys while
 * open, and the loop draws it over the screen. */
#include "app_internal.h"
#include "util/mem.h"
#include "util/text.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* A box centred on the screen, clamped to it. */
static pn_rect centred(const pn_app *app, int w, int h)
{
    if (w > app->cols - 2)
        w = app->cols - 2;
    if (h > app->lines - 2)
        h = app->lines - 2;
    return (pn_rect){(app->lines - h) / 2, (app->cols - w) / 2, h, w};
}

/* Where continuation lines of a wrapped line start: under the last column
 * of a table-like line (the text after its last run of two blanks), else
 * under its first word; bytes and columns are the same here (ASCII blanks
 * before it are what is counted, wide text before it only makes it wider). */
static int hanging_indent(const char *p, size_t len, int width)
{
    int lead = 0;
    while ((size_t)lead < len && p[lead] == ' ')
        lead++;
    int hang = lead;
    for (size_t i = (size_t)lead; i + 2 < len; i++) {
        if (p[i] == ' ' && p[i + 1] == ' ' && p[i + 2] != ' ')
            hang = (int)pn_text_width_n(p, i + 2);
    }
    return hang > width / 2 ? lead : hang;
}

/* Split text into lines of at most width columns, breaking at blanks
 * where possible, continuation lines indented (hanging_indent); roles
 * follow their source line. */
static void wrap_text(const char *text, int width, const int *roles, size_t n_roles,
                      pn_argv *out, int **out_roles)
{
    size_t cap = 16, n = 0;
    int *r = pn_malloc(cap * sizeof *r);
    pn_str clean = PN_STR_INIT;
    pn_utf8_sanitize(&clean, text, strlen(text), PN_SAN_KEEP_NEWLINE);
    while (clean.len && clean.s[clean.len - 1] == '\n')
        pn_str_truncate(&clean, clean.len - 1);
    const char *p = pn_str_cstr(&clean);
    size_t src_line = 0;
    if (width < 4)
        width = 4;
    while (1) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        int role = src_line < n_roles && roles ? roles[src_line] : -1;
        int hang = hanging_indent(p, len, width);
        size_t start = 0;
        do {
            /* take as many code points as fit */
            size_t i = start, last_blank = 0;
            int indent = start > 0 ? hang : 0;
            int used = indent;
            while (i < len) {
                uint32_t cp;
                size_t k = pn_utf8_decode(p + i, len - i, &cp, NULL);
                int w = wcwidth((wchar_t)cp);
                if (w < 0)
                    w = 1;
                if (used + w > width)
                    break;
                if (cp == ' ')
                    last_blank = i;
                used += w;
                i += k;
            }
            size_t end = i;
            if (i < len && last_blank > start)
                end = last_blank;
            pn_argv_addf(out, "%*s%.*s", indent, "", (int)(end - start), p + start);
            if (n == cap) {
                cap *= 2;
                r = pn_realloc(r, cap * sizeof *r);
            }
            r[n++] = role;
            start = end;
            while (start < len && p[start] == ' ' && end != i)
                start++;
        } while (start < len);
        src_line++;
        if (!nl)
            break;
        p = nl + 1;
    }
    pn_str_free(&clean);
    *out_roles = r;
}

/* ---- text view (pager) and error box ------------------------------------------------ */

typedef struct pager {
    pn_modal base;
    char *title;
    char *text;
    int *roles;
    size_t n_roles;
    bool error;                /* error box: any key closes */
    /* wrapped lines for the current width */
    pn_argv lines;
    int *line_roles;
    int wrapped_width;
    long top;
    int page;
} pager;

static void pager_wrap(pager *p, int width)
{
    if (p->wrapped_width == width)
        return;
    pn_argv_free(&p->lines);
    free(p->line_roles);
    p->line_roles = NULL;
    wrap_text(p->text, width, p->roles, p->n_roles, &p->lines, &p->line_roles);
    p->wrapped_width = width;
}

static void pager_draw(pn_app *app, pn_modal *m, pn_canvas *c)
{
    pager *p = (pager *)m;
    int w = p->error ? 72 : app->cols - 4;
    if (w < 20)
        w = app->cols - 2;
    pager_wrap(p, w - 4);
    int want = (int)p->lines.n + 4;
    int h = p->error ? want : app->lines - 4;
    if (h > app->lines - 4)
        h = app->lines - 4;
    pn_rect r = centred(app, w, h);
    pn_draw_box(c, r, p->error ? PN_ROLE_DANGER : PN_ROLE_DIALOG, p->title);
    if (p->error) {
        pn_draw_fill(c, (pn_rect){r.y + 1, r.x + 1, r.h - 2, r.w - 2}, PN_ROLE_DIALOG);
    }
    p->page = r.h - 3;
    if (p->page < 1)
        p->page = 1;
    long max_top = (long)p->lines.n - p->page;
    if (max_top < 0)
        max_top = 0;
    if (p->top > max_top)
        p->top = max_top;
    if (p->top < 0)
        p->top = 0;
    for (int i = 0; i < p->page && p->top + i < (long)p->lines.n; i++) {
        int role = p->line_roles[p->top + i];
        pn_draw_text(c, r.y + 1 + i, r.x + 2, r.w - 4, role >= 0 ? (pn_role)role : PN_ROLE_DIALOG,
                     p->lines.v[p->top + i]);
    }
    pn_str foot = PN_STR_INIT;
    if (p->error) {
        pn_str_append(&foot, "any key closes");
    } else {
        long last = p->top + p->page < (long)p->lines.n ? p->top + p->page : (long)p->lines.n;
        pn_str_appendf(&foot, "%ld-%ld of %zu  q closes", p->lines.n ? p->top + 1 : 0, last,
                       p->lines.n);
    }
    int fw = (int)pn_text_width(pn_str_cstr(&foot));
    pn_draw_text(c, r.y + r.h - 2, r.x + r.w - 2 - fw, fw, PN_ROLE_DIM, pn_str_cstr(&foot));
    pn_str_free(&foot);
}

static int pager_key(pn_app *app, pn_modal *m, pn_key k)
{
    pager *p = (pager *)m;
    if (p->error) {
        pn_app_pop_modal(app);
        return PN_DIRTY_DRAW;
    }
    long page = p->page > 1 ? p->page - 1 : 1;
    switch (k) {
    case PN_KEY_UP: case 'k': p->top--; break;
    case PN_KEY_DOWN: case 'j': case PN_KEY_ENTER: p->top++; break;
    case PN_KEY_PGUP: case 'b': p->top -= page; break;
    case PN_KEY_PGDN: case ' ': p->top += page; break;
    case PN_KEY_HOME: case 'g': p->top = 0; break;
    case PN_KEY_END: case 'G': p->top = (long)p->lines.n; break;
    case 'q': case PN_KEY_ESC: case PN_KEY_CTRL('c'):
        pn_app_pop_modal(app);
        break;
    default: break;
    }
    return PN_DIRTY_DRAW;
}

static int pager_exec(pn_app *app, pn_modal *m, const char *command)
{
    pager *p = (pager *)m;
    if (p->error || !strcmp(command, "dialog-accept") || !strcmp(command, "dialog-cancel"))
        pn_app_pop_modal(app);
    return PN_DIRTY_DRAW;
}

static void pager_free(pn_modal *m)
{
    pager *p = (pager *)m;
    free(p->title);
    free(p->text);
    free(p->roles);
    pn_argv_free(&p->lines);
    free(p->line_roles);
    free(p);
}

static pager *pager_new(const char *title, const char *text)
{
    pager *p = pn_calloc(1, sizeof *p);
    p->base.draw = pager_draw;
    p->base.key = pager_key;
    p->base.exec = pager_exec;
    p->base.free = pager_free;
    p->base.hint = "j/k scroll  Space/b page  g/G top/end  q close";
    p->title = pn_strdup(title ? title : "");
    p->text = pn_strdup(text ? text : "");
    p->wrapped_width = -1;
    return p;
}

void pn_pager_open(pn_app *app, const char *title, const char *text, const int *line_roles,
                   size_t n_roles)
{
    pager *p = pager_new(title, text);
    if (line_roles && n_roles) {
        p->roles = pn_malloc(n_roles * sizeof(int));
        memcpy(p->roles, line_roles, n_roles * sizeof(int));
        p->n_roles = n_roles;
    }
    pn_app_push_modal(app, &p->base);
}

void pn_app_show_text(pn_app *app, const char *title, const char *text)
{
    pn_pager_open(app, title, text, NULL, 0);
}

void pn_app_error(pn_app *app, const char *title, const char *message)
{
    pager *p = pager_new(title, message);
    p->error = true;
    p->base.mode = "modes.dialog";
    p->base.hint = "any key closes";
    pn_app_push_modal(app, &p->base);
}

/* ---- confirmation ----------------------------------------------------------------------- */

enum { FOCUS_FIELD, FOCUS_CANCEL, FOCUS_YES };

typedef struct confirm {
    pn_modal base;
    char *title, *message, *yes_label, *expect;
    size_t count;
    bool dangerous, typed;
    pn_lineedit edit;
    int focus;
    char *note;
    void (*done)(void *st, bool yes);
    void *st;
} confirm;

static bool typed_ok(const confirm *d)
{
    return !d->typed || !strcmp(pn_str_cstr(&d->edit.text), d->expect);
}

static void confirm_set_focus(confirm *d, int focus)
{
    d->focus = focus;
    /* While typing, the dialog's key bindings stay out of the way. */
    d->base.mode = focus == FOCUS_FIELD ? NULL : "modes.dialog";
}

static void confirm_finish(pn_app *app, confirm *d, bool yes)
{
    void (*done)(void *, bool) = d->done;
    void *st = d->st;
    pn_app_pop_modal(app);
    if (done)
        done(st, yes);
}

static void confirm_accept(pn_app *app, confirm *d)
{
    if (d->focus == FOCUS_CANCEL) {
        confirm_finish(app, d, false);
        return;
    }
    if (!typed_ok(d)) {
        free(d->note);
        d->note = pn_sprintf("type %s exactly to confirm", d->expect);
        return;
    }
    confirm_finish(app, d, true);
}

static void confirm_move(confirm *d, int dir)
{
    int first = d->typed ? FOCUS_FIELD : FOCUS_CANCEL;
    int n = FOCUS_YES - first + 1;
    int f = (d->focus - first + dir + n) % n + first;
    confirm_set_focus(d, f);
}

static int confirm_exec(pn_app *app, pn_modal *m, const char *command)
{
    confirm *d = (confirm *)m;
    if (!strcmp(command, "dialog-accept"))
        confirm_accept(app, d);
    else if (!strcmp(command, "dialog-cancel"))
        confirm_finish(app, d, false);
    else if (!strcmp(command, "next-button"))
        confirm_move(d, +1);
    else if (!strcmp(command, "prev-button"))
        confirm_move(d, -1);
    return PN_DIRTY_DRAW;
}

static int confirm_key(pn_app *app, pn_modal *m, pn_key k)
{
    confirm *d = (confirm *)m;
    switch (k) {
    case PN_KEY_ENTER:
        confirm_accept(app, d);
        return PN_DIRTY_DRAW;
    case PN_KEY_ESC:
    case PN_KEY_CTRL('c'):
    case PN_KEY_CTRL('g'):
        confirm_finish(app, d, false);
        return PN_DIRTY_DRAW;
    case PN_KEY_TAB:
        confirm_move(d, +1);
        return PN_DIRTY_DRAW;
    case PN_KEY_BTAB:
        confirm_move(d, -1);
        return PN_DIRTY_DRAW;
    default:
        break;
    }
    if (d->focus == FOCUS_FIELD) {
        pn_le_result r = pn_lineedit_key(&d->edit, k);
        if (r == PN_LE_ACCEPT)
            confirm_accept(app, d);
        else if (r == PN_LE_CANCEL)
            confirm_finish(app, d, false);
        else {
            free(d->note);
            d->note = NULL;
        }
        return PN_DIRTY_DRAW;
    }
    if (k == PN_KEY_LEFT || k == PN_KEY_RIGHT || k == 'h' || k == 'l')
        confirm_move(d, k == PN_KEY_LEFT || k == 'h' ? -1 : +1);
    return PN_DIRTY_DRAW;
}

static void draw_button(pn_canvas *c, int y, int x, const char *label, bool focus, bool enabled)
{
    pn_str b = PN_STR_INIT;
    pn_str_appendf(&b, focus ? "<%s>" : "[%s]", label);
    pn_draw_text(c, y, x, -1, focus ? PN_ROLE_BUTTON_FOCUS : (enabled ? PN_ROLE_BUTTON : PN_ROLE_DIM),
                 pn_str_cstr(&b));
    pn_str_free(&b);
}

static void confirm_draw(pn_app *app, pn_modal *m, pn_canvas *c)
{
    confirm *d = (confirm *)m;
    int w = 64;
    if (w > app->cols - 2)
        w = app->cols - 2;
    pn_argv lines = PN_ARGV_INIT;
    int *roles = NULL;
    wrap_text(d->message, w - 4, NULL, 0, &lines, &roles);
    free(roles);
    int h = (int)lines.n + 5 + (d->typed ? 3 : 0);
    pn_rect r = centred(app, w, h);
    pn_role frame = d->dangerous ? PN_ROLE_DANGER : PN_ROLE_DIALOG;
    pn_draw_box(c, r, frame, d->title);
    pn_draw_fill(c, (pn_rect){r.y + 1, r.x + 1, r.h - 2, r.w - 2}, PN_ROLE_DIALOG);
    int y = r.y + 2;
    for (size_t i = 0; i < lines.n && y < r.y + r.h - 2; i++, y++)
        pn_draw_text(c, y, r.x + 2, r.w - 4, PN_ROLE_DIALOG, lines.v[i]);
    pn_argv_free(&lines);
    if (d->typed) {
        pn_str t = PN_STR_INIT;
        pn_str_appendf(&t, "Type %s to confirm:", d->expect);
        pn_draw_text(c, y + 1, r.x + 2, r.w - 4, PN_ROLE_DIALOG, pn_str_cstr(&t));
        pn_str_free(&t);
        int fw = r.w - 4;
        pn_draw_text_pad(c, y + 2, r.x + 2, fw, PN_ROLE_FORM_FIELD, pn_str_cstr(&d->edit.text));
        if (d->focus == FOCUS_FIELD)
            pn_draw_cursor(c, y + 2, r.x + 2 + (int)pn_lineedit_cursor_col(&d->edit), true);
        y += 3;
    }
    if (d->note)
        pn_draw_text(c, r.y + r.h - 2, r.x + 2, r.w - 4, PN_ROLE_FORM_ERROR, d->note);
    pn_str yes = PN_STR_INIT;
    pn_str_append(&yes, d->yes_label);
    int bw = (int)pn_text_width(d->yes_label) + 2 + 8 + 2;
    int bx = r.x + r.w - 2 - bw;
    int by = r.y + r.h - 2;
    if (d->note)
        by = r.y + r.h - 3 > y ? r.y + r.h - 3 : by;
    draw_button(c, by, bx, "Cancel", d->focus == FOCUS_CANCEL, true);
    draw_button(c, by, bx + 10, pn_str_cstr(&yes), d->focus == FOCUS_YES, typed_ok(d));
    pn_str_free(&yes);
}

static void confirm_free(pn_modal *m)
{
    confirm *d = (confirm *)m;
    free(d->title);
    free(d->message);
    free(d->yes_label);
    free(d->expect);
    free(d->note);
    pn_lineedit_free(&d->edit);
    free(d);
}

void pn_app_confirm(pn_app *app, const pn_confirm *spec, void (*done)(void *st, bool yes), void *st)
{
    confirm *d = pn_calloc(1, sizeof *d);
    d->base.draw = confirm_draw;
    d->base.key = confirm_key;
    d->base.exec = confirm_exec;
    d->base.free = confirm_free;
    d->title = pn_strdup(spec->title ? spec->title : "Confirm");
    d->message = pn_strdup(spec->message ? spec->message : "");
    d->yes_label = pn_strdup(spec->yes_label ? spec->yes_label : "Yes");
    d->count = spec->count;
    d->dangerous = spec->dangerous;
    size_t threshold = spec->typed_threshold ? spec->typed_threshold : 100;
    d->typed = spec->dangerous && spec->count >= threshold;
    d->expect = pn_sprintf("%s %zu", spec->typed_word ? spec->typed_word : "YES", spec->count);
    pn_lineedit_init(&d->edit, "", NULL);
    d->done = done;
    d->st = st;
    confirm_set_focus(d, d->typed ? FOCUS_FIELD : FOCUS_CANCEL);
    d->base.hint = d->typed ? "type the words shown  Tab buttons  Enter confirm  Esc cancel"
                            : "Tab/Left/Right choose  Enter confirm  Esc cancel";
    pn_app_push_modal(app, &d->base);
}

/* ---- column chooser --------------------------------------------------------------------- */

typedef struct chooser {
    pn_modal base;
    pn_listmodel *m;
    int cursor;
} chooser;

static int visible_count(const pn_listmodel *m)
{
    int n = 0;
    for (int i = 0; i < m->ncols; i++)
        n += m->col_visible[i] ? 1 : 0;
    return n;
}

static int chooser_key(pn_app *app, pn_modal *mo, pn_key k)
{
    chooser *ch = (chooser *)mo;
    pn_listmodel *m = ch->m;
    switch (k) {
    case PN_KEY_UP: case 'k':
        if (ch->cursor > 0)
            ch->cursor--;
        break;
    case PN_KEY_DOWN: case 'j':
        if (ch->cursor < m->ncols - 1)
            ch->cursor++;
        break;
    case ' ':
        if (m->col_visible[ch->cursor] && visible_count(m) == 1) {
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "columns: at least one column stays visible");
        } else {
            m->col_visible[ch->cursor] = !m->col_visible[ch->cursor];
            app->relayout = true;
        }
        break;
    case PN_KEY_ENTER: case PN_KEY_ESC: case 'q':
        pn_app_pop_modal(app);
        break;
    default:
        break;
    }
    return PN_DIRTY_DRAW;
}

static int chooser_exec(pn_app *app, pn_modal *mo, const char *command)
{
    if (!strcmp(command, "dialog-accept") || !strcmp(command, "dialog-cancel"))
        pn_app_pop_modal(app);
    else if (!strcmp(command, "next-button"))
        chooser_key(app, mo, PN_KEY_DOWN);
    else if (!strcmp(command, "prev-button"))
        chooser_key(app, mo, PN_KEY_UP);
    return PN_DIRTY_DRAW;
}

static void chooser_draw(pn_app *app, pn_modal *mo, pn_canvas *c)
{
    chooser *ch = (chooser *)mo;
    pn_listmodel *m = ch->m;
    pn_rect r = centred(app, 40, m->ncols + 4);
    pn_draw_box(c, r, PN_ROLE_DIALOG, "Columns");
    pn_str t = PN_STR_INIT;
    for (int i = 0; i < m->ncols && i < r.h - 3; i++) {
        pn_str_reset(&t);
        pn_str_appendf(&t, "[%c] %-10s %s", m->col_visible[i] ? 'x' : ' ', m->cols[i].id,
                       m->cols[i].header);
        pn_draw_text_pad(c, r.y + 1 + i, r.x + 2, r.w - 4,
                         i == ch->cursor ? PN_ROLE_ROW_CURSOR : PN_ROLE_DIALOG, pn_str_cstr(&t));
    }
    pn_str_free(&t);
    pn_draw_text(c, r.y + r.h - 2, r.x + 2, r.w - 4, PN_ROLE_DIM, "Space toggles  Enter closes");
}

static void chooser_free(pn_modal *m)
{
    free(m);
}

void pn_dialog_columns(pn_app *app, pn_listmodel *m)
{
    chooser *ch = pn_calloc(1, sizeof *ch);
    ch->base.draw = chooser_draw;
    ch->base.key = chooser_key;
    ch->base.exec = chooser_exec;
    ch->base.free = chooser_free;
    ch->base.hint = "j/k move  Space show/hide  Enter close";
    ch->m = m;
    pn_app_push_modal(app, &ch->base);
}
