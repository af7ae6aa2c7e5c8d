/* cmdline.c - the ':' command line (see cmdline.h): split what was typed
 * into words, resolve the first word to an action (names, aliases, screen
 * names), check `screen NAME`, complete the word being typed, and print a
 * command back in canonical form (keymaps store that form). */
#include "cmdline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/utf8.h"

typedef struct alias {
    const char *name;
    pn_action_id action;
} alias;

static const alias aliases[] = {
    {"q", PN_A_QUIT},
    {"h", PN_A_HELP},
};
#define N_ALIASES (sizeof(aliases) / sizeof(aliases[0]))

/* ---- words ------------------------------------------------------------- */

/* Refuse invalid UTF-8 and characters that must never be in a command. */
static bool check_chars(const char *text, pn_err *err)
{
    size_t len = strlen(text), col = 1;
    for (size_t i = 0; i < len; col++) {
        uint32_t cp;
        bool valid;
        size_t n = pn_utf8_decode(text + i, len - i, &cp, &valid);
        if (!valid)
            return pn_err_set(err, PN_E_INVALID, "invalid UTF-8 at column %zu of the command",
                              col);
        if (pn_utf8_is_unsafe(cp))
            return pn_err_set(err, PN_E_INVALID,
                              "control character U+%04X at column %zu is not allowed in a "
                              "command", (unsigned)cp, col);
        i += n;
    }
    return true;
}

/* Where the scan of the text ended: for completion. */
typedef struct scan_end {
    bool in_word;        /* the text ends inside a word (no blank after it) */
    bool in_quote;       /* ... inside an open quote */
    bool word_quoted;    /* the last word began with a quote */
    size_t quote_col;    /* column of the open quote */
} scan_end;

static size_t utf8_col(const char *text, size_t byte)
{
    size_t col = 1;
    for (size_t i = 0; i < byte; i++) {
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            col++;
    }
    return col;
}

static void scan_words(const char *text, pn_argv *words, scan_end *end)
{
    size_t i = 0, len = strlen(text);
    memset(end, 0, sizeof(*end));
    while (i < len) {
        while (i < len && text[i] == ' ')
            i++;
        if (i == len)
            break;
        pn_str w = PN_STR_INIT;
        bool quoted = false;
        end->word_quoted = text[i] == '"';
        while (i < len && (quoted || text[i] != ' ')) {
            char c = text[i];
            if (c == '"') {
                quoted = !quoted;
                if (quoted)
                    end->quote_col = utf8_col(text, i);
                i++;
            } else if (quoted && c == '\\' && i + 1 < len && (text[i + 1] == '"' ||
                                                               text[i + 1] == '\\')) {
                pn_str_appendc(&w, text[i + 1]);
                i += 2;
            } else {
                pn_str_appendc(&w, c);
                i++;
            }
        }
        pn_argv_add(words, pn_str_cstr(&w));   /* "" for an empty quoted word */
        pn_str_free(&w);
        end->in_word = i == len;
        end->in_quote = quoted;
    }
}

bool pn_cmdline_split(const char *text, pn_argv *words, pn_err *err)
{
    if (!text)
        return pn_err_set(err, PN_E_INVALID, "empty command");
    if (!check_chars(text, err))
        return false;
    pn_argv tmp = PN_ARGV_INIT;
    scan_end end;
    scan_words(text, &tmp, &end);
    if (end.in_quote) {
        pn_argv_free(&tmp);
        return pn_err_set(err, PN_E_INVALID, "unterminated double quote (opened at column %zu)",
                          end.quote_col);
    }
    for (size_t i = 0; i < tmp.n; i++)
        pn_argv_add(words, tmp.v[i]);
    pn_argv_free(&tmp);
    return true;
}

/* ---- names ------------------------------------------------------------- */

static bool in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list && list[i]; i++) {
        if (strcmp(list[i], name) == 0)
            return true;
    }
    return false;
}

/* Resolve a first word; *screen_alias tells a screen name was used. */
static pn_action_id resolve(const char *name, const char *const *screens, bool *screen_alias)
{
    *screen_alias = false;
    const pn_action *a = pn_action_find(name);
    if (a)
        return a->id;
    for (size_t i = 0; i < N_ALIASES; i++) {
        if (strcmp(aliases[i].name, name) == 0)
            return aliases[i].action;
    }
    if (in_list(screens, name)) {
        *screen_alias = true;
        return PN_A_SCREEN;
    }
    return PN_A_NONE;
}

pn_action_id pn_cmdline_action_of(const char *text, const char *const *screens)
{
    pn_argv words = PN_ARGV_INIT;
    pn_action_id id = PN_A_NONE;
    if (text && check_chars(text, NULL)) {
        scan_end end;
        scan_words(text, &words, &end);
        bool alias_used;
        if (words.n > 0)
            id = resolve(words.v[0], screens, &alias_used);
    }
    pn_argv_free(&words);
    return id;
}

/* Every name the first word can be (hidden actions included unless
 * visible_only). */
static void all_names(pn_argv *out, const char *const *screens, bool visible_only)
{
    size_t n;
    const pn_action *acts = pn_action_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (!visible_only || !(acts[i].flags & PN_AF_HIDDEN))
            pn_argv_add(out, acts[i].name);
    }
    for (size_t i = 0; i < N_ALIASES; i++)
        pn_argv_add(out, aliases[i].name);
    for (size_t i = 0; screens && screens[i]; i++)
        pn_argv_add(out, screens[i]);
}

const char *pn_cmdline_suggest(const char *word, const char *const *screens)
{
    pn_argv names = PN_ARGV_INIT;
    all_names(&names, screens, false);
    const char *best = pn_closest_name(word, (const char *const *)pn_argv_items(&names), names.n);
    /* return a pointer that outlives the list: find the same string in the
     * static tables or in screens */
    const char *result = NULL;
    if (best) {
        const pn_action *a = pn_action_find(best);
        if (a)
            result = a->name;
        for (size_t i = 0; !result && i < N_ALIASES; i++) {
            if (strcmp(aliases[i].name, best) == 0)
                result = aliases[i].name;
        }
        for (size_t i = 0; !result && screens && screens[i]; i++) {
            if (strcmp(screens[i], best) == 0)
                result = screens[i];
        }
    }
    pn_argv_free(&names);
    return result;
}

static void append_screen_list(pn_str *msg, const char *const *screens)
{
    for (size_t i = 0; screens && screens[i]; i++)
        pn_str_appendf(msg, "%s%s", i ? ", " : "", screens[i]);
}

static bool check_screen_args(const pn_command *c, const char *const *screens, pn_err *err)
{
    pn_str msg = PN_STR_INIT;
    bool ok = true;
    if (c->args.n != 1) {
        pn_str_append(&msg, c->args.n == 0 ? "screen needs a screen name"
                                           : "screen takes one screen name");
        if (screens) {
            pn_str_append(&msg, " (one of: ");
            append_screen_list(&msg, screens);
            pn_str_append(&msg, ")");
        }
        ok = false;
    } else if (screens && !in_list(screens, c->args.v[0])) {
        char *shown = pn_utf8_sanitized(c->args.v[0]);
        pn_str_appendf(&msg, "unknown screen '%s'", shown);
        free(shown);
        const char *s = pn_closest_name(c->args.v[0], screens, SIZE_MAX);
        if (s)
            pn_str_appendf(&msg, " (did you mean '%s'?)", s);
        pn_str_append(&msg, "; known screens: ");
        append_screen_list(&msg, screens);
        ok = false;
    }
    if (!ok)
        pn_err_set(err, PN_E_INVALID, "%s", pn_str_cstr(&msg));
    pn_str_free(&msg);
    return ok;
}

bool pn_cmdline_parse(const char *text, const char *const *screens, pn_command *out, pn_err *err)
{
    out->action = PN_A_NONE;
    memset(&out->args, 0, sizeof(out->args));
    pn_argv words = PN_ARGV_INIT;
    if (!pn_cmdline_split(text, &words, err))
        return false;
    if (words.n == 0) {
        pn_argv_free(&words);
        return pn_err_set(err, PN_E_INVALID, "empty command");
    }
    bool screen_alias;
    pn_action_id id = resolve(words.v[0], screens, &screen_alias);
    if (id == PN_A_NONE) {
        char *shown = pn_utf8_sanitized(words.v[0]);
        const char *s = pn_cmdline_suggest(words.v[0], screens);
        if (s)
            pn_err_set(err, PN_E_NOTFOUND, "unknown command '%s' (did you mean '%s'?)", shown, s);
        else
            pn_err_set(err, PN_E_NOTFOUND, "unknown command '%s' (:help lists the commands)",
                       shown);
        free(shown);
        pn_argv_free(&words);
        return false;
    }
    out->action = id;
    if (screen_alias)
        pn_argv_add(&out->args, words.v[0]);
    for (size_t i = 1; i < words.n; i++)
        pn_argv_add(&out->args, words.v[i]);
    pn_argv_free(&words);
    if (id == PN_A_SCREEN && !check_screen_args(out, screens, err)) {
        pn_command_free(out);
        return false;
    }
    return true;
}

void pn_command_free(pn_command *c)
{
    if (!c)
        return;
    pn_argv_free(&c->args);
    c->action = PN_A_NONE;
}

/* ---- canonical text ----------------------------------------------------- */

static void append_word(pn_str *out, const char *w, bool force_quotes)
{
    bool quote = force_quotes || !*w || strchr(w, ' ') || strchr(w, '"');
    if (!quote) {
        pn_str_append(out, w);
        return;
    }
    pn_str_appendc(out, '"');
    for (const char *p = w; *p; p++) {
        if (*p == '"' || *p == '\\')
            pn_str_appendc(out, '\\');
        pn_str_appendc(out, *p);
    }
    pn_str_appendc(out, '"');
}

void pn_command_format(pn_str *out, const pn_command *c)
{
    const pn_action *a = pn_action_get(c->action);
    pn_str_append(out, a ? a->name : "?");
    for (size_t i = 0; i < c->args.n; i++) {
        pn_str_appendc(out, ' ');
        append_word(out, c->args.v[i], false);
    }
}

/* ---- completion -------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void pn_cmdline_complete(const char *text, const char *const *screens,
                         const char *const *arg_values, pn_argv *out)
{
    if (!text || !check_chars(text, NULL))
        return;
    pn_argv words = PN_ARGV_INIT;
    scan_end end;
    scan_words(text, &words, &end);
    size_t index = end.in_word ? words.n - 1 : words.n;
    const char *typed = end.in_word ? words.v[words.n - 1] : "";
    bool quoted = end.in_word && end.word_quoted;
    size_t tlen = strlen(typed);

    pn_argv cands = PN_ARGV_INIT;
    bool sort = false;
    if (index == 0) {
        all_names(&cands, screens, true);
        sort = true;
    } else if (arg_values) {
        for (size_t i = 0; arg_values[i]; i++)
            pn_argv_add(&cands, arg_values[i]);
    } else if (index == 1) {
        bool alias_used;
        if (resolve(words.v[0], screens, &alias_used) == PN_A_SCREEN && !alias_used) {
            for (size_t i = 0; screens && screens[i]; i++)
                pn_argv_add(&cands, screens[i]);
        }
    }
    if (sort && cands.n > 1)
        qsort(cands.v, cands.n, sizeof(cands.v[0]), cmp_str);

    pn_argv seen = PN_ARGV_INIT;
    for (size_t i = 0; i < cands.n; i++) {
        const char *c = cands.v[i];
        if (strncmp(c, typed, tlen) != 0 || in_list((const char *const *)pn_argv_items(&seen), c))
            continue;
        pn_argv_add(&seen, c);
        pn_str w = PN_STR_INIT;
        append_word(&w, c, quoted);
        pn_argv_add(out, pn_str_cstr(&w));
        pn_str_free(&w);
    }
    pn_argv_free(&seen);
    pn_argv_free(&cands);
    pn_argv_free(&words);
}
