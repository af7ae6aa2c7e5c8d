/* term.c - the terminal: open (real or headless), colours by role, keys,
 * and a restore that always happens (see term.h).
 *
 * Keys: ncurses key codes and wide characters become pn_key; ESC followed
 * within ESCDELAY (25 ms) by a key is Alt+key. Input waits in poll() so an
 * idle console costs nothing; poll reporting the descriptor readable while
 * curses reads nothing several times in a row, POLLHUP/POLLERR or EIO mean
 * the terminal is gone: PN_KEY_EOF. */
#include "term.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static SCREEN *term_screen;
static FILE *term_out, *term_in;
static bool term_open_flag, term_headless, term_utf8;
static int term_in_fd = 0;
static volatile sig_atomic_t stop_signal;
static attr_t role_attr[PN_ROLE_COUNT];
static short role_pair[PN_ROLE_COUNT];

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static void on_crash_signal(int sig)
{
    /* Not async-signal-safe in theory, but the terminal must come back:
     * the process dies right after. */
    if (term_open_flag) {
        term_open_flag = false;
        endwin();
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;   /* no SA_RESTART: poll() returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_crash_signal;
    sa.sa_flags = SA_RESETHAND;
    const int crash[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
        sigaction(crash[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void restore_signals(void)
{
    const int all[] = {SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        signal(all[i], SIG_DFL);
}

static void atexit_restore(void)
{
    pn_term_close();
}

bool pn_term_open(bool headless, int cols, int lines, pn_err *err)
{
    static bool atexit_done;
    const char *cs = nl_langinfo(CODESET);
    term_utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
    term_headless = headless;
    set_escdelay(25);
    if (headless) {
        char buf[32];
        snprintf(buf, sizeof buf, "%d", lines);
        setenv("LINES", buf, 1);
        snprintf(buf, sizeof buf, "%d", cols);
        setenv("COLUMNS", buf, 1);
        use_env(TRUE);
        term_out = fopen("/dev/null", "w");
        term_in = fopen("/dev/null", "r");
        if (!term_out || !term_in) {
            pn_term_close();
            return pn_err_set(err, PN_E_IO, "headless console: cannot open /dev/null: %s",
                              strerror(errno));
        }
        const char *t = getenv("TERM");
        term_screen = newterm(t && *t ? t : "xterm-256color", term_out, term_in);
        if (!term_screen)
            term_screen = newterm("vt100", term_out, term_in);
        term_in_fd = -1;
    } else {
        term_screen = newterm(NULL, stdout, stdin);
        term_in_fd = fileno(stdin);
    }
    if (!term_screen) {
        const char *t = getenv("TERM");
        pn_term_close();
        return pn_err_set(err, PN_E_IO, "console: cannot use the terminal (TERM=%s)",
                          t ? t : "unset");
    }
    term_open_flag = true;
    if (!atexit_done) {
        atexit(atexit_restore);
        atexit_done = true;
    }
    install_signals();
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    meta(stdscr, TRUE);
    curs_set(0);
    leaveok(stdscr, TRUE);
    if (headless && (LINES != lines || COLS != cols))
        resizeterm(lines, cols);
    for (int r = 0; r < PN_ROLE_COUNT; r++) {
        role_attr[r] = A_NORMAL;
        role_pair[r] = 0;
    }
    return true;
}

void pn_term_close(void)
{
    if (term_open_flag) {
        term_open_flag = false;
        endwin();
        restore_signals();
    }
    if (term_screen) {
        delscreen(term_screen);
        term_screen = NULL;
    }
    if (term_out) {
        fclose(term_out);
        term_out = NULL;
    }
    if (term_in) {
        fclose(term_in);
        term_in = NULL;
    }
}

bool pn_term_is_open(void)
{
    return term_open_flag;
}

bool pn_term_utf8(void)
{
    return term_utf8;
}

bool pn_term_stop_requested(void)
{
    return stop_signal != 0;
}

static attr_t attrs_of(int a)
{
    attr_t r = A_NORMAL;
    if (a & PN_ATTR_BOLD)
        r |= A_BOLD;
    if (a & PN_ATTR_DIM)
        r |= A_DIM;
    if (a & PN_ATTR_REVERSE)
        r |= A_REVERSE;
    if (a & PN_ATTR_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & PN_ATTR_ITALIC)
        r |= A_ITALIC;
    return r;
}

/* A 0-255 colour on a terminal with fewer colours: the nearest basic one. */
static short fit_color(int c, bool *bright)
{
    *bright = false;
    if (c < 0)
        return -1;
    if (c < COLORS)
        return (short)c;
    if (c < 16) {
        *bright = true;
        return (short)(c - 8);
    }
    if (c >= 232) {                       /* grey ramp */
        int level = c - 232;
        return level < 8 ? COLOR_BLACK : COLOR_WHITE;
    }
    int v = c - 16, r = v / 36, g = v / 6 % 6, b = v % 6;
    int bits = (r >= 3 ? 1 : 0) | (g >= 3 ? 2 : 0) | (b >= 3 ? 4 : 0);
    if (r + g + b >= 12)
        *bright = true;
    return (short)bits;                   /* COLOR_RED=1, GREEN=2, BLUE=4 */
}

void pn_term_apply_theme(const pn_theme *t, bool mono)
{
    bool colours = !mono && t && !t->mono && has_colors();
    bool defaults = false;
    if (colours) {
        start_color();
        defaults = use_default_colors() == OK;
    }
    for (int r = 0; r < PN_ROLE_COUNT; r++) {
        const pn_role_style *st = t ? &t->roles[r] : NULL;
        role_attr[r] = attrs_of(st ? st->attrs : 0);
        role_pair[r] = 0;
        if (!colours || !st || r + 1 >= COLOR_PAIRS)
            continue;
        bool bf, bb;
        short fg = fit_color(st->fg, &bf), bg = fit_color(st->bg, &bb);
        if (!defaults) {
            if (fg < 0)
                fg = COLOR_WHITE;
            if (bg < 0)
                bg = COLOR_BLACK;
        }
        if (bf)
            role_attr[r] |= A_BOLD;
        if (init_pair((short)(r + 1), fg, bg) == OK)
            role_pair[r] = (short)(r + 1);
    }
}

void pn_term_role_style(pn_role r, unsigned long *attr, short *pair)
{
    if ((int)r < 0 || r >= PN_ROLE_COUNT)
        r = PN_ROLE_NORMAL;
    *attr = role_attr[r];
    *pair = role_pair[r];
}

void pn_term_resize(int cols, int lines)
{
    if (term_open_flag)
        resizeterm(lines, cols);
}

static pn_key map_code(int code)
{
    if (code >= KEY_F(1) && code <= KEY_F(12))
        return PN_KEY_F1 + (pn_key)(code - KEY_F(1));
    switch (code) {
    case KEY_UP: return PN_KEY_UP;
    case KEY_DOWN: return PN_KEY_DOWN;
    case KEY_LEFT: return PN_KEY_LEFT;
    case KEY_RIGHT: return PN_KEY_RIGHT;
    case KEY_PPAGE: return PN_KEY_PGUP;
    case KEY_NPAGE: return PN_KEY_PGDN;
    case KEY_HOME: return PN_KEY_HOME;
    case KEY_END: return PN_KEY_END;
    case KEY_ENTER: return PN_KEY_ENTER;
    case KEY_BACKSPACE: return PN_KEY_BS;
    case KEY_DC: return PN_KEY_DEL;
    case KEY_IC: return PN_KEY_INS;
    case KEY_BTAB: return PN_KEY_BTAB;
    case KEY_RESIZE: return PN_KEY_RESIZE;
    default: return PN_KEY_NONE;
    }
}

static pn_key map_char(wint_t ch)
{
    switch (ch) {
    case '\r':
    case '\n': return PN_KEY_ENTER;
    case '\t': return PN_KEY_TAB;
    case 27: return PN_KEY_ESC;
    case 127:
    case 8: return PN_KEY_BS;
    default: return ch == 0 ? PN_KEY_C_SPACE : (pn_key)ch;   /* NUL is Ctrl-Space */
    }
}

/* One key from curses without waiting; PN_KEY_NONE if none is there. */
static pn_key take_key(bool *got)
{
    wint_t ch;
    int r = get_wch(&ch);
    *got = r != ERR;
    if (r == KEY_CODE_YES)
        return map_code((int)ch);
    if (r != OK)
        return PN_KEY_NONE;
    pn_key k = map_char(ch);
    if (k == PN_KEY_ESC) {
        /* ESC + key within the escape delay = Alt/Meta + key. */
        wint_t next;
        wtimeout(stdscr, 25);
        int r2 = get_wch(&next);
        nodelay(stdscr, TRUE);
        if (r2 == OK && next != 27) {
            pn_key nk = map_char(next);
            if (nk != PN_KEY_NONE)
                return nk | PN_KEY_ALT;
        } else if (r2 == KEY_CODE_YES) {
            pn_key nk = map_code((int)next);
            if (nk != PN_KEY_NONE && nk != PN_KEY_RESIZE)
                return nk | PN_KEY_ALT;
        }
    }
    return k;
}

pn_key pn_term_read_key(int timeout_ms, int wake_fd)
{
    if (stop_signal)
        return PN_KEY_EOF;
    if (!term_open_flag)
        return PN_KEY_EOF;
    bool got;
    pn_key k = take_key(&got);
    if (got && k != PN_KEY_NONE)
        return k;
    int empty_reads = 0;
    for (;;) {
        struct pollfd p[2];
        int n = 0;
        if (term_in_fd >= 0)
            p[n++] = (struct pollfd){.fd = term_in_fd, .events = POLLIN};
        if (wake_fd >= 0)
            p[n++] = (struct pollfd){.fd = wake_fd, .events = POLLIN};
        int r = poll(p, (nfds_t)n, timeout_ms);
        if (stop_signal)
            return PN_KEY_EOF;
        if (r < 0) {
            if (errno == EINTR) {           /* SIGWINCH: curses has KEY_RESIZE */
                k = take_key(&got);
                if (got && k != PN_KEY_NONE)
                    return k;
                continue;
            }
            return PN_KEY_EOF;
        }
        if (r == 0)
            return PN_KEY_NONE;
        for (int i = 0; i < n; i++) {
            if (p[i].fd == wake_fd && (p[i].revents & POLLIN)) {
                char drain[64];
                while (read(wake_fd, drain, sizeof drain) > 0) {
                }
                return PN_KEY_NONE;
            }
        }
        if (term_in_fd < 0)
            return PN_KEY_NONE;
        if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))
            return PN_KEY_EOF;
        errno = 0;
        k = take_key(&got);
        if (got && k != PN_KEY_NONE)
            return k;
        if (!got) {
            if (errno == EIO || ++empty_reads >= 3)
                return PN_KEY_EOF;
        }
    }
}
