/* app.c - the console: start-up, the loop, input dispatch and drawing.
 *
 * The loop: finish background jobs and tick the screens; draw only when
 * something is dirty; then take one input (a key from the terminal or an
 * item of a test script). Keys go through the keymap (screen section, then
 * global; the mode section of an open prompt, dialog or form first) into
 * commands; a key sequence that is the prefix of a longer binding waits up
 * to a second for the rest. Commands run in app_command.c. */
#include "app_internal.h"
#include "term.h"
#include "util/mem.h"
#include "util/text.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PREFIX_WAIT_MS 1000
#define TICK_MS 200
#define TICK_BUSY_MS 40
#define MIN_COLS 40
#define MIN_LINES 10

static int64_t mono_start_ms;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((constructor)) static void remember_start(void)
{
    mono_start_ms = mono_ms();
}

/* Trace times: ms since the process started, with microseconds, and the
 * CLOCK_MONOTONIC ms a bench can compare with its own clock. */
static double trace_now(double *mono_abs)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double abs_ms = (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
    if (mono_abs)
        *mono_abs = abs_ms;
    return abs_ms - (double)mono_start_ms;
}

/* ---- small services ---------------------------------------------------------- */

pn_ctx *pn_app_ctx(pn_app *app)
{
    return app->ctx;
}

bool pn_app_read_only(const pn_app *app)
{
    return app->read_only;
}

int64_t pn_app_now_ms(const pn_app *app)
{
    if (app->fixed_clock)
        return app->clock_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pn_app_time(const pn_app *app)
{
    return pn_app_now_ms(app) / 1000;
}

void pn_app_flash(pn_app *app, int role, const char *fmt, ...)
{
    pn_str s = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    free(app->flash);
    app->flash = pn_str_steal(&s);
    app->flash_role = role;
    app->dirty = true;
}

void pn_app_set_badge(pn_app *app, const char *text)
{
    if (text && !*text)
        text = NULL;
    if (!text && !app->badge)
        return;
    if (text && app->badge && !strcmp(text, app->badge))
        return;
    free(app->badge);
    app->badge = text ? pn_strdup(text) : NULL;
    app->dirty = true;
}

int pn_app_refresh_interval(const pn_app *app)
{
    return app->refresh;
}

bool pn_app_paused(const pn_app *app)
{
    return app->paused;
}

bool pn_app_modal(const pn_app *app)
{
    return app->modal != NULL;
}

pn_slot *pn_app_slot(pn_app *app)
{
    return &app->slots[app->cur];
}

const pn_screen_ops *pn_app_screen(pn_app *app)
{
    return app->slots[app->cur].ops;
}

void pn_app_set_dirty(pn_app *app)
{
    app->dirty = true;
}

const pn_theme *pn_app_theme(const pn_app *app)
{
    return app->theme;
}

bool pn_app_set_theme(pn_app *app, const char *name, pn_err *err)
{
    pn_theme *t = pn_theme_builtin(name, err);
    if (!t)
        return false;
    pn_theme_free(app->theme);
    app->theme = t;
    pn_term_apply_theme(t, app->mono);
    app->relayout = true;
    return true;
}

void pn_app_push_modal(pn_app *app, pn_modal *m)
{
    m->below = app->modal;
    app->modal = m;
    app->pending.n = 0;
    app->dirty = true;
}

void pn_app_pop_modal(pn_app *app)
{
    pn_modal *m = app->modal;
    if (!m)
        return;
    app->modal = m->below;
    app->pending.n = 0;
    if (m->free)
        m->free(m);
    app->dirty = true;
}

bool pn_app_action_refused(const pn_app *app, const pn_action *a)
{
    return app->read_only && a && (a->flags & (PN_AF_DANGEROUS | PN_AF_WRITES));
}

bool pn_app_switch(pn_app *app, size_t index)
{
    if (index >= app->nslots)
        return false;
    if (index == app->cur)
        return true;
    pn_slot *old = &app->slots[app->cur];
    if (old->st && old->ops->leave)
        old->ops->leave(old->st);
    app->cur = index;
    pn_slot *s = &app->slots[index];
    if (s->st && s->ops->enter)
        s->ops->enter(s->st);
    app->pending.n = 0;
    app->relayout = true;
    return true;
}

/* ---- jobs ------------------------------------------------------------------------ */

static void *job_main(void *arg)
{
    pn_job *job = arg;
    job->run(job, job->data);
    pthread_mutex_lock(&job->app->job_lock);
    job->finished = true;
    pthread_mutex_unlock(&job->app->job_lock);
    if (job->app->wake_pipe[1] >= 0) {
        ssize_t w = write(job->app->wake_pipe[1], "j", 1);
        (void)w;
    }
    return NULL;
}

bool pn_app_job_running(const pn_app *app, const char *title)
{
    for (const pn_job *j = app->jobs; j; j = j->next)
        if (!strcmp(j->title, title))
            return true;
    return false;
}

bool pn_app_start_job(pn_app *app, const char *title, void (*run)(pn_job *job, void *data),
                      void (*done)(void *st, void *data, bool cancelled), void *st, void *data)
{
    if (pn_app_job_running(app, title))
        return false;
    pn_job *job = pn_calloc(1, sizeof *job);
    job->app = app;
    job->title = pn_strdup(title);
    job->run = run;
    job->done = done;
    job->st = st;
    job->data = data;
    job->progress = -1;
    if (pthread_create(&job->thread, NULL, job_main, job) != 0) {
        free(job->title);
        free(job);
        pn_app_flash(app, PN_ROLE_STATUS_ERROR, "%s: cannot start a worker thread", title);
        return false;
    }
    job->next = app->jobs;
    app->jobs = job;
    app->dirty = true;
    return true;
}

bool pn_job_cancelled(const pn_job *job)
{
    pthread_mutex_lock(&job->app->job_lock);
    bool c = job->cancel;
    pthread_mutex_unlock(&job->app->job_lock);
    return c;
}

void pn_job_progress(pn_job *job, double fraction)
{
    pthread_mutex_lock(&job->app->job_lock);
    job->progress = fraction;
    pthread_mutex_unlock(&job->app->job_lock);
}

static void cancel_jobs(pn_app *app)
{
    pthread_mutex_lock(&app->job_lock);
    for (pn_job *j = app->jobs; j; j = j->next)
        j->cancel = true;
    pthread_mutex_unlock(&app->job_lock);
}

/* Run done() of finished jobs (all jobs when wait is true). Returns true
 * if any finished. */
static bool reap_jobs(pn_app *app, bool wait)
{
    bool any = false;
    for (;;) {
        pn_job **pp = &app->jobs, *ready = NULL;
        pthread_mutex_lock(&app->job_lock);
        for (; *pp; pp = &(*pp)->next)
            if ((*pp)->finished || wait) {
                ready = *pp;
                *pp = ready->next;
                break;
            }
        pthread_mutex_unlock(&app->job_lock);
        if (!ready)
            break;
        pthread_join(ready->thread, NULL);
        pthread_mutex_lock(&app->job_lock);
        bool cancelled = ready->cancel;
        pthread_mutex_unlock(&app->job_lock);
        if (ready->done)
            ready->done(ready->st, ready->data, cancelled);
        free(ready->title);
        free(ready);
        any = true;
        app->dirty = true;
    }
    return any;
}

/* ---- ticking -------------------------------------------------------------------- */

static void tick_screens(pn_app *app)
{
    int64_t now = pn_app_now_ms(app);
    for (size_t i = 0; i < app->nslots; i++) {
        pn_slot *s = &app->slots[i];
        if (!s->st || !s->ops->tick)
            continue;
        int r = s->ops->tick(s->st, now);
        if (r == PN_UNHANDLED)
            continue;
        if (r & PN_DIRTY_QUIT)
            app->quit = true;
        if (i == app->cur && (r & PN_DIRTY_LAYOUT))
            app->relayout = true;
        if (i == app->cur && (r & (PN_DIRTY_DRAW | PN_DIRTY_LAYOUT)))
            app->dirty = true;
    }
}

/* Scripted runs: tick and finish every job until nothing more starts, so
 * what is drawn next does not depend on timing. */
static void settle(pn_app *app)
{
    for (int round = 0; round < 50; round++) {
        tick_screens(app);
        if (!app->jobs)
            break;
        reap_jobs(app, true);
    }
}

/* ---- drawing -------------------------------------------------------------------- */

static void draw_modals(pn_app *app, pn_modal *m, pn_canvas *screen)
{
    if (!m)
        return;
    draw_modals(app, m->below, screen);
    if (m->draw)
        m->draw(app, m, screen);
}

static void draw_not_yet(pn_app *app, pn_canvas *c, pn_rect r, const pn_screen_ops *ops)
{
    const char *texts[] = {ops->not_yet ? ops->not_yet : "", ops->help ? ops->help : ""};
    int w = 40;
    for (size_t i = 0; i < 2; i++)
        if ((int)pn_text_width(texts[i]) + 4 > w)
            w = (int)pn_text_width(texts[i]) + 4;
    if (w > r.w - 4)
        w = r.w - 4;
    int h = 7;
    if (w < 20 || r.h < h) {
        pn_draw_text(c, r.y, r.x, r.w, PN_ROLE_DIM, ops->not_yet ? ops->not_yet : "not available yet");
        return;
    }
    pn_rect box = {r.y + (r.h - h) / 2, r.x + (r.w - w) / 2, h, w};
    pn_draw_box(c, box, PN_ROLE_DIALOG, ops->title);
    pn_str t = PN_STR_INIT;
    pn_str_appendf(&t, "%s is not available yet", ops->title);
    pn_draw_text(c, box.y + 2, box.x + 2, box.w - 4, PN_ROLE_DIALOG_TITLE, pn_str_cstr(&t));
    pn_draw_text(c, box.y + 3, box.x + 2, box.w - 4, PN_ROLE_DIALOG,
                 ops->not_yet ? ops->not_yet : "");
    pn_draw_text(c, box.y + 4, box.x + 2, box.w - 4, PN_ROLE_DIM, ops->help ? ops->help : "");
    pn_str_free(&t);
    (void)app;
}

static void trace_frame(pn_app *app)
{
    if (!app->trace)
        return;
    double mono;
    double now = trace_now(&mono);
    fprintf(app->trace, "frame %.3f %.3f\n", now, mono);
    for (size_t i = 0; i < app->trace_keys.n; i++)
        fprintf(app->trace, "key %s %.3f\n", app->trace_keys.v[i], now);
    pn_argv_free(&app->trace_keys);
    pn_slot *s = pn_app_slot(app);
    static bool ready_done;
    if (!ready_done && s->st && s->ops->ready && s->ops->ready(s->st)) {
        ready_done = true;
        fprintf(app->trace, "ready %.3f %.3f\n", now, mono);
    }
    fflush(app->trace);
}

void pn_app_draw(pn_app *app)
{
    if (app->relayout) {
        app->lines = LINES;
        app->cols = COLS;
        app->relayout = false;
    }
    erase();
    pn_draw_begin_frame(app->lines, app->cols);
    pn_canvas screen;
    pn_canvas_init(&screen, (pn_rect){0, 0, app->lines, app->cols});
    pn_draw_cursor(&screen, 0, 0, false);
    if (app->cols < MIN_COLS || app->lines < MIN_LINES) {
        pn_str t = PN_STR_INIT;
        pn_str_appendf(&t, "Terminal too small: %dx%d", app->cols, app->lines);
        pn_draw_text(&screen, app->lines / 2 - 1, 0, app->cols, PN_ROLE_STATUS_WARN, pn_str_cstr(&t));
        pn_str_reset(&t);
        pn_str_appendf(&t, "postern needs %dx%d", MIN_COLS, MIN_LINES);
        pn_draw_text(&screen, app->lines / 2, 0, app->cols, PN_ROLE_NORMAL, pn_str_cstr(&t));
        pn_draw_text(&screen, app->lines / 2 + 1, 0, app->cols, PN_ROLE_NORMAL, "q quits");
        pn_str_free(&t);
    } else {
        pn_rect body = pn_bars_body(app);
        pn_slot *s = pn_app_slot(app);
        pn_canvas c;
        pn_canvas_init(&c, body);
        c.filter_text = s->filter_text;
        c.hscroll = s->hscroll;
        pn_rect area = {0, 0, body.h, body.w};
        if (s->st && s->ops->draw)
            s->ops->draw(s->st, &c, area);
        else
            draw_not_yet(app, &c, area, s->ops);
        pn_bars_draw(app, &screen);
        draw_modals(app, app->modal, &screen);
    }
    wnoutrefresh(stdscr);
    doupdate();
    app->dirty = false;
    trace_frame(app);
}

/* ---- input ---------------------------------------------------------------------- */

static char *screen_section(pn_app *app)
{
    return pn_sprintf("screens.%s", pn_app_screen(app)->name);
}

/* The binding of exactly these keys in section (or NULL). */
static const pn_binding *exact_in(pn_app *app, const char *section, const pn_keyseq *seq)
{
    const pn_binding **list = NULL;
    size_t n = pn_keymap_section(app->km, section, &list);
    const pn_binding *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (pn_keyseq_equal(&list[i]->seq, seq) && list[i]->command) {
            found = list[i];
            break;
        }
    free(list);
    return found;
}

static int run_binding(pn_app *app, const char *command)
{
    char *copy = pn_strdup(command);   /* the keymap may change under the command */
    int r = pn_app_run_line(app, copy);
    free(copy);
    return r;
}

static void modal_raw_key(pn_app *app, pn_key k)
{
    pn_modal *m = app->modal;
    if (m && m->key)
        m->key(app, m, k);
    app->dirty = true;
}

static void modal_key(pn_app *app, pn_key k)
{
    pn_modal *m = app->modal;
    if (!m->mode) {
        modal_raw_key(app, k);
        return;
    }
    if (app->pending.n >= PN_KEYSEQ_MAX)
        app->pending.n = 0;
    app->pending.keys[app->pending.n++] = k;
    const pn_binding *b = NULL;
    pn_keymatch r = pn_keymap_lookup(app->km, m->mode, &app->pending, &b);
    if (r == PN_KM_PREFIX) {
        app->pending_section = m->mode;
        app->pending_since = mono_ms();
        return;
    }
    pn_keyseq typed = app->pending;
    app->pending.n = 0;
    if (r == PN_KM_FOUND && b && b->command) {
        char *cmd = pn_strdup(b->command);
        if (m->exec)
            m->exec(app, m, cmd);
        free(cmd);
        app->dirty = true;
        return;
    }
    for (int i = 0; i < typed.n; i++)
        modal_raw_key(app, typed.keys[i]);
}

/* The keys typed so far were a prefix and no more came: run the binding of
 * exactly those keys if there is one, else feed them on. */
/* Screens tick every TICK_MS; faster while background work runs, so that
 * rows streaming in (the first queue listing) show as they come. */
static int tick_ms(const pn_app *app)
{
    return app->jobs ? TICK_BUSY_MS : TICK_MS;
}

static void prefix_timeout(pn_app *app)
{
    pn_keyseq typed = app->pending;
    app->pending.n = 0;
    if (!typed.n)
        return;
    if (app->modal) {
        const pn_binding *b = app->modal->mode ? exact_in(app, app->modal->mode, &typed) : NULL;
        if (b && app->modal->exec) {
            char *cmd = pn_strdup(b->command);
            app->modal->exec(app, app->modal, cmd);
            free(cmd);
        } else {
            for (int i = 0; i < typed.n; i++)
                modal_raw_key(app, typed.keys[i]);
        }
        app->dirty = true;
        return;
    }
    char *sec = screen_section(app);
    const pn_binding *b = exact_in(app, sec, &typed);
    if (!b)
        b = exact_in(app, "global", &typed);
    free(sec);
    if (b)
        run_binding(app, b->command);
}

static void unbound_key(pn_app *app, const pn_keyseq *seq)
{
    pn_str name = PN_STR_INIT;
    pn_keyseq_name(&name, seq);
    const pn_binding *h = pn_keymap_key_for(app->km, pn_app_screen(app)->name, "help");
    pn_str hk = PN_STR_INIT;
    if (h)
        pn_keyseq_name(&hk, &h->seq);
    if (h)
        pn_app_flash(app, PN_ROLE_STATUS, "%s is not bound (%s: help)", pn_str_cstr(&name),
                     pn_str_cstr(&hk));
    else
        pn_app_flash(app, PN_ROLE_STATUS, "%s is not bound", pn_str_cstr(&name));
    pn_str_free(&name);
    pn_str_free(&hk);
}

static void screen_key(pn_app *app, pn_key k)
{
    if (k == PN_KEY_ESC && app->pending.n == 0 && app->jobs) {
        cancel_jobs(app);
        pn_app_flash(app, PN_ROLE_STATUS_WARN, "cancelling %s...", app->jobs->title);
        return;
    }
    if (app->pending.n >= PN_KEYSEQ_MAX)
        app->pending.n = 0;
    app->pending.keys[app->pending.n++] = k;
    const pn_binding *b = NULL;
    pn_keymatch r = pn_keymap_lookup(app->km, pn_app_screen(app)->name, &app->pending, &b);
    if (r == PN_KM_PREFIX) {
        app->pending_section = NULL;
        app->pending_since = mono_ms();
        app->dirty = true;
        return;
    }
    if (r == PN_KM_FOUND && b && b->command) {
        app->pending.n = 0;
        run_binding(app, b->command);
        return;
    }
    if (app->pending.n > 1) {
        /* "gx" with only "g" bound: the prefix alone, then x again. */
        app->pending.n--;
        prefix_timeout(app);
        screen_key(app, k);
        return;
    }
    pn_keyseq seq = app->pending;
    app->pending.n = 0;
    unbound_key(app, &seq);
}

static void handle_resize(pn_app *app)
{
    app->relayout = true;
    app->dirty = true;
}

static void trace_key(pn_app *app, pn_key k)
{
    if (!app->trace)
        return;
    pn_str n = PN_STR_INIT;
    pn_key_name(&n, k);
    pn_argv_addf(&app->trace_keys, "%s %.3f", pn_str_cstr(&n), trace_now(NULL));
    pn_str_free(&n);
}

static void process_key(pn_app *app, pn_key k)
{
    if (k == PN_KEY_NONE)
        return;
    if (k == PN_KEY_RESIZE) {
        handle_resize(app);
        return;
    }
    trace_key(app, k);
    if (app->flash && app->pending.n == 0) {
        free(app->flash);
        app->flash = NULL;
    }
    app->dirty = true;
    if (app->cols < MIN_COLS || app->lines < MIN_LINES) {
        if (k == 'q')
            app->quit = true;
        return;
    }
    if (app->modal)
        modal_key(app, k);
    else
        screen_key(app, k);
}

/* ---- scripted input ---------------------------------------------------------------- */

static void script_step(pn_app *app)
{
    pn_script_item item;
    pn_err err = PN_ERR_INIT;
    if (!pn_script_next(app->script, &item, &err)) {
        pn_app_flash(app, PN_ROLE_STATUS_ERROR, "%s", pn_err_msg(&err));
        fprintf(stderr, "postern: console script: %s\n", pn_err_msg(&err));
        pn_err_clear(&err);
        app->exit_code = 1;
        app->quit = true;
        return;
    }
    switch (item.kind) {
    case PN_SCRIPT_END:
        app->quit = true;
        break;
    case PN_SCRIPT_WAIT:
        break;
    case PN_SCRIPT_COMMAND:
        pn_app_run_line(app, item.text);
        app->dirty = true;
        break;
    case PN_SCRIPT_KEYS:
        for (size_t i = 0; i < item.n_keys && !app->quit; i++) {
            process_key(app, item.keys[i]);
            settle(app);
            if (app->relayout)
                app->dirty = true;
        }
        /* The end of a line is a pause: a pending prefix times out. */
        if (app->pending.n)
            prefix_timeout(app);
        break;
    }
}

/* ---- start-up --------------------------------------------------------------------- */

static void load_keymaps(pn_app *app)
{
    const char *const *names = pn_screen_names();
    app->km = pn_keymap_new();
    size_t len = 0;
    const char *yaml = pn_keymap_builtin("default", &len);
    if (yaml)
        pn_keymap_load(app->km, "default.yaml", yaml, len, names);
    const char *which = app->opts.keymap;
    if (which && strcmp(which, "default")) {
        yaml = pn_keymap_builtin(which, &len);
        if (yaml) {
            char *n = pn_sprintf("%s.yaml", which);
            pn_keymap_load(app->km, n, yaml, len, names);
            free(n);
        }
    }
    /* The user's file, named in messages the way the user knows it. */
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char *path = NULL, *shown = NULL;
    if (xdg && *xdg) {
        path = pn_sprintf("%s/postern/keys.yaml", xdg);
        shown = pn_strdup("$XDG_CONFIG_HOME/postern/keys.yaml");
    } else if (home && *home) {
        path = pn_sprintf("%s/.config/postern/keys.yaml", home);
        shown = pn_strdup("~/.config/postern/keys.yaml");
    }
    if (path && access(path, F_OK) == 0) {
        FILE *f = fopen(path, "r");
        if (!f) {
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "%s: cannot be read", shown);
        } else {
            pn_str text = PN_STR_INIT;
            char chunk[4096];
            size_t n;
            while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                pn_str_appendn(&text, chunk, n);
            fclose(f);
            pn_keymap_load(app->km, shown, pn_str_cstr(&text), text.len, names);
            pn_str_free(&text);
        }
    }
    free(path);
    free(shown);
    pn_keymap_check(app->km);
    if (app->read_only)
        pn_keymap_unbind_flags(app->km, PN_AF_DANGEROUS | PN_AF_WRITES);

    size_t n = 0, errors = 0, warnings = 0;
    const pn_keymap_diag *d = pn_keymap_diags(app->km, &n);
    pn_str box = PN_STR_INIT;
    for (size_t i = 0; i < n; i++) {
        if (d[i].is_error) {
            errors++;
            pn_str_appendf(&box, "%s\n", d[i].message);
        } else {
            warnings++;
        }
    }
    if (errors) {
        pn_str_append(&box, "\nThe key file was not applied: the default keys are in use.");
        app->startup_error = pn_str_steal(&box);
    }
    pn_str_free(&box);
    if (warnings)
        pn_app_flash(app, PN_ROLE_STATUS_WARN, "key map: %zu warning%s (see :keys)", warnings,
                     warnings == 1 ? "" : "s");
}

static bool parse_size(const char *s, int *cols, int *lines)
{
    char *end;
    long c = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X'))
        return false;
    const char *p = end + 1;
    long l = strtol(p, &end, 10);
    if (end == p || *end || c < 1 || l < 1 || c > 1000 || l > 1000)
        return false;
    *cols = (int)c;
    *lines = (int)l;
    return true;
}

bool pn_app_parse_size(const char *s, int *cols, int *lines)
{
    return parse_size(s, cols, lines);
}

static void setup_env(pn_app *app)
{
    const char *h = getenv("POSTERN_TUI_HEADLESS");
    app->headless = h && *h && strcmp(h, "0");
    const char *clock = getenv("POSTERN_TUI_CLOCK");
    if (clock && *clock) {
        app->fixed_clock = true;
        app->clock_ms = strtoll(clock, NULL, 10) * 1000;
    }
    const char *dump = getenv("POSTERN_TUI_DUMP_DIR");
    app->dump_dir = pn_strdup(dump && *dump ? dump : ".");
    const char *trace = getenv("POSTERN_TUI_TRACE");
    if (trace && *trace)
        app->trace = fopen(trace, "a");
}

static void free_app(pn_app *app)
{
    while (app->modal)
        pn_app_pop_modal(app);
    cancel_jobs(app);
    reap_jobs(app, true);
    for (size_t i = 0; i < app->nslots; i++) {
        pn_slot *s = &app->slots[i];
        pn_app_slot_free_filter(s);
        if (s->st && s->ops->destroy)
            s->ops->destroy(s->st);
    }
    free(app->slots);
    for (int i = 0; i < PN_PROMPT_KINDS; i++)
        pn_history_free(&app->history[i]);
    free(app->last_search);
    free(app->flash);
    free(app->badge);
    free(app->dump_dir);
    free(app->startup_error);
    pn_argv_free(&app->trace_keys);
    if (app->trace)
        fclose(app->trace);
    if (app->script)
        pn_script_free(app->script);
    pn_keymap_free(app->km);
    pn_theme_free(app->theme);
    if (app->wake_pipe[0] >= 0)
        close(app->wake_pipe[0]);
    if (app->wake_pipe[1] >= 0)
        close(app->wake_pipe[1]);
    pthread_mutex_destroy(&app->job_lock);
    pn_draw_free_roles();
}

int pn_tui_run(pn_ctx *ctx, const pn_tui_opts *opts)
{
    pn_app app;
    memset(&app, 0, sizeof app);
    app.ctx = ctx;
    app.opts = *opts;
    app.read_only = opts->read_only || (ctx && ctx->read_only);
    app.refresh = opts->refresh_interval > 0 ? opts->refresh_interval : (opts->refresh_interval == 0 ? 5 : 0);
    app.wake_pipe[0] = app.wake_pipe[1] = -1;
    pthread_mutex_init(&app.job_lock, NULL);
    setup_env(&app);

    const char *start = opts->start_screen ? opts->start_screen : "queue";
    size_t nscreens;
    const pn_screen_ops *const *screens = pn_screens(&nscreens);
    size_t start_index = nscreens;
    for (size_t i = 0; i < nscreens; i++)
        if (!strcmp(screens[i]->name, start))
            start_index = i;
    if (start_index == nscreens) {
        fprintf(stderr, "postern: console: unknown screen '%s'\n", start);
        free_app(&app);
        return 2;
    }

    pn_err err = PN_ERR_INIT;
    const char *script = getenv("POSTERN_TUI_SCRIPT");
    if (script && *script) {
        app.script = pn_script_open(script, &err);
        if (!app.script) {
            fprintf(stderr, "postern: console: %s\n", pn_err_msg(&err));
            pn_err_clear(&err);
            free_app(&app);
            return 1;
        }
    }

    app.mono = opts->no_color;
    const char *theme = opts->theme ? opts->theme : (opts->no_color ? "mono" : "dark");
    app.theme = pn_theme_builtin(theme, &err);
    if (!app.theme) {
        fprintf(stderr, "postern: console: %s\n", pn_err_msg(&err));
        pn_err_clear(&err);
        free_app(&app);
        return 2;
    }
    if (app.theme->mono)
        app.mono = app.mono || !strcmp(theme, "mono");

    load_keymaps(&app);

    int cols = 100, lines = 30;
    const char *size = getenv("POSTERN_TUI_SIZE");
    if (size && *size && !parse_size(size, &cols, &lines)) {
        fprintf(stderr, "postern: console: POSTERN_TUI_SIZE '%s' is not COLSxLINES\n", size);
        free_app(&app);
        return 2;
    }
    if (pipe(app.wake_pipe) == 0) {
        fcntl(app.wake_pipe[0], F_SETFL, O_NONBLOCK);
        fcntl(app.wake_pipe[1], F_SETFL, O_NONBLOCK);
        fcntl(app.wake_pipe[0], F_SETFD, FD_CLOEXEC);
        fcntl(app.wake_pipe[1], F_SETFD, FD_CLOEXEC);
    } else {
        app.wake_pipe[0] = app.wake_pipe[1] = -1;
    }
    if (!pn_term_open(app.headless, cols, lines, &err)) {
        fprintf(stderr, "postern: %s\n", pn_err_msg(&err));
        pn_err_clear(&err);
        free_app(&app);
        return 1;
    }
    pn_term_apply_theme(app.theme, app.mono);
    app.lines = LINES;
    app.cols = COLS;

    app.nslots = nscreens;
    app.slots = pn_calloc(nscreens, sizeof *app.slots);
    for (size_t i = 0; i < nscreens; i++) {
        app.slots[i].ops = screens[i];
        if (screens[i]->available && screens[i]->create)
            app.slots[i].st = screens[i]->create(&app);
    }
    app.cur = start_index;
    pn_slot *s0 = pn_app_slot(&app);
    if (s0->st && s0->ops->enter)
        s0->ops->enter(s0->st);
    if (app.startup_error) {
        pn_app_error(&app, "Key map errors", app.startup_error);
    }
    app.dirty = true;
    app.relayout = true;

    int64_t last_tick = 0;
    while (!app.quit) {
        if (app.script) {
            settle(&app);
        } else {
            reap_jobs(&app, false);
            int64_t now = mono_ms();
            if (now - last_tick >= tick_ms(&app)) {
                tick_screens(&app);
                last_tick = now;
                if (app.jobs)
                    app.dirty = true;   /* progress in the status line */
            }
        }
        if (app.quit)
            break;
        if (app.dirty || app.relayout)
            pn_app_draw(&app);
        if (app.script) {
            script_step(&app);
            continue;
        }
        int timeout = tick_ms(&app);
        if (app.pending.n) {
            int64_t left = app.pending_since + PREFIX_WAIT_MS - mono_ms();
            timeout = left < 0 ? 0 : (int)left;
            if (timeout > tick_ms(&app))
                timeout = tick_ms(&app);
        }
        pn_key k = pn_term_read_key(timeout, app.wake_pipe[0]);
        if (k == PN_KEY_EOF) {
            app.quit = true;
            break;
        }
        if (k == PN_KEY_NONE) {
            if (app.pending.n && mono_ms() - app.pending_since >= PREFIX_WAIT_MS) {
                prefix_timeout(&app);
                app.dirty = true;
            }
            continue;
        }
        process_key(&app, k);
    }
    pn_slot *s = pn_app_slot(&app);
    if (s->st && s->ops->leave)
        s->ops->leave(s->st);
    int rc = app.exit_code;
    free_app(&app);
    pn_term_close();
    return rc;
}
