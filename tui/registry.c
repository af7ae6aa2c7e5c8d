/* registry.c - the screens, once, in tab order (PN_SCREENS in screens.h).
 *
 * Screens that are not written yet are defined here as unavailable with an
 * honest note of what brings them; the core draws them as a centred "not
 * available yet" panel, never with fake data. The hidden test screen joins
 * the list when POSTERN_TUI_TEST_ROWS is set (tests and benches only). */
#include "app_internal.h"
#include "screens.h"

#include <stdlib.h>
#include <string.h>

#define NOT_YET(id, ttl, hlp, why)          \
    const pn_screen_ops pn_screen_##id = {  \
        .name = #id,                        \
        .title = ttl,                       \
        .help = hlp,                        \
        .available = false,                 \
        .not_yet = why,                     \
    };

NOT_YET(filter, "Filter", "Rspamd spam filter settings and history",
        "Filter: the Rspamd screen comes with a later issue")
NOT_YET(relay, "Relay", "Outbound relay hosts and transports",
        "Relay: relay hosts and transports come with a later issue")
NOT_YET(settings, "Settings", "Postfix and Dovecot settings",
        "Settings: staged configuration changes come with a later issue")

#define PN_SCREEN_ENTRY(id) &pn_screen_##id,
static const pn_screen_ops *const registered[] = {PN_SCREENS(PN_SCREEN_ENTRY)};
#undef PN_SCREEN_ENTRY
#define N_REGISTERED (sizeof registered / sizeof registered[0])

static const pn_screen_ops *all_screens[N_REGISTERED + 2];
static const char *all_names[N_REGISTERED + 2];
static size_t n_all;

static void build(void)
{
    if (n_all)
        return;
    for (size_t i = 0; i < N_REGISTERED; i++)
        all_screens[n_all++] = registered[i];
    const char *rows = getenv("POSTERN_TUI_TEST_ROWS");
    if (rows && *rows)
        all_screens[n_all++] = &pn_screen_test;
    for (size_t i = 0; i < n_all; i++)
        all_names[i] = all_screens[i]->name;
    all_names[n_all] = NULL;
}

const pn_screen_ops *const *pn_screens(size_t *n)
{
    build();
    *n = n_all;
    return all_screens;
}

const pn_screen_ops *pn_screen_find(const char *name)
{
    build();
    for (size_t i = 0; i < n_all; i++)
        if (!strcmp(all_screens[i]->name, name))
            return all_screens[i];
    return NULL;
}

const char *const *pn_screen_names(void)
{
    build();
    return all_names;
}
