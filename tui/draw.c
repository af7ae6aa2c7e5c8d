/* draw.c - the only path from screens to the terminal (see draw.h).
 *
 * Every string is sanitised (pn_utf8_sanitize) and measured in columns
 * (wcwidth); text that does not fit is cut with "…" ("~" without UTF-8).
 * Each cell written also records its role in a grid the size of the screen,
 * so dumps (dump.c) can show roles next to the text curses holds. The list
 * widget draws only the rows of the visible page. */
#include "app_internal.h"
#include "chart.h"
#include "term.h"
#include "util/mem.h"
#include "util/text.h"
#include "util/utf8.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static unsigned char *role_grid;
static int grid_lines, grid_cols;

void pn_draw_begin_frame(int lines, int cols)
{
    if (lines != grid_lines || cols != grid_cols || !role_grid) {
        free(role_grid);
        role_grid = pn_calloc((size_t)(lines > 0 ? lines : 1) * (size_t)(cols > 0 ? cols : 1), 1);
        grid_lines = lines;
        grid_cols = cols;
    } else {
        memset(role_grid, PN_ROLE_NORMAL, (size_t)lines * (size_t)cols);
    }
}

int pn_draw_role_at(int y, int x)
{
    if (!role_grid || y < 0 || x < 0 || y >= grid_lines || x >= grid_cols)
        return PN_ROLE_NORMAL;
    return role_grid[(size_t)y * (size_t)grid_cols + (size_t)x];
}

void pn_draw_free_roles(void)
{
    free(role_grid);
    role_grid = NULL;
    grid_lines = grid_cols = 0;
}

static void set_roles(int y, int x, int w, pn_role role)
{
    if (!role_grid || y < 0 || y >= grid_lines)
        return;
    for (int i = 0; i < w; i++)
        if (x + i >= 0 && x + i < grid_cols)
            role_grid[(size_t)y * (size_t)grid_cols + (size_t)(x + i)] = (unsigned char)role;
}

void pn_canvas_init(pn_canvas *c, pn_rect area)
{
    memset(c, 0, sizeof *c);
    c->area = area;
    c->unicode = pn_term_utf8();
}

bool pn_draw_unicode(const pn_canvas *c)
{
    return c->unicode;
}

void pn_draw_thousands(pn_str *out, size_t n)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%zu", n);
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            pn_str_appendc(out, ',');
        pn_str_appendc(out, digits[i]);
    }
}

static int cp_width(uint32_t cp)
{
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

/* Write one run of wide characters at absolute (y, x) in role. */
static void put_run(int y, int x, const wchar_t *w, int n, int cols, pn_role role)
{
    if (n <= 0)
        return;
    unsigned long attr;
    short pair;
    pn_term_role_style(role, &attr, &pair);
    attr_set((attr_t)attr, pair, NULL);
    mvaddnwstr(y, x, w, n);
    attr_set(A_NORMAL, 0, NULL);
    set_roles(y, x, cols, role);
}

/* Fit text into at most maxw columns at absolute (y, x); returns columns
 * used. pad fills the rest with blanks. */
static int put_text(const pn_canvas *c, int y, int x, int maxw, pn_role role, const char *text,
                    bool pad)
{
    if (maxw <= 0)
        return 0;
    pn_str clean = PN_STR_INIT;
    if (text)
        pn_utf8_sanitize(&clean, text, strlen(text), 0);
    const char *s = pn_str_cstr(&clean);
    size_t len = clean.len;
    wchar_t *buf = pn_malloc(sizeof(wchar_t) * (len + (size_t)maxw + 2));
    int n = 0, used = 0;
    /* Does the whole text fit? */
    int total = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += pn_utf8_decode(s + i, len - i, &cp, NULL);
        if (!c->unicode && cp >= 0x80)
            cp = '?';
        total += cp_width(cp);
    }
    int room = total <= maxw ? maxw : maxw - 1;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += pn_utf8_decode(s + i, len - i, &cp, NULL);
        if (!c->unicode && cp >= 0x80)
            cp = '?';
        int w = cp_width(cp);
        if (used + w > room)
            break;
        if (w == 0 && n == 0)
            continue;                       /* a combining mark with nothing to sit on */
        buf[n++] = (wchar_t)cp;
        used += w;
    }
    if (total > maxw) {
        buf[n++] = c->unicode ? L'\u2026' : L'~';
        used++;
    }
    if (pad)
        while (used < maxw) {
            buf[n++] = L' ';
            used++;
        }
    put_run(y, x, buf, n, used, role);
    free(buf);
    pn_str_free(&clean);
    return used;
}

/* Clip a relative span to the canvas; false if nothing is left. */
static bool clip(const pn_canvas *c, int y, int *x, int *w)
{
    if (y < 0 || y >= c->area.h)
        return false;
    if (*w < 0 || *x + *w > c->area.w)
        *w = c->area.w - *x;
    if (*x < 0) {
        *w += *x;
        *x = 0;
    }
    return *w > 0;
}

int pn_draw_text(pn_canvas *c, int y, int x, int w, pn_role role, const char *text)
{
    if (!clip(c, y, &x, &w))
        return 0;
    return put_text(c, c->area.y + y, c->area.x + x, w, role, text, false);
}

void pn_draw_text_pad(pn_canvas *c, int y, int x, int w, pn_role role, const char *text)
{
    if (!clip(c, y, &x, &w))
        return;
    put_text(c, c->area.y + y, c->area.x + x, w, role, text, true);
}

void pn_draw_fill(pn_canvas *c, pn_rect r, pn_role role)
{
    for (int y = r.y; y < r.y + r.h; y++)
        pn_draw_text_pad(c, y, r.x, r.w, role, "");
}

static void repeat_char(pn_canvas *c, int y, int x, int w, pn_role role, wchar_t ch)
{
    if (!clip(c, y, &x, &w))
        return;
    wchar_t *buf = pn_malloc(sizeof(wchar_t) * (size_t)w);
    for (int i = 0; i < w; i++)
        buf[i] = ch;
    put_run(c->area.y + y, c->area.x + x, buf, w, w, role);
    free(buf);
}

void pn_draw_hline(pn_canvas *c, int y, int x, int w, pn_role role)
{
    repeat_char(c, y, x, w, role, c->unicode ? L'\u2500' : L'-');
}

void pn_draw_box(pn_canvas *c, pn_rect r, pn_role role, const char *title)
{
    if (r.w < 2 || r.h < 2)
        return;
    bool u = c->unicode;
    wchar_t h = u ? L'\u2500' : L'-', v = u ? L'\u2502' : L'|';
    wchar_t tl = u ? L'\u250c' : L'+', tr = u ? L'\u2510' : L'+';
    wchar_t bl = u ? L'\u2514' : L'+', br = u ? L'\u2518' : L'+';
    pn_draw_fill(c, (pn_rect){r.y + 1, r.x + 1, r.h - 2, r.w - 2}, role);
    repeat_char(c, r.y, r.x, 1, role, tl);
    repeat_char(c, r.y, r.x + 1, r.w - 2, role, h);
    repeat_char(c, r.y, r.x + r.w - 1, 1, role, tr);
    for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
        repeat_char(c, y, r.x, 1, role, v);
        repeat_char(c, y, r.x + r.w - 1, 1, role, v);
    }
    repeat_char(c, r.y + r.h - 1, r.x, 1, role, bl);
    repeat_char(c, r.y + r.h - 1, r.x + 1, r.w - 2, role, h);
    repeat_char(c, r.y + r.h - 1, r.x + r.w - 1, 1, role, br);
    if (title && *title && r.w > 6) {
        pn_str t = PN_STR_INIT;
        pn_str_appendf(&t, " %s ", title);
        pn_draw_text(c, r.y, r.x + 2, r.w - 4,
                     role == PN_ROLE_DANGER ? PN_ROLE_DANGER : PN_ROLE_DIALOG_TITLE, pn_str_cstr(&t));
        pn_str_free(&t);
    }
}

void pn_draw_cursor(pn_canvas *c, int y, int x, bool show)
{
    if (show && y >= 0 && y < c->area.h && x >= 0 && x < c->area.w) {
        leaveok(stdscr, FALSE);
        move(c->area.y + y, c->area.x + x);
        curs_set(1);
    } else {
        leaveok(stdscr, TRUE);
        curs_set(0);
    }
}

/* ---- the list widget --------------------------------------------------------- */

/* pn_text_fit cuts with U+2026; without UTF-8 that becomes '~'. */
static void fit_ascii(pn_str *s)
{
    const char *e = "\xe2\x80\xa6";
    char *p = s->s ? strstr(s->s, e) : NULL;
    if (p) {
        *p = '~';
        memmove(p + 1, p + 3, strlen(p + 3) + 1);
        s->len -= 2;
    }
}

static int row_role(pn_listmodel *m, size_t idx, size_t row)
{
    bool cursor = idx == m->cursor;
    bool marked = pn_listmodel_is_marked(m, row);
    if (cursor && marked)
        return PN_ROLE_ROW_CURSOR_MARKED;
    if (cursor)
        return PN_ROLE_ROW_CURSOR;
    if (marked)
        return PN_ROLE_ROW_MARKED;
    if (m->src->role) {
        int r = m->src->role(m->src->ctx, row);
        if (r >= 0 && r < PN_ROLE_COUNT)
            return r;
    }
    return PN_ROLE_ROW;
}

/* Draw one cell (text aligned in w columns). */
static void draw_cell(pn_canvas *c, int y, int x, int w, pn_role role, const char *text,
                      pn_align align)
{
    if (w <= 0)
        return;
    if (align == PN_ALIGN_RIGHT) {
        pn_str clean = PN_STR_INIT;
        pn_utf8_sanitize(&clean, text, strlen(text), 0);
        int tw = (int)pn_text_width(pn_str_cstr(&clean));
        pn_str_free(&clean);
        if (tw < w) {
            pn_draw_text_pad(c, y, x, w - tw, role, "");
            pn_draw_text_pad(c, y, x + w - tw, tw, role, text);
            return;
        }
    }
    pn_draw_text_pad(c, y, x, w, role, text);
}

static void draw_footer(pn_canvas *c, pn_rect r, pn_listmodel *m)
{
    const char *sep = c->unicode ? " \u00b7 " : " | ";
    size_t shown = m->n_order, total = m->total, hidden = pn_listmodel_hidden(m);
    size_t marked = pn_listmodel_mark_count(m);
    /* Pieces, most important first; dropped from the end when narrow. */
    pn_str rows = PN_STR_INIT, hid = PN_STR_INIT, mk = PN_STR_INIT, pos = PN_STR_INIT;
    if (shown == total) {
        pn_draw_thousands(&rows, total);
        pn_str_append(&rows, total == 1 ? " row" : " rows");
    } else {
        pn_draw_thousands(&rows, shown);
        pn_str_append(&rows, " of ");
        pn_draw_thousands(&rows, total);
        pn_str_append(&rows, " rows");
    }
    if (hidden) {
        pn_draw_thousands(&hid, hidden);
        pn_str_append(&hid, " hidden by filter");
    }
    if (marked) {
        pn_draw_thousands(&mk, marked);
        pn_str_append(&mk, " marked");
    }
    if (shown) {
        pn_draw_thousands(&pos, m->cursor + 1);
        pn_str_appendc(&pos, '/');
        pn_draw_thousands(&pos, shown);
    }
    const char *ft = c->filter_text && *c->filter_text ? c->filter_text : NULL;
    int posw = (int)pos.len + 1;
    int avail = r.w - posw;
    pn_draw_fill(c, (pn_rect){r.y, r.x, 1, r.w}, PN_ROLE_STATUS);
    int x = r.x;
    const pn_str *parts[] = {&rows, &mk, &hid};
    for (size_t i = 0; i < 3; i++) {
        if (!parts[i]->len)
            continue;
        int need = (int)pn_text_width(pn_str_cstr(parts[i])) + (x > r.x ? 3 : 0);
        if (x - r.x + need > avail)
            break;
        if (x > r.x)
            x += pn_draw_text(c, r.y, x, 3, PN_ROLE_STATUS, sep);
        x += pn_draw_text(c, r.y, x, avail - (x - r.x), i == 1 ? PN_ROLE_MARKER : PN_ROLE_STATUS,
                          pn_str_cstr(parts[i]));
    }
    if (ft && avail - (x - r.x) > 12) {
        if (x > r.x)
            x += pn_draw_text(c, r.y, x, 3, PN_ROLE_STATUS, sep);
        x += pn_draw_text(c, r.y, x, -1, PN_ROLE_STATUS, "filter: ");
        pn_draw_text(c, r.y, x, avail - (x - r.x), PN_ROLE_FILTER, ft);
    }
    if (pos.len && r.w > posw + 10)
        pn_draw_text(c, r.y, r.x + r.w - (int)pos.len, (int)pos.len, PN_ROLE_STATUS, pn_str_cstr(&pos));
    pn_str_free(&rows);
    pn_str_free(&hid);
    pn_str_free(&mk);
    pn_str_free(&pos);
}

void pn_draw_list(pn_canvas *c, pn_rect r, pn_listmodel *m)
{
    if (r.h <= 0 || r.w <= 0 || !m || !m->src)
        return;
    pn_draw_fill(c, r, PN_ROLE_NORMAL);
    if (r.h < 3) {
        draw_footer(c, (pn_rect){r.y, r.x, 1, r.w}, m);
        return;
    }
    size_t page = (size_t)(r.h - 2);
    pn_listmodel_set_page(m, page);
    /* Horizontal scroll: hide the first hscroll visible columns for layout. */
    int nvis = 0;
    for (int i = 0; i < m->ncols; i++)
        nvis += m->col_visible[i] ? 1 : 0;
    int skip = c->hscroll < nvis ? c->hscroll : (nvis > 0 ? nvis - 1 : 0);
    bool *saved = pn_malloc(sizeof(bool) * (size_t)(m->ncols > 0 ? m->ncols : 1));
    int *widths = pn_calloc((size_t)(m->ncols > 0 ? m->ncols : 1), sizeof(int));
    memcpy(saved, m->col_visible, sizeof(bool) * (size_t)m->ncols);
    for (int i = 0, k = 0; i < m->ncols && k < skip; i++)
        if (m->col_visible[i]) {
            m->col_visible[i] = false;
            k++;
        }
    const int marker_w = 2;
    pn_listmodel_layout(m, r.w - marker_w, widths);
    memcpy(m->col_visible, saved, sizeof(bool) * (size_t)m->ncols);
    free(saved);

    /* Header */
    pn_draw_fill(c, (pn_rect){r.y, r.x, 1, r.w}, PN_ROLE_HEADER);
    pn_draw_text(c, r.y, r.x, marker_w, PN_ROLE_HEADER, skip > 0 ? (c->unicode ? "\u2039" : "<") : "");
    int x = r.x + marker_w;
    pn_str h = PN_STR_INIT;
    for (int i = 0; i < m->ncols; i++) {
        if (widths[i] <= 0)
            continue;
        pn_str_reset(&h);
        if (i == m->sort_col && widths[i] > 1) {
            /* the indicator always shows: the header gives way */
            pn_text_fit(&h, m->cols[i].header, (size_t)widths[i] - 1, false);
            if (!c->unicode)
                fit_ascii(&h);
            pn_str_append(&h, m->sort_reverse ? (c->unicode ? "\u25bc" : "v")
                                              : (c->unicode ? "\u25b2" : "^"));
        } else {
            pn_str_append(&h, m->cols[i].header);
        }
        draw_cell(c, r.y, x, widths[i], PN_ROLE_HEADER, pn_str_cstr(&h), m->cols[i].align);
        x += widths[i] + 1;
    }
    pn_str_free(&h);

    /* Rows of the visible page only. */
    pn_str buf = PN_STR_INIT;
    if (m->n_order == 0) {
        const char *msg = m->total ? "no rows match the filter" : "no rows";
        int mw = (int)strlen(msg);
        pn_draw_text(c, r.y + 1 + (int)(page / 2 > 0 ? page / 2 - (page > 2) : 0),
                     r.x + (r.w > mw ? (r.w - mw) / 2 : 0), -1, PN_ROLE_DIM, msg);
    }
    for (size_t i = 0; i < page; i++) {
        size_t idx = m->top + i;
        if (idx >= m->n_order)
            break;
        size_t row = m->order[idx];
        int role = row_role(m, idx, row);
        int y = r.y + 1 + (int)i;
        bool marked = pn_listmodel_is_marked(m, row);
        bool cursor_row = idx == m->cursor;
        pn_draw_fill(c, (pn_rect){y, r.x, 1, r.w}, (pn_role)role);
        pn_draw_text_pad(c, y, r.x, marker_w,
                         cursor_row || !marked ? (pn_role)role : PN_ROLE_MARKER,
                         marked ? "*" : (cursor_row ? (c->unicode ? "\u203a" : ">") : ""));
        x = r.x + marker_w;
        for (int col = 0; col < m->ncols; col++) {
            if (widths[col] <= 0)
                continue;
            pn_str_reset(&buf);
            const char *t = m->src->cell(m->src->ctx, row, col, &buf);
            draw_cell(c, y, x, widths[col], (pn_role)role, t ? t : "", m->cols[col].align);
            x += widths[col] + 1;
        }
    }
    pn_str_free(&buf);
    free(widths);
    draw_footer(c, (pn_rect){r.y + r.h - 1, r.x, 1, r.w}, m);
}

void pn_draw_sparkline(pn_canvas *c, int y, int x, int w, pn_role role, const double *values,
                       size_t n)
{
    if (w <= 0)
        return;
    pn_str s = PN_STR_INIT;
    pn_sparkline(&s, values, n, (size_t)w, c->unicode ? PN_CHART_BRAILLE : PN_CHART_ASCII);
    pn_draw_text(c, y, x, w, role, pn_str_cstr(&s));
    pn_str_free(&s);
}
