/* keys.c - key names <-> pn_key codes, and key sequences (see keys.h).
 *
 * Reads the names written in keymaps and test scripts ("q", "<C-r>",
 * "<PgDn>", "gg", "<M-x>", "é") and prints the canonical form back, so
 * :keys, help and hint bars show one spelling whatever the user wrote.
 * Errors name the key text (sanitised) and what is wrong with it. */
#include "keys.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"
#include "util/yamltree.h"

/* Named keys. The first entry of a key is its canonical spelling; the
 * others are aliases read case-insensitively. */
typedef struct key_name {
    const char *name;
    pn_key key;
} key_name;

static const key_name named_keys[] = {
    {"Space", ' '},
    {"Enter", PN_KEY_ENTER}, {"CR", PN_KEY_ENTER}, {"Return", PN_KEY_ENTER},
    {"Esc", PN_KEY_ESC}, {"Escape", PN_KEY_ESC},
    {"Tab", PN_KEY_TAB},
    {"S-Tab", PN_KEY_BTAB}, {"BTab", PN_KEY_BTAB}, {"BackTab", PN_KEY_BTAB},
    {"BS", PN_KEY_BS}, {"Backspace", PN_KEY_BS},
    {"Del", PN_KEY_DEL}, {"Delete", PN_KEY_DEL},
    {"Ins", PN_KEY_INS}, {"Insert", PN_KEY_INS},
    {"Up", PN_KEY_UP}, {"Down", PN_KEY_DOWN}, {"Left", PN_KEY_LEFT}, {"Right", PN_KEY_RIGHT},
    {"PgUp", PN_KEY_PGUP}, {"PageUp", PN_KEY_PGUP},
    {"PgDn", PN_KEY_PGDN}, {"PageDown", PN_KEY_PGDN},
    {"Home", PN_KEY_HOME}, {"End", PN_KEY_END},
    {"F1", PN_KEY_F1}, {"F2", PN_KEY_F2}, {"F3", PN_KEY_F3}, {"F4", PN_KEY_F4},
    {"F5", PN_KEY_F5}, {"F6", PN_KEY_F6}, {"F7", PN_KEY_F7}, {"F8", PN_KEY_F8},
    {"F9", PN_KEY_F9}, {"F10", PN_KEY_F10}, {"F11", PN_KEY_F11}, {"F12", PN_KEY_F12},
    {"C-Space", PN_KEY_C_SPACE},
    {"Resize", PN_KEY_RESIZE},
    {"EOF", PN_KEY_EOF},
    {"lt", '<'},
    {"gt", '>'},
    {"Bar", '|'},
};
#define N_NAMED (sizeof(named_keys) / sizeof(named_keys[0]))

/* Characters written as themselves even though a name reads them too. */
static bool printed_as_itself(pn_key k)
{
    return k == '>' || k == '|';
}

pn_key pn_key_normalize(pn_key k)
{
    pn_key alt = k & PN_KEY_ALT, base = k & ~PN_KEY_ALT;
    switch (base) {
    case 0x09: base = PN_KEY_TAB; break;
    case 0x0D: base = PN_KEY_ENTER; break;
    case 0x1B: base = PN_KEY_ESC; break;
    case 0x7F: base = PN_KEY_BS; break;
    default: break;
    }
    return alt | base;
}

static bool is_char_code(pn_key k)
{
    return k >= 0x20 && k <= 0x10FFFF && !(k >= 0xD800 && k <= 0xDFFF) && !pn_utf8_is_unsafe(k);
}

bool pn_key_is_printable(pn_key k)
{
    return !(k & PN_KEY_ALT) && is_char_code(k);
}

/* Append the key text s[0..len) for a message: sanitised, cut when long. */
static void append_snippet(pn_str *out, const char *s, size_t len)
{
    pn_str_appendc(out, '\'');
    pn_yaml_append_shown(out, s, len, 40, PN_YAML_SHOW_SANITIZED);
    pn_str_appendc(out, '\'');
}

/* Fail with "<before>'<key text>'<after>". */
static bool key_error(pn_err *err, const char *s, size_t len, const char *before,
                      const char *after)
{
    pn_str msg = PN_STR_INIT;
    pn_str_append(&msg, before);
    append_snippet(&msg, s, len);
    pn_str_append(&msg, after);
    pn_err_set(err, PN_E_INVALID, "%s", pn_str_cstr(&msg));
    pn_str_free(&msg);
    return false;
}

static const key_name *find_name(const char *s, size_t len)
{
    for (size_t i = 0; i < N_NAMED; i++) {
        if (strlen(named_keys[i].name) == len && strncasecmp(named_keys[i].name, s, len) == 0)
            return &named_keys[i];
    }
    return NULL;
}

/* One whole code point filling s[0..len); false if it is not exactly one
 * valid, printable character. */
static bool single_char(const char *s, size_t len, pn_key *out)
{
    if (len == 0)
        return false;
    uint32_t cp;
    bool valid;
    size_t n = pn_utf8_decode(s, len, &cp, &valid);
    if (!valid || n != len || !is_char_code(cp))
        return false;
    *out = cp;
    return true;
}

/* The key inside "<...>": content is s[0..len) without the brackets. */
static bool parse_bracketed(const char *s, size_t len, pn_key *out, pn_err *err)
{
    const char *whole = s - 1;          /* for messages: include < > */
    size_t whole_len = len + 2;
    bool ctrl = false, alt = false, shift = false;

    /* Modifiers: C- M- A- S- (any case), each followed by at least one
     * more character ("<M-->" is Alt + '-'). */
    while (len > 2 && s[1] == '-') {
        bool *flag;
        switch (s[0]) {
        case 'C': case 'c': flag = &ctrl; break;
        case 'M': case 'm': case 'A': case 'a': flag = &alt; break;
        case 'S': case 's': flag = &shift; break;
        default: flag = NULL; break;
        }
        if (!flag)
            break;
        /* "S-Tab" is a name of its own */
        if (flag == &shift && len == 5 && strncasecmp(s, "S-Tab", 5) == 0)
            break;
        if (*flag)
            return key_error(err, whole, whole_len, "bad key ", ": a modifier is repeated");
        *flag = true;
        s += 2;
        len -= 2;
    }

    pn_key base = PN_KEY_NONE;
    const key_name *named = find_name(s, len);
    if (named) {
        base = named->key;
    } else if (!single_char(s, len, &base)) {
        if (len == 0 || (len == 1 && s[0] == '-'))
            return key_error(err, whole, whole_len, "bad key ", ": a key name is missing");
        return key_error(err, whole, whole_len, "unknown key name ",
                         " (known: <Space> <Enter> <Esc> <Tab> <S-Tab> <BS> <Del> <Ins> <Up> "
                         "<Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> <F1>..<F12> "
                         "<C-a>..<C-z> <C-Space> <M-x> <lt>)");
    } else if (!ctrl && !alt && !shift) {
        return key_error(err, whole, whole_len, "bad key ",
                         ": a plain character is written without < > (<lt> for '<')");
    }
    if ((base == PN_KEY_RESIZE || base == PN_KEY_EOF || base == PN_KEY_C_SPACE) &&
        (ctrl || alt || shift))
        return key_error(err, whole, whole_len, "bad key ", ": this key takes no modifier");

    if (shift) {
        if (base != PN_KEY_TAB)
            return key_error(err, whole, whole_len, "bad key ",
                             ": Shift only combines with Tab (<S-Tab>); write an upper-case "
                             "letter as itself");
        base = PN_KEY_BTAB;
    }
    if (ctrl) {
        if (base < 0x80 && ((base >= 'a' && base <= 'z') || (base >= 'A' && base <= 'Z')))
            base = PN_KEY_CTRL(base);
        else if (base == ' ')
            base = PN_KEY_C_SPACE;
        else if (base == '[' || base == '\\' || base == ']' || base == '^' || base == '_')
            base = PN_KEY_CTRL(base);
        else
            return key_error(err, whole, whole_len, "bad key ",
                             ": Ctrl combines with a letter, Space or one of [ \\ ] ^ _");
    }
    *out = pn_key_normalize(alt ? (base | PN_KEY_ALT) : base);
    return true;
}

bool pn_key_parse(const char **p, pn_key *out, pn_err *err)
{
    const char *s = *p;
    if (!s || !*s)
        return pn_err_set(err, PN_E_INVALID, "empty key name");
    if (*s == '<') {
        size_t i = 1;
        while (s[i] && s[i] != '>' && s[i] != '<')
            i++;
        if (s[i] != '>')
            return key_error(err, s, i, "unterminated key name ",
                             " (write <lt> for a literal '<')");
        if (i == 1)
            return key_error(err, s, 2, "bad key ", ": a key name is missing");
        /* the first '>' closes the name: Alt + '>' is written <M-gt> */
        if (!parse_bracketed(s + 1, i - 1, out, err))
            return false;
        *p = s + i + 1;
        return true;
    }
    uint32_t cp;
    bool valid;
    size_t n = pn_utf8_decode(s, strlen(s), &cp, &valid);
    if (!valid)
        return key_error(err, s, 1, "bad key ", ": invalid UTF-8");
    if (cp == ' ')
        return pn_err_set(err, PN_E_INVALID, "bad key ' ': write a blank as <Space>");
    if (cp >= 1 && cp <= 0x1A) {
        char hint[8];
        snprintf(hint, sizeof hint, "<C-%c>", (char)('a' + cp - 1));
        pn_key k = pn_key_normalize(cp);
        pn_str name = PN_STR_INIT;
        pn_key_name(&name, k);
        pn_err_set(err, PN_E_INVALID, "bad key: control character U+%04X in a key name (write %s)",
                   (unsigned)cp, k == cp ? hint : pn_str_cstr(&name));
        pn_str_free(&name);
        return false;
    }
    if (!is_char_code(cp))
        return pn_err_set(err, PN_E_INVALID,
                          "bad key: character U+%04X cannot be a key name (control or unsafe "
                          "character)", (unsigned)cp);
    *out = cp;
    *p = s + n;
    return true;
}

bool pn_keyseq_parse(const char *text, pn_keyseq *out, pn_err *err)
{
    pn_keyseq seq = {{0}, 0};
    if (!text || !*text)
        return pn_err_set(err, PN_E_INVALID, "empty key");
    const char *p = text;
    while (*p) {
        if (seq.n == PN_KEYSEQ_MAX) {
            pn_str msg = PN_STR_INIT;
            append_snippet(&msg, text, strlen(text));
            pn_err_set(err, PN_E_INVALID, "key sequence %s is longer than %d keys",
                       pn_str_cstr(&msg), PN_KEYSEQ_MAX);
            pn_str_free(&msg);
            return false;
        }
        if (!pn_key_parse(&p, &seq.keys[seq.n], err))
            return false;
        seq.n++;
    }
    *out = seq;
    return true;
}

void pn_key_name(pn_str *out, pn_key k)
{
    k = pn_key_normalize(k);
    if (k & PN_KEY_ALT) {
        pn_key base = k & ~PN_KEY_ALT;
        pn_str inner = PN_STR_INIT;
        if (base == '>')
            pn_str_append(&inner, "gt");     /* "<M->>" would end at the first '>' */
        else
            pn_key_name(&inner, base);
        const char *s = pn_str_cstr(&inner);
        size_t n = inner.len;
        pn_str_append(out, "<M-");
        if (n > 2 && s[0] == '<' && s[n - 1] == '>')
            pn_str_appendn(out, s + 1, n - 2);
        else
            pn_str_append(out, s);
        pn_str_appendc(out, '>');
        pn_str_free(&inner);
        return;
    }
    if (printed_as_itself(k)) {
        pn_str_appendc(out, (char)k);
        return;
    }
    for (size_t i = 0; i < N_NAMED; i++) {
        if (named_keys[i].key == k) {
            pn_str_appendf(out, "<%s>", named_keys[i].name);
            return;
        }
    }
    if (k >= 1 && k <= 0x1A) {
        pn_str_appendf(out, "<C-%c>", (char)('a' + k - 1));
        return;
    }
    if (k >= 0x1C && k <= 0x1F) {
        pn_str_appendf(out, "<C-%c>", "\\]^_"[k - 0x1C]);
        return;
    }
    if (is_char_code(k)) {
        pn_utf8_encode(out, k);
        return;
    }
    pn_str_appendf(out, "<0x%X>", (unsigned)k);   /* not a key anyone can type */
}

void pn_keyseq_name(pn_str *out, const pn_keyseq *s)
{
    for (int i = 0; i < s->n && i < PN_KEYSEQ_MAX; i++)
        pn_key_name(out, s->keys[i]);
}

bool pn_keyseq_equal(const pn_keyseq *a, const pn_keyseq *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n && i < PN_KEYSEQ_MAX; i++) {
        if (pn_key_normalize(a->keys[i]) != pn_key_normalize(b->keys[i]))
            return false;
    }
    return true;
}

bool pn_keyseq_is_prefix(const pn_keyseq *a, const pn_keyseq *b)
{
    if (a->n >= b->n || a->n < 0 || b->n > PN_KEYSEQ_MAX)
        return false;
    for (int i = 0; i < a->n; i++) {
        if (pn_key_normalize(a->keys[i]) != pn_key_normalize(b->keys[i]))
            return false;
    }
    return true;
}
