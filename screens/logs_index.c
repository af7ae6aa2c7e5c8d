/* logs_index.c - the Logs screen keeps the on-disk log index (the same one
 * `postern log index` builds, beside the state DB) up to date: the first
 * time the screen is shown it updates the index in a background job with
 * progress (Esc cancels; what is done stays indexed), so traces and the
 * sender's next/previous message answer from it. The index is postern's own
 * cache, not the mail server's configuration, so read-only mode allows it.
 * The update runs as a child `postern log index` (this same binary): the
 * builder sorts every key of a file in memory (~200 MiB for a 267 MB file),
 * and the console itself stays small (~15 MiB on a 1 GiB log set). */
#include "logs_screen.h"

#include <stdlib.h>
#include <unistd.h>

#include "transport.h"
#include "util/mem.h"

#define JOB_INDEX "Updating the log index"

typedef struct ix_job {
    lg *s;
    pn_job *job;
    char *config;         /* the file the console's configuration came from */
    bool ok;
    pn_err err;
} ix_job;

/* The child's output is not needed (the screen only says when it failed);
 * each chunk is a chance to stop it when the user cancelled. */
static bool on_output(void *cbctx, const char *data, size_t len)
{
    ix_job *j = cbctx;
    (void)data;
    (void)len;
    return !pn_job_cancelled(j->job);
}

static void ix_run(pn_job *job, void *data)
{
    ix_job *j = data;
    j->job = job;
    pn_job_progress(job, -1);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        pn_err_set(&j->err, PN_E_EXEC, "cannot find the postern binary (/proc/self/exe)");
        return;
    }
    exe[n] = '\0';
    pn_argv argv = PN_ARGV_INIT;
    pn_argv_add(&argv, exe);
    if (j->config)
        pn_argv_addv(&argv, "--config", j->config, NULL);
    pn_argv_addv(&argv, "log", "index", NULL);
    /* The logs are local files: the index is built here, whatever
     * transport the instance uses. */
    pn_transport *tr = pn_transport_local_new();
    pn_run_opts o = {.timeout_ms = -1, .on_stdout = on_output, .cb_ctx = j};
    pn_run_result res = PN_RUN_RESULT_INIT;
    j->ok = pn_run_ok(tr, (const char *const *)argv.v, &o, &res, &j->err);
    pn_run_result_free(&res);
    pn_transport_free(tr);
    pn_argv_free(&argv);
}

static void ix_done(void *st, void *data, bool cancelled)
{
    lg *s = st;
    ix_job *j = data;
    if (cancelled)
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN,
                     "log index update cancelled: what was done stays indexed");
    else if (!j->ok)
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "log index not updated (traces scan): %s",
                     pn_err_msg(&j->err));
    pn_err_clear(&j->err);
    free(j->config);
    free(j);
}

void lg_index_start(lg *s)
{
    if (s->ix_started || !s->ctx || !s->ctx->cfg || !s->ctx->cfg->state_db)
        return;
    ix_job *j = pn_calloc(1, sizeof *j);
    j->s = s;
    /* the child reads the same postern.yaml (its environment is clean, so
     * $POSTERN_CONFIG would not reach it): the file's absolute path */
    const char *src = s->ctx->cfg->source;
    if (src)
        j->config = realpath(src, NULL);
    if (!pn_app_start_job(s->app, JOB_INDEX, ix_run, ix_done, s, j)) {
        free(j);
        return;
    }
    s->ix_started = true;
}
