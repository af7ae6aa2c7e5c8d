/* script.c - scripted input for headless tests and demos
 * (POSTERN_TUI_SCRIPT=FILE). One item per line (tests/golden/README.md):
 *   # comment, blank line      ignored
 *   :NAME ARGS                 run the command as if accepted at the : prompt
 *   :                          press the ':' key (opens the command prompt)
 *   type TEXT                  type TEXT literally, blanks included
 *   wait                       let background work finish (always done anyway)
 *   anything else              key names (tui/keys.h), blanks between them
 *                              ignored: "jjj", "<C-r>", "g g", "<Space>"
 * The end of a key line is a pause: a key sequence still waiting for more
 * keys (a prefix like "g") times out there. No curses here. */
#include "app_internal.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pn_script {
    char *name;
    char *text;
    size_t len, pos;
    int line;
    pn_key *keys;
    size_t cap;
    char *item_text;
};

pn_script *pn_script_from_text(const char *name, const char *text, size_t len)
{
    pn_script *s = pn_calloc(1, sizeof *s);
    s->name = pn_strdup(name);
    s->text = pn_strndup(text, len);
    s->len = strlen(s->text);
    return s;
}

pn_script *pn_script_open(const char *path, pn_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        pn_err_set(err, PN_E_IO, "script %s: %s", path, strerror(errno));
        return NULL;
    }
    pn_str buf = PN_STR_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pn_str_appendn(&buf, chunk, n);
    fclose(f);
    const char *base = strrchr(path, '/');
    pn_script *s = pn_script_from_text(base ? base + 1 : path, pn_str_cstr(&buf), buf.len);
    pn_str_free(&buf);
    return s;
}

void pn_script_free(pn_script *s)
{
    if (!s)
        return;
    free(s->name);
    free(s->text);
    free(s->keys);
    free(s->item_text);
    free(s);
}

static void push_key(pn_script *s, size_t *n, pn_key k)
{
    if (*n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->keys = pn_realloc(s->keys, s->cap * sizeof(pn_key));
    }
    s->keys[(*n)++] = k;
}

bool pn_script_next(pn_script *s, pn_script_item *item, pn_err *err)
{
    memset(item, 0, sizeof *item);
    for (;;) {
        if (s->pos >= s->len) {
            item->kind = PN_SCRIPT_END;
            return true;
        }
        const char *start = s->text + s->pos;
        const char *nl = strchr(start, '\n');
        size_t len = nl ? (size_t)(nl - start) : strlen(start);
        s->pos += len + (nl ? 1 : 0);
        s->line++;
        free(s->item_text);
        s->item_text = pn_strndup(start, len);
        char *t = s->item_text;
        size_t tl = strlen(t);
        while (tl && (t[tl - 1] == '\r' || t[tl - 1] == ' ' || t[tl - 1] == '\t'))
            t[--tl] = '\0';
        if (strncmp(t, "type ", 5) != 0)
            while (*t == ' ' || *t == '\t')
                t++;
        item->line = s->line;
        if (!*t || *t == '#')
            continue;
        size_t n = 0;
        if (!strcmp(t, "wait")) {
            item->kind = PN_SCRIPT_WAIT;
            return true;
        }
        if (t[0] == ':' && t[1]) {
            item->kind = PN_SCRIPT_COMMAND;
            item->text = t + 1;
            return true;
        }
        if (!strncmp(t, "type ", 5)) {
            /* the text as typed: every code point is one key */
            const char *p = s->item_text + 5;
            size_t pl = strlen(p);
            for (size_t i = 0; i < pl;) {
                uint32_t cp;
                i += pn_utf8_decode(p + i, pl - i, &cp, NULL);
                push_key(s, &n, cp == '\t' ? PN_KEY_TAB : cp);
            }
            item->kind = PN_SCRIPT_KEYS;
            item->keys = s->keys;
            item->n_keys = n;
            return true;
        }
        const char *p = t;
        while (*p) {
            if (*p == ' ' || *p == '\t') {
                p++;
                continue;
            }
            pn_key k;
            pn_err kerr = PN_ERR_INIT;
            if (!pn_key_parse(&p, &k, &kerr)) {
                pn_err_set(err, PN_E_INVALID, "%s:%d: %s", s->name, s->line, pn_err_msg(&kerr));
                pn_err_clear(&kerr);
                return false;
            }
            push_key(s, &n, k);
        }
        item->kind = PN_SCRIPT_KEYS;
        item->keys = s->keys;
        item->n_keys = n;
        return true;
    }
}
