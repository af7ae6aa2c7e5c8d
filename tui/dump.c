/* dump.c - `:dump-screen NAME`: the screen as text, read back from curses
 * with the wide-character API (so the dump is exactly what curses holds),
 * then the role of every cell, one character per cell. Tests compare these
 * files with the goldens in tests/golden/; a user can dump a screen to
 * paste it into a report.
 *
 * File $POSTERN_TUI_DUMP_DIR/NAME.screen:
 *   LINES lines of text, trailing blanks removed;
 *   the line "~~ roles";
 *   LINES lines of role characters, trailing "normal" cells removed.
 * Legend (also in tests/golden/README.md): see role_chars below. */
#include "app_internal.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const struct {
    pn_role role;
    char c;
} role_chars[] = {
    {PN_ROLE_NORMAL, ' '},        {PN_ROLE_TITLE, 'T'},         {PN_ROLE_TITLE_BADGE, 'B'},
    {PN_ROLE_TAB, 't'},           {PN_ROLE_TAB_ACTIVE, 'A'},    {PN_ROLE_TAB_DISABLED, 'd'},
    {PN_ROLE_HEADER, 'H'},        {PN_ROLE_ROW, 'r'},           {PN_ROLE_ROW_CURSOR, 'C'},
    {PN_ROLE_ROW_MARKED, 'm'},    {PN_ROLE_ROW_CURSOR_MARKED, 'M'},
    {PN_ROLE_ROW_DEFERRED, 'f'},  {PN_ROLE_ROW_HOLD, 'h'},      {PN_ROLE_ROW_ACTIVE, 'a'},
    {PN_ROLE_ROW_ERROR, 'e'},     {PN_ROLE_MARKER, '*'},        {PN_ROLE_STATUS, 's'},
    {PN_ROLE_STATUS_OK, 'o'},     {PN_ROLE_STATUS_WARN, 'w'},   {PN_ROLE_STATUS_ERROR, 'E'},
    {PN_ROLE_HINT_KEY, 'K'},      {PN_ROLE_HINT_TEXT, 'k'},     {PN_ROLE_HINT_DISABLED, 'x'},
    {PN_ROLE_PROMPT, 'P'},        {PN_ROLE_FILTER, 'F'},        {PN_ROLE_SEARCH_HIT, 'S'},
    {PN_ROLE_DIALOG, 'D'},        {PN_ROLE_DIALOG_TITLE, 'G'},  {PN_ROLE_BUTTON, 'b'},
    {PN_ROLE_BUTTON_FOCUS, 'U'},  {PN_ROLE_DANGER, '!'},        {PN_ROLE_FORM_LABEL, 'l'},
    {PN_ROLE_FORM_FIELD, 'i'},    {PN_ROLE_FORM_ERROR, 'R'},    {PN_ROLE_CHART, 'c'},
    {PN_ROLE_DIM, 'z'},           {PN_ROLE_LOG_ID, 'q'},        {PN_ROLE_LOG_ADDR, '@'},
    {PN_ROLE_LOG_OK, '+'},        {PN_ROLE_LOG_WARN, '~'},      {PN_ROLE_LOG_ERROR, 'X'},
};

char pn_dump_role_char(int role)
{
    for (size_t i = 0; i < sizeof role_chars / sizeof role_chars[0]; i++)
        if ((int)role_chars[i].role == role)
            return role_chars[i].c;
    return '?';
}

static bool name_ok(const char *name)
{
    if (!*name || *name == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static void text_line(int y, int cols, pn_str *out)
{
    for (int x = 0; x < cols; x++) {
        cchar_t cc;
        wchar_t wch[CCHARW_MAX + 1];
        attr_t a;
        short pair;
        memset(wch, 0, sizeof wch);
        if (mvin_wch(y, x, &cc) == ERR || getcchar(&cc, wch, &a, &pair, NULL) == ERR || !wch[0]) {
            pn_str_appendc(out, ' ');
            continue;
        }
        for (int i = 0; i < CCHARW_MAX && wch[i]; i++) {
            uint32_t cp = (uint32_t)wch[i];
            if (pn_utf8_is_unsafe(cp) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                cp = PN_UTF8_REPLACEMENT;
            pn_utf8_encode(out, cp);
        }
        if (wcwidth(wch[0]) == 2)
            x++;
    }
    pn_str_rtrim(out);
}

bool pn_dump_screen(pn_app *app, const char *name, pn_err *err)
{
    if (!name_ok(name))
        return pn_err_set(err, PN_E_INVALID,
                          "'%s' is not a dump name (letters, digits, '-', '_', '.')", name);
    char *path = pn_sprintf("%s/%s.screen", app->dump_dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        pn_err_set(err, PN_E_IO, "%s: %s", path, strerror(errno));
        free(path);
        return false;
    }
    int lines = LINES, cols = COLS;
    pn_str line = PN_STR_INIT;
    for (int y = 0; y < lines; y++) {
        pn_str_reset(&line);
        text_line(y, cols, &line);
        fprintf(f, "%s\n", pn_str_cstr(&line));
    }
    fputs("~~ roles\n", f);
    for (int y = 0; y < lines; y++) {
        pn_str_reset(&line);
        for (int x = 0; x < cols; x++)
            pn_str_appendc(&line, pn_dump_role_char(pn_draw_role_at(y, x)));
        size_t n = line.len;
        while (n && line.s[n - 1] == ' ')
            n--;
        pn_str_truncate(&line, n);
        fprintf(f, "%s\n", pn_str_cstr(&line));
    }
    pn_str_free(&line);
    bool ok = fclose(f) == 0;
    if (!ok)
        pn_err_set(err, PN_E_IO, "%s: %s", path, strerror(errno));
    free(path);
    return ok;
}
