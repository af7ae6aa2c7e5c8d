/* transport.h - the one way postern touches a server.
 *
 * Everything that runs a command or reads/writes a file on the managed host
 * goes through a pn_transport, so that the local implementation (now) and an
 * SSH implementation (later, libssh) are interchangeable for every caller.
 *
 * Commands are argv vectors, never shell strings. The local implementation
 * runs them with fork+exec in their own process group, a clean environment
 * (PATH=/usr/sbin:/usr/bin:/sbin:/bin, LANG=C, plus opts->env), optional
 * stdin, stdout/stderr captured up to a cap, and a timeout that kills the
 * whole process group.
 *
 * Every function returns true on success and fills err with a human reason
 * on failure. A command that ran and exited non-zero is NOT a transport
 * failure: run() returns true and the caller reads res->exit_code. */
#ifndef PN_TRANSPORT_H
#define PN_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"
#include "util/str.h"

#define PN_RUN_DEFAULT_TIMEOUT_MS 30000
#define PN_RUN_DEFAULT_CAP (16u * 1024 * 1024)

/* Streaming consumer for stdout: return false to stop reading (the command
 * is then killed and res->cancelled is set). */
typedef bool (*pn_run_chunk_cb)(void *ctx, const char *data, size_t len);

typedef struct pn_run_opts {
    const char *stdin_data;    /* NULL: stdin is /dev/null */
    size_t stdin_len;
    int timeout_ms;            /* 0: PN_RUN_DEFAULT_TIMEOUT_MS; <0: none */
    size_t out_cap;            /* 0: PN_RUN_DEFAULT_CAP */
    size_t err_cap;            /* 0: 64 KiB */
    const char *const *env;    /* extra "NAME=value" entries, NULL-terminated */
    pn_run_chunk_cb on_stdout; /* if set, stdout streams here, not into res->out */
    void *cb_ctx;
} pn_run_opts;

typedef struct pn_run_result {
    int exit_code;             /* exit status, or -1 when killed by a signal */
    int term_signal;           /* signal that ended it, 0 if none */
    bool timed_out;
    bool cancelled;
    bool out_truncated;        /* more stdout than out_cap: the rest was discarded */
    bool err_truncated;
    pn_str out;
    pn_str err;
    int64_t elapsed_ms;
} pn_run_result;

#define PN_RUN_RESULT_INIT {0, 0, false, false, false, false, PN_STR_INIT, PN_STR_INIT, 0}
void pn_run_result_free(pn_run_result *res);

typedef enum pn_ftype { PN_FT_OTHER, PN_FT_FILE, PN_FT_DIR, PN_FT_LINK } pn_ftype;

typedef struct pn_stat {
    pn_ftype type;
    uint64_t size;
    int64_t mtime;            /* seconds since the epoch */
    uint32_t mode;            /* permission bits */
    uint32_t uid, gid;
    uint64_t dev, ino;        /* identity, e.g. to recognise a rotated log */
} pn_stat;

/* Return false to stop the listing. */
typedef bool (*pn_dirent_cb)(void *ctx, const char *name, pn_ftype type);

typedef struct pn_transport pn_transport;

typedef struct pn_transport_ops {
    const char *kind;          /* "local", later "ssh" */
    bool (*run)(pn_transport *t, const char *const *argv, const pn_run_opts *opts,
                pn_run_result *res, pn_err *err);
    /* Read a whole file, failing with PN_E_IO if it is larger than cap (0: 64 MiB). */
    bool (*read_file)(pn_transport *t, const char *path, size_t cap, pn_str *out,
                      pn_err *err);
    /* Atomic replace: temp file in the same directory, write, fsync, rename,
     * fsync the directory. mode < 0 keeps the existing file's mode and owner
     * (0600 for a new file); mode >= 0 sets it. A replaced file keeps its
     * owner and group either way. */
    bool (*write_file)(pn_transport *t, const char *path, const void *data,
                       size_t len, int mode, pn_err *err);
    /* stat without following a final symlink; PN_E_NOTFOUND if absent. */
    bool (*stat)(pn_transport *t, const char *path, pn_stat *st, pn_err *err);
    /* Entries except "." and "..", in no particular order. */
    bool (*list_dir)(pn_transport *t, const char *path, pn_dirent_cb cb,
                     void *ctx, pn_err *err);
    /* Directory trees postern owns (apply generations). mkdir: one level,
     * an existing directory is success. */
    bool (*mkdir)(pn_transport *t, const char *path, int mode, pn_err *err);
    /* Point linkpath at target atomically (a temporary link renamed over it). */
    bool (*symlink)(pn_transport *t, const char *target, const char *linkpath, pn_err *err);
    /* The target of a symlink; PN_E_NOTFOUND if absent. */
    bool (*readlink)(pn_transport *t, const char *path, pn_str *out, pn_err *err);
    /* rename(2), then fsync the parent directory. */
    bool (*rename)(pn_transport *t, const char *from, const char *to, pn_err *err);
    /* Remove a file, a symlink or a whole directory tree (absent: success). */
    bool (*remove)(pn_transport *t, const char *path, pn_err *err);
    /* Change the group of path to the named group of the managed host
     * (secrets readable by a service's group, e.g. Dovecot's auth). */
    bool (*chgrp)(pn_transport *t, const char *path, const char *group, pn_err *err);
    /* Set the modification time of path (seconds since the epoch). */
    bool (*set_mtime)(pn_transport *t, const char *path, int64_t mtime, pn_err *err);
    /* fsync every regular file under path and the directories themselves. */
    bool (*sync_tree)(pn_transport *t, const char *path, pn_err *err);
    void (*destroy)(pn_transport *t);
} pn_transport_ops;

struct pn_transport {
    const pn_transport_ops *ops;
    char *host;                /* display name: "localhost" or the SSH host */
    void *impl;
};

pn_transport *pn_transport_local_new(void);
void pn_transport_free(pn_transport *t);

/* Thin wrappers so callers read naturally. */
bool pn_run(pn_transport *t, const char *const *argv, const pn_run_opts *opts,
            pn_run_result *res, pn_err *err);
/* Run and require exit code 0; on failure err names the command, the exit
 * code and the first line of stderr. */
bool pn_run_ok(pn_transport *t, const char *const *argv, const pn_run_opts *opts,
               pn_run_result *res, pn_err *err);
bool pn_read_file(pn_transport *t, const char *path, size_t cap, pn_str *out, pn_err *err);
bool pn_write_file(pn_transport *t, const char *path, const void *data, size_t len,
                   int mode, pn_err *err);
bool pn_stat_path(pn_transport *t, const char *path, pn_stat *st, pn_err *err);
bool pn_list_dir(pn_transport *t, const char *path, pn_dirent_cb cb, void *ctx, pn_err *err);
bool pn_mkdir(pn_transport *t, const char *path, int mode, pn_err *err);
bool pn_symlink(pn_transport *t, const char *target, const char *linkpath, pn_err *err);
bool pn_readlink(pn_transport *t, const char *path, pn_str *out, pn_err *err);
bool pn_rename(pn_transport *t, const char *from, const char *to, pn_err *err);
bool pn_remove(pn_transport *t, const char *path, pn_err *err);
bool pn_sync_tree(pn_transport *t, const char *path, pn_err *err);
bool pn_chgrp(pn_transport *t, const char *path, const char *group, pn_err *err);
bool pn_set_mtime(pn_transport *t, const char *path, int64_t mtime, pn_err *err);

#endif
