/* transport_local.c - the local transport: postern runs on the mail server.
 *
 * Commands: fork+exec of an argv vector (never a shell), argv[0] resolved in
 * the fixed PATH /usr/sbin:/usr/bin:/sbin:/bin (not the caller's), a clean
 * environment, the child in its own process group with default signal
 * dispositions, an empty signal mask and only fds 0-2 open. The parent feeds
 * stdin and drains stdout/stderr with poll(), never blocking the child, and
 * on timeout or cancel sends SIGTERM to the whole group, then SIGKILL after a
 * one second grace.
 *
 * Files: whole-file reads with a size cap, atomic replacement (temp file in
 * the same directory, fsync, rename, fsync of the directory), lstat and
 * directory listing. */
#include "transport.h"
#include "util/argv.h"
#include "util/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PN_FIXED_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
#define PN_RUN_DEFAULT_ERR_CAP (64u * 1024)
#define PN_READ_DEFAULT_CAP ((size_t)64 * 1024 * 1024)
#define PN_KILL_GRACE_MS 1000
#define PN_IO_CHUNK 65536

/* ---------------------------------------------------------------- helpers */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd); /* never retried on EINTR: the fd is gone on Linux */
        *fd = -1;
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

static pn_errcode errno_code(int e)
{
    return (e == ENOENT || e == ENOTDIR) ? PN_E_NOTFOUND : PN_E_IO;
}

/* ------------------------------------------------------------------- run */

/* Find argv[0] in the fixed PATH. Returns a heap path or NULL. */
static char *resolve_command(const char *name)
{
    if (strchr(name, '/'))
        return pn_strdup(name);
    const char *p = PN_FIXED_PATH;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
        char *cand = pn_sprintf("%.*s/%s", (int)dlen, p, name);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
            faccessat(AT_FDCWD, cand, X_OK, AT_EACCESS) == 0)
            return cand;
        free(cand);
        p += dlen;
        if (*p == ':')
            p++;
    }
    return NULL;
}

/* Put "NAME=value" into env, replacing an entry with the same NAME. */
static void env_put(pn_argv *env, const char *entry)
{
    size_t nlen = (size_t)(strchr(entry, '=') - entry);
    for (size_t i = 0; i < env->n; i++) {
        if (strncmp(env->v[i], entry, nlen + 1) == 0) {
            free(env->v[i]);
            env->v[i] = pn_strdup(entry);
            return;
        }
    }
    pn_argv_add(env, entry);
}

static bool build_env(pn_argv *env, const pn_run_opts *opts, pn_err *err)
{
    pn_argv_add(env, "PATH=" PN_FIXED_PATH);
    pn_argv_add(env, "LANG=C");
    pn_argv_add(env, "LC_ALL=C");
    pn_argv_add(env, "HOME=/");
    const char *tz = getenv("TZ");
    if (tz)
        pn_argv_addf(env, "TZ=%s", tz);
    for (const char *const *e = opts->env; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || eq == *e)
            return pn_err_set(err, PN_E_INVALID,
                              "run: environment entry '%s' is not NAME=value", *e);
        env_put(env, *e);
    }
    return true;
}

/* Make sure fd does not sit on 0-2 so that the dup2() shuffle in the child
 * cannot clobber it (only possible when the caller closed its stdio). */
static bool move_above_stdio(int *fd)
{
    if (*fd > 2)
        return true;
    int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
    if (nfd < 0)
        return false;
    close(*fd);
    *fd = nfd;
    return true;
}

static void close_from(int lowfd, long maxfd)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
        return;
#endif
    for (long fd = lowfd; fd < maxfd; fd++)
        close((int)fd);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
child_exec(const char *path, char *const *argv, char *const *envp,
           int in_fd, int out_fd, int err_fd, int report_fd, long maxfd)
{
    setpgid(0, 0);

    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL); /* fails harmlessly for reserved ones */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        goto fail;
    /* The exec-failure report pipe goes to fd 3 (close-on-exec); the rest is closed. */
    if (report_fd != 3 && dup3(report_fd, 3, O_CLOEXEC) < 0)
        goto fail;
    report_fd = 3;
    close_from(4, maxfd);

    execve(path, argv, envp);
fail:;
    int e = errno;
    ssize_t w;
    do {
        w = write(report_fd, &e, sizeof(e));
    } while (w < 0 && errno == EINTR);
    _exit(127);
}

typedef struct run_state {
    pid_t pid;
    int in_fd, out_fd, err_fd, pidfd;
    const char *in_data;
    size_t in_len, in_off;
    size_t out_cap, err_cap;
    bool reaped;
    int status;
    bool terminating;   /* SIGTERM sent */
    bool killed;        /* SIGKILL sent */
    int64_t kill_at;
} run_state;

static void terminate_group(run_state *st, int64_t now)
{
    if (st->terminating)
        return;
    kill(-st->pid, SIGTERM);
    st->terminating = true;
    st->kill_at = now + PN_KILL_GRACE_MS;
    close_fd(&st->in_fd);
}

static void try_reap(run_state *st, int flags)
{
    if (st->reaped)
        return;
    for (;;) {
        pid_t r = waitpid(st->pid, &st->status, flags);
        if (r == st->pid) {
            st->reaped = true;
            close_fd(&st->pidfd);
            return;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) { /* ECHILD: someone else reaped it (SIGCHLD=SIG_IGN) */
            st->reaped = true;
            st->status = 0;
            close_fd(&st->pidfd);
        }
        return;
    }
}

/* Read what is available on *fd into dst (up to cap, the rest discarded) or
 * hand it to the callback. Returns false when the callback asked to stop. */
static bool drain(int *fd, pn_str *dst, size_t cap, bool *truncated,
                  const pn_run_opts *opts, bool stream, bool *stop)
{
    char buf[PN_IO_CHUNK];
    for (int rounds = 0; rounds < 16; rounds++) {
        ssize_t n = read(*fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n <= 0) {
            close_fd(fd);
            return true;
        }
        if (stream) {
            if (!*stop && !opts->on_stdout(opts->cb_ctx, buf, (size_t)n)) {
                *stop = true;
                return false;
            }
            continue;
        }
        size_t keep = (size_t)n;
        if (dst->len + keep > cap) {
            keep = cap > dst->len ? cap - dst->len : 0;
            *truncated = true;
        }
        if (keep)
            pn_str_appendn(dst, buf, keep);
    }
    return true;
}

static void feed_stdin(run_state *st)
{
    while (st->in_fd >= 0 && st->in_off < st->in_len) {
        size_t want = st->in_len - st->in_off;
        if (want > PN_IO_CHUNK)
            want = PN_IO_CHUNK;
        ssize_t n = write(st->in_fd, st->in_data + st->in_off, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0) { /* EPIPE: the command does not want (more) input */
            close_fd(&st->in_fd);
            return;
        }
        st->in_off += (size_t)n;
    }
    close_fd(&st->in_fd);
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0)
            fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
        return fd;
    }
#else
    (void)pid;
#endif
    return -1;
}

static bool local_run(pn_transport *t, const char *const *argv, const pn_run_opts *opts_in,
                      pn_run_result *res_in, pn_err *err)
{
    static const pn_run_opts no_opts;
    const pn_run_opts *opts = opts_in ? opts_in : &no_opts;
    pn_run_result local_res = PN_RUN_RESULT_INIT;
    pn_run_result *res = res_in ? res_in : &local_res;

    pn_str_reset(&res->out);
    pn_str_reset(&res->err);
    res->exit_code = -1;
    res->term_signal = 0;
    res->timed_out = res->cancelled = false;
    res->out_truncated = res->err_truncated = false;
    res->elapsed_ms = 0;

    if (!argv || !argv[0] || !argv[0][0])
        return pn_err_set(err, PN_E_INVALID, "run: empty command");
    const char *name = base_name(argv[0]);

    char *path = resolve_command(argv[0]);
    if (!path)
        return pn_err_set(err, PN_E_EXEC, "command not found: %s (searched %s)",
                          argv[0], PN_FIXED_PATH);

    bool ok = false;
    pn_argv env = PN_ARGV_INIT;
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    int rep_pipe[2] = {-1, -1};
    run_state st = {.pid = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1, .pidfd = -1};
    bool sigpipe_blocked = false, sigpipe_was_pending = false;
    sigset_t pipeset, oldmask;
    int64_t start = mono_ms();

    if (!build_env(&env, opts, err))
        goto out;

    /* stdin: a pipe when there is data (even empty), else /dev/null. */
    if (opts->stdin_data) {
        if (pipe2(in_pipe, O_CLOEXEC) < 0)
            goto sys_fail;
    } else {
        in_pipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in_pipe[0] < 0)
            goto sys_fail;
    }
    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 ||
        pipe2(rep_pipe, O_CLOEXEC) < 0)
        goto sys_fail;
    if (!move_above_stdio(&in_pipe[0]) || !move_above_stdio(&out_pipe[1]) ||
        !move_above_stdio(&err_pipe[1]) || !move_above_stdio(&rep_pipe[1]))
        goto sys_fail;

    /* SIGPIPE: writing stdin to a command that exits without reading it
     * raises SIGPIPE in this thread. Rather than changing the process-wide
     * disposition, SIGPIPE stays blocked in the calling thread while the
     * command runs (the write then just fails with EPIPE), and a SIGPIPE we
     * caused is consumed with sigtimedwait() before the mask is restored. */
    if (opts->stdin_data) {
        sigemptyset(&pipeset);
        sigaddset(&pipeset, SIGPIPE);
        if (pthread_sigmask(SIG_BLOCK, &pipeset, &oldmask) == 0) {
            sigpipe_blocked = true;
            sigset_t pend;
            sigemptyset(&pend);
            sigpending(&pend);
            sigpipe_was_pending = sigismember(&pend, SIGPIPE) == 1;
        }
    }

    struct rlimit rl;
    long maxfd = 65536;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)(1L << 20))
        maxfd = (long)rl.rlim_cur;

    pid_t pid = fork();
    if (pid < 0)
        goto sys_fail;
    if (pid == 0)
        child_exec(path, (char *const *)argv, pn_argv_items(&env), in_pipe[0],
                   out_pipe[1], err_pipe[1], rep_pipe[1], maxfd);
    st.pid = pid;
    setpgid(pid, pid); /* also done by the child; whichever runs first wins */

    close_fd(&in_pipe[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[1]);
    close_fd(&rep_pipe[1]);

    /* Did exec work? The report pipe closes on exec, or carries errno. */
    int child_errno = 0;
    size_t got = 0;
    while (got < sizeof(child_errno)) {
        ssize_t n = read(rep_pipe[0], (char *)&child_errno + got, sizeof(child_errno) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close_fd(&rep_pipe[0]);
    if (got == sizeof(child_errno)) {
        try_reap(&st, 0);
        pn_err_set(err, PN_E_EXEC, "cannot execute %s: %s", path, strerror(child_errno));
        goto out;
    }

    st.in_fd = in_pipe[1];
    in_pipe[1] = -1;
    st.out_fd = out_pipe[0];
    out_pipe[0] = -1;
    st.err_fd = err_pipe[0];
    err_pipe[0] = -1;
    st.in_data = opts->stdin_data;
    st.in_len = opts->stdin_data ? opts->stdin_len : 0;
    st.out_cap = opts->out_cap ? opts->out_cap : PN_RUN_DEFAULT_CAP;
    st.err_cap = opts->err_cap ? opts->err_cap : PN_RUN_DEFAULT_ERR_CAP;
    st.pidfd = open_pidfd(pid);
    int fds[3] = {st.in_fd, st.out_fd, st.err_fd};
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
    if (st.in_fd >= 0 && st.in_len == 0)
        close_fd(&st.in_fd);

    int timeout_ms = opts->timeout_ms == 0 ? PN_RUN_DEFAULT_TIMEOUT_MS : opts->timeout_ms;
    int64_t deadline = timeout_ms > 0 ? start + timeout_ms : -1;
    bool stream = opts->on_stdout != NULL;
    bool stop_stream = false;

    for (;;) {
        try_reap(&st, WNOHANG);
        if (st.reaped && st.in_fd < 0 && st.out_fd < 0 && st.err_fd < 0)
            break;
        int64_t now = mono_ms();
        if (!st.terminating && deadline >= 0 && now >= deadline) {
            res->timed_out = true;
            terminate_group(&st, now);
        }
        if (st.terminating && !st.killed && now >= st.kill_at) {
            kill(-st.pid, SIGKILL);
            st.killed = true;
            /* Anything still holding the pipes escaped the group: stop waiting. */
            close_fd(&st.in_fd);
            close_fd(&st.out_fd);
            close_fd(&st.err_fd);
            try_reap(&st, 0);
            break;
        }

        int64_t wait = -1;
        if (st.terminating)
            wait = st.kill_at - now;
        else if (deadline >= 0)
            wait = deadline - now;
        struct pollfd pfd[4];
        int np = 0, i_in = -1, i_out = -1, i_err = -1;
        if (st.in_fd >= 0) {
            i_in = np;
            pfd[np++] = (struct pollfd){.fd = st.in_fd, .events = POLLOUT};
        }
        if (st.out_fd >= 0) {
            i_out = np;
            pfd[np++] = (struct pollfd){.fd = st.out_fd, .events = POLLIN};
        }
        if (st.err_fd >= 0) {
            i_err = np;
            pfd[np++] = (struct pollfd){.fd = st.err_fd, .events = POLLIN};
        }
        if (!st.reaped) {
            if (st.pidfd >= 0)
                pfd[np++] = (struct pollfd){.fd = st.pidfd, .events = POLLIN};
            else if (np == 0 && (wait < 0 || wait > 20))
                wait = 20; /* no pidfd: poll waitpid() for the exit */
        }
        int pr = poll(pfd, (nfds_t)np, wait < 0 ? -1 : (int)(wait > INT_MAX ? INT_MAX : wait));
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            kill(-st.pid, SIGKILL);
            st.killed = true;
            try_reap(&st, 0);
            pn_err_set(err, PN_E_INTERNAL, "%s: poll failed: %s", name, strerror(e));
            goto out;
        }
        if (i_in >= 0 && pfd[i_in].revents)
            feed_stdin(&st);
        if (i_out >= 0 && pfd[i_out].revents) {
            if (!drain(&st.out_fd, &res->out, st.out_cap, &res->out_truncated, opts,
                       stream, &stop_stream)) {
                res->cancelled = true;
                terminate_group(&st, mono_ms());
            }
        }
        if (i_err >= 0 && pfd[i_err].revents)
            drain(&st.err_fd, &res->err, st.err_cap, &res->err_truncated, opts, false,
                  &stop_stream);
    }

    if (WIFEXITED(st.status)) {
        res->exit_code = WEXITSTATUS(st.status);
        res->term_signal = 0;
    } else if (WIFSIGNALED(st.status)) {
        res->exit_code = -1;
        res->term_signal = WTERMSIG(st.status);
    }
    res->elapsed_ms = mono_ms() - start;
    if (res->timed_out)
        pn_err_set(err, PN_E_TIMEOUT, "%s timed out after %d ms", name, timeout_ms);
    else
        ok = true;
    goto out;

sys_fail:;
    int e = errno;
    pn_err_set(err, PN_E_EXEC, "cannot run %s: %s", name, strerror(e));
out:
    if (st.pid > 0 && !st.reaped) {
        kill(-st.pid, SIGKILL);
        try_reap(&st, 0);
    }
    close_fd(&in_pipe[0]);
    close_fd(&in_pipe[1]);
    close_fd(&out_pipe[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[0]);
    close_fd(&err_pipe[1]);
    close_fd(&rep_pipe[0]);
    close_fd(&rep_pipe[1]);
    close_fd(&st.in_fd);
    close_fd(&st.out_fd);
    close_fd(&st.err_fd);
    close_fd(&st.pidfd);
    if (sigpipe_blocked) {
        if (!sigpipe_was_pending) {
            struct timespec zero = {0, 0};
            while (sigtimedwait(&pipeset, NULL, &zero) < 0 && errno == EINTR)
                ;
        }
        pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    }
    if (res->elapsed_ms == 0)
        res->elapsed_ms = mono_ms() - start;
    pn_argv_free(&env);
    free(path);
    if (!res_in)
        pn_run_result_free(&local_res);
    return ok;
}

/* ----------------------------------------------------------------- files */

static bool local_read_file(pn_transport *t, const char *path, size_t cap, pn_str *out,
                            pn_err *err)
{
    if (cap == 0)
        cap = PN_READ_DEFAULT_CAP;
    pn_str_reset(out);
    /* O_NONBLOCK so that a FIFO cannot hang the open; it is refused below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        return pn_err_set(err, errno_code(e), "cannot read %s: %s", path, strerror(e));
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        int e = errno;
        close(fd);
        return pn_err_set(err, PN_E_IO, "cannot read %s: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return pn_err_set(err, PN_E_IO, "cannot read %s: %s", path,
                          S_ISDIR(sb.st_mode) ? strerror(EISDIR) : "not a regular file");
    }
    if ((uint64_t)sb.st_size > cap) {
        close(fd);
        return pn_err_set(err, PN_E_IO, "cannot read %s: file is %llu bytes, larger than the %zu byte limit",
                          path, (unsigned long long)sb.st_size, cap);
    }
    /* Read to EOF rather than trusting st_size (files under /proc say 0). */
    pn_str_reserve(out, (size_t)sb.st_size);
    char buf[PN_IO_CHUNK];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            pn_str_reset(out);
            return pn_err_set(err, PN_E_IO, "cannot read %s: %s", path, strerror(e));
        }
        if (n == 0)
            break;
        if (out->len + (size_t)n > cap) {
            close(fd);
            pn_str_reset(out);
            return pn_err_set(err, PN_E_IO, "cannot read %s: file is larger than the %zu byte limit",
                              path, cap);
        }
        pn_str_appendn(out, buf, (size_t)n);
    }
    close(fd);
    return true;
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len > (1u << 30) ? (1u << 30) : len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

static bool local_write_file(pn_transport *t, const char *path_in, const void *data,
                             size_t len, int mode, pn_err *err)
{
    bool ok = false;
    char *path = pn_strdup(path_in);
    char *dir = NULL, *tmp = NULL;
    int fd = -1, e;

    /* A symlinked target is replaced where it points, keeping the link. */
    struct stat cur;
    bool exists = lstat(path, &cur) == 0;
    if (exists && S_ISLNK(cur.st_mode)) {
        char *real = realpath(path, NULL);
        if (!real) {
            e = errno;
            pn_err_set(err, errno_code(e), "cannot write %s: cannot resolve symlink: %s",
                       path_in, strerror(e));
            goto out;
        }
        free(path);
        path = pn_strdup(real);
        free(real);
        exists = lstat(path, &cur) == 0;
    }
    if (exists && !S_ISREG(cur.st_mode)) {
        pn_err_set(err, PN_E_IO, "cannot write %s: not a regular file", path_in);
        goto out;
    }

    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base) {
        pn_err_set(err, PN_E_INVALID, "cannot write %s: no file name", path_in);
        goto out;
    }
    if (!slash)
        dir = pn_strdup(".");
    else if (slash == path)
        dir = pn_strdup("/");
    else
        dir = pn_strndup(path, (size_t)(slash - path));
    tmp = pn_sprintf("%s/.%s.XXXXXX", dir, base);

    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        e = errno;
        pn_err_set(err, errno_code(e), "cannot write %s: cannot create a temporary file in %s: %s",
                   path_in, dir, strerror(e));
        free(tmp);
        tmp = NULL; /* nothing to unlink */
        goto out;
    }
    if (!write_all(fd, data, len)) {
        e = errno;
        pn_err_set(err, PN_E_IO, "cannot write %s: %s", path_in, strerror(e));
        goto out;
    }
    mode_t want = 0600;
    if (mode >= 0)
        want = (mode_t)mode & 07777;
    else if (exists)
        want = cur.st_mode & 07777;
    if (exists) {
        /* A replaced file keeps its owner whatever the mode (a map owned by
         * root stays root's). chown first: it may clear set-id bits that
         * fchmod then restores. */
        if ((cur.st_uid != geteuid() || cur.st_gid != getegid()) &&
            fchown(fd, cur.st_uid, cur.st_gid) < 0) {
            e = errno;
            pn_err_set(err, PN_E_IO, "cannot write %s: cannot keep owner %u:%u: %s", path_in,
                       (unsigned)cur.st_uid, (unsigned)cur.st_gid, strerror(e));
            goto out;
        }
    }
    if (fchmod(fd, want) < 0) {
        e = errno;
        pn_err_set(err, PN_E_IO, "cannot write %s: cannot set mode %04o: %s", path_in,
                   (unsigned)want, strerror(e));
        goto out;
    }
    if (fsync(fd) < 0) {
        e = errno;
        pn_err_set(err, PN_E_IO, "cannot write %s: fsync: %s", path_in, strerror(e));
        goto out;
    }
    int cr = close(fd);
    fd = -1;
    if (cr < 0) {
        e = errno;
        pn_err_set(err, PN_E_IO, "cannot write %s: %s", path_in, strerror(e));
        goto out;
    }
    if (rename(tmp, path) < 0) {
        e = errno;
        pn_err_set(err, PN_E_IO, "cannot write %s: rename: %s", path_in, strerror(e));
        goto out;
    }
    free(tmp);
    tmp = NULL; /* renamed: nothing to clean up any more */

    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL && errno != ENOTSUP)) {
        e = errno;
        if (dfd >= 0)
            close(dfd);
        pn_err_set(err, PN_E_IO, "%s was replaced but syncing directory %s failed: %s",
                   path_in, dir, strerror(e));
        goto out;
    }
    close(dfd);
    ok = true;
out:
    if (fd >= 0)
        close(fd);
    if (tmp)
        unlink(tmp);
    free(tmp);
    free(dir);
    free(path);
    return ok;
}

static pn_ftype ftype_of(mode_t m)
{
    if (S_ISREG(m))
        return PN_FT_FILE;
    if (S_ISDIR(m))
        return PN_FT_DIR;
    if (S_ISLNK(m))
        return PN_FT_LINK;
    return PN_FT_OTHER;
}

static bool local_stat(pn_transport *t, const char *path, pn_stat *st, pn_err *err)
{
    struct stat sb;
    if (lstat(path, &sb) < 0) {
        int e = errno;
        return pn_err_set(err, errno_code(e), "cannot stat %s: %s", path, strerror(e));
    }
    st->type = ftype_of(sb.st_mode);
    st->size = (uint64_t)sb.st_size;
    st->mtime = (int64_t)sb.st_mtim.tv_sec;
    st->mode = (uint32_t)(sb.st_mode & 07777);
    st->uid = (uint32_t)sb.st_uid;
    st->gid = (uint32_t)sb.st_gid;
    st->dev = (uint64_t)sb.st_dev;
    st->ino = (uint64_t)sb.st_ino;
    return true;
}

static bool local_list_dir(pn_transport *t, const char *path, pn_dirent_cb cb, void *ctx,
                           pn_err *err)
{
    DIR *d = opendir(path);
    if (!d) {
        int e = errno;
        return pn_err_set(err, errno_code(e), "cannot list %s: %s", path, strerror(e));
    }
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            int e = errno;
            closedir(d);
            if (e)
                return pn_err_set(err, PN_E_IO, "cannot list %s: %s", path, strerror(e));
            return true;
        }
        const char *n = de->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
            continue;
        pn_ftype type;
        switch (de->d_type) {
        case DT_REG: type = PN_FT_FILE; break;
        case DT_DIR: type = PN_FT_DIR; break;
        case DT_LNK: type = PN_FT_LINK; break;
        case DT_UNKNOWN: {
            struct stat sb;
            type = fstatat(dirfd(d), n, &sb, AT_SYMLINK_NOFOLLOW) == 0
                       ? ftype_of(sb.st_mode) : PN_FT_OTHER;
            break;
        }
        default: type = PN_FT_OTHER; break;
        }
        if (!cb(ctx, n, type))
            break;
    }
    closedir(d);
    return true;
}

static bool local_mkdir(pn_transport *t, const char *path, int mode, pn_err *err)
{
    (void)t;
    if (mkdir(path, (mode_t)mode) == 0 || errno == EEXIST) {
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            return true;
        return pn_err_set(err, PN_E_IO, "cannot create directory %s: %s", path,
                          strerror(ENOTDIR));
    }
    int e = errno;
    return pn_err_set(err, errno_code(e), "cannot create directory %s: %s", path, strerror(e));
}

/* fsync the directory that holds path. */
static bool sync_parent(const char *path, pn_err *err)
{
    char *dir = pn_strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (!ok)
        pn_err_set(err, PN_E_IO, "cannot sync directory %s: %s", dir, strerror(e));
    free(dir);
    return ok;
}

static bool local_rename(pn_transport *t, const char *from, const char *to, pn_err *err)
{
    (void)t;
    if (rename(from, to) < 0) {
        int e = errno;
        return pn_err_set(err, errno_code(e), "cannot rename %s to %s: %s", from, to,
                          strerror(e));
    }
    return sync_parent(to, err);
}

static bool local_symlink(pn_transport *t, const char *target, const char *linkpath,
                          pn_err *err)
{
    char *tmp = pn_sprintf("%s.new-%ld", linkpath, (long)getpid());
    unlink(tmp);
    if (symlink(target, tmp) < 0) {
        int e = errno;
        pn_err_set(err, errno_code(e), "cannot create symlink %s: %s", tmp, strerror(e));
        free(tmp);
        return false;
    }
    bool ok = local_rename(t, tmp, linkpath, err);
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok;
}

static bool local_readlink(pn_transport *t, const char *path, pn_str *out, pn_err *err)
{
    (void)t;
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n < 0) {
        int e = errno;
        return pn_err_set(err, errno_code(e), "cannot read link %s: %s", path, strerror(e));
    }
    pn_str_truncate(out, 0);
    pn_str_appendn(out, buf, (size_t)n);
    return true;
}

static int remove_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

static bool local_remove(pn_transport *t, const char *path, pn_err *err)
{
    (void)t;
    struct stat sb;
    if (lstat(path, &sb) < 0)
        return errno == ENOENT ? true
                               : pn_err_set(err, PN_E_IO, "cannot remove %s: %s", path,
                                            strerror(errno));
    int rc = S_ISDIR(sb.st_mode) ? nftw(path, remove_cb, 16, FTW_DEPTH | FTW_PHYS) : unlink(path);
    if (rc < 0) {
        int e = errno;
        return pn_err_set(err, PN_E_IO, "cannot remove %s: %s", path, strerror(e));
    }
    return true;
}

static bool local_chgrp(pn_transport *t, const char *path, const char *group, pn_err *err)
{
    (void)t;
    struct group gr, *res = NULL;
    char buf[4096];
    if (getgrnam_r(group, &gr, buf, sizeof(buf), &res) != 0 || !res)
        return pn_err_set(err, PN_E_NOTFOUND, "chgrp %s: no group '%s' on this host", path,
                          group);
    if (chown(path, (uid_t)-1, gr.gr_gid) < 0) {
        int e = errno;
        return pn_err_set(err, errno_code(e), "cannot change the group of %s to %s: %s", path,
                          group, strerror(e));
    }
    return true;
}

static bool local_set_mtime(pn_transport *t, const char *path, int64_t mtime, pn_err *err)
{
    (void)t;
    struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)mtime, 0}};
    if (utimensat(AT_FDCWD, path, ts, 0) < 0) {
        int e = errno;
        return pn_err_set(err, errno_code(e), "cannot set the time of %s: %s", path,
                          strerror(e));
    }
    return true;
}

static int sync_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag != FTW_F && flag != FTW_DP && flag != FTW_D)
        return 0;
    if (!S_ISREG(sb->st_mode) && !S_ISDIR(sb->st_mode))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | (S_ISDIR(sb->st_mode) ? O_DIRECTORY : 0));
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static bool local_sync_tree(pn_transport *t, const char *path, pn_err *err)
{
    (void)t;
    if (nftw(path, sync_cb, 16, FTW_DEPTH | FTW_PHYS) < 0) {
        int e = errno;
        return pn_err_set(err, PN_E_IO, "cannot sync %s: %s", path, strerror(e));
    }
    return sync_parent(path, err);
}

static void local_destroy(pn_transport *t)
{
    (void)t; /* no per-instance state */
}

static const pn_transport_ops local_ops = {
    .kind = "local",
    .run = local_run,
    .read_file = local_read_file,
    .write_file = local_write_file,
    .stat = local_stat,
    .list_dir = local_list_dir,
    .mkdir = local_mkdir,
    .symlink = local_symlink,
    .readlink = local_readlink,
    .rename = local_rename,
    .remove = local_remove,
    .sync_tree = local_sync_tree,
    .chgrp = local_chgrp,
    .set_mtime = local_set_mtime,
    .destroy = local_destroy,
};

pn_transport *pn_transport_local_new(void)
{
    pn_transport *t = pn_calloc(1, sizeof(*t));
    t->ops = &local_ops;
    t->host = pn_strdup("localhost");
    t->impl = NULL;
    return t;
}
