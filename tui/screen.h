/*
 * The terminal: the one module of hypscope that includes curses.
 *
 * screen_init() takes the terminal over (alternate screen, no echo, keypad,
 * hidden cursor, colours when there are some); screen_done() gives it back
 * and is safe to call any number of times, from any exit path: the normal
 * one, an error, and the crash signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGABRT), whose handler restores the terminal before the default action.
 * SIGWINCH is left to curses, which turns it into SCR_KEY_RESIZE.
 *
 * Drawing is line based: a frame is screen_begin(), any number of
 * screen_line(), screen_end() (erase, wnoutrefresh, doupdate: curses sends
 * only what changed, so a redraw never flickers). Attributes are the view's
 * (enum top_attr), mapped here to colour pairs, or to bold, dim, underline
 * and reverse on a terminal without colours.
 */
#ifndef TUI_SCREEN_H
#define TUI_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/view.h"

enum scr_key {
	SCR_KEY_NONE = -1,
	SCR_KEY_UP = 0x1000,
	SCR_KEY_DOWN,
	SCR_KEY_LEFT,
	SCR_KEY_RIGHT,
	SCR_KEY_PGUP,
	SCR_KEY_PGDN,
	SCR_KEY_HOME,
	SCR_KEY_END,
	SCR_KEY_ENTER,
	SCR_KEY_BACKSPACE,
	SCR_KEY_ESC,
	SCR_KEY_TAB,
	SCR_KEY_BTAB,
	SCR_KEY_RESIZE,
	SCR_KEY_F1,
	SCR_KEY_F10,
};

/* 0, or -errno with the reason in err (no terminal, unknown TERM). */
int screen_init(bool color, char *err, size_t errlen);
/* Give the terminal back; idempotent. */
void screen_done(void);
bool screen_active(void);
/* Colours are in use. */
bool screen_colors(void);

void screen_size(unsigned *rows, unsigned *cols);

void screen_begin(void);
/*
 * Draw l at row y from column x; the rest of its width takes attribute
 * fill. A selected line is drawn in reverse video.
 */
void screen_line(unsigned y, unsigned x, const struct top_line *l, int fill);
void screen_end(void);

/* The next key within timeout_ms (0: do not wait), SCR_KEY_NONE when none. */
int screen_key(int timeout_ms);

#endif
