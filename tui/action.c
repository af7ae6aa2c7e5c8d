/* action.c - the action table built from the PN_ACTIONS X-macro (see
 * action.h), lookup by name, and "did you mean" suggestions shared by the
 * command line and the keymap loader. */
#include "action.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

static const pn_action actions[] = {
#define PN_ACTION_ROW(id, name, group, shortname, help, flags) \
    {PN_A_##id, name, group, shortname, help, flags},
    PN_ACTIONS(PN_ACTION_ROW)
#undef PN_ACTION_ROW
};

_Static_assert(sizeof(actions) / sizeof(actions[0]) == PN_A_COUNT, "one row per action id");

const pn_action *pn_action_get(pn_action_id id)
{
    if ((int)id < 0 || id >= PN_A_COUNT)
        return NULL;
    return &actions[id];
}

const pn_action *pn_action_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < PN_A_COUNT; i++) {
        if (strcmp(actions[i].name, name) == 0)
            return &actions[i];
    }
    return NULL;
}

const pn_action *pn_action_all(size_t *count)
{
    if (count)
        *count = PN_A_COUNT;
    return actions;
}

const char *pn_action_suggest(const char *name)
{
    const char *names[PN_A_COUNT];
    for (size_t i = 0; i < PN_A_COUNT; i++)
        names[i] = actions[i].name;
    return pn_closest_name(name, names, PN_A_COUNT);
}

static int fold(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

#define DIST_MAX_LEN 64

/* Optimal string alignment distance, ASCII case folded; SIZE_MAX when a
 * word is too long to be a name. Three rows on the stack, bounded by
 * DIST_MAX_LEN (longer words are never close to a name). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > DIST_MAX_LEN || lb > DIST_MAX_LEN)
        return SIZE_MAX;
    size_t rows[3][DIST_MAX_LEN + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int ca = fold((unsigned char)a[i - 1]), cb = fold((unsigned char)b[j - 1]);
            size_t v = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == fold((unsigned char)b[j - 2]) &&
                fold((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *pn_closest_name(const char *word, const char *const *names, size_t n)
{
    if (!word || !names)
        return NULL;
    size_t len = strlen(word);
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n && names[i]; i++) {
        size_t d = edit_distance(word, names[i]);
        if (d <= limit && d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    if (best || len < 2)
        return best;
    for (size_t i = 0; i < n && names[i]; i++) {
        if (strncasecmp(names[i], word, len) == 0 &&
            (!best || strlen(names[i]) < strlen(best)))
            best = names[i];
    }
    return best;
}
