/* The terminal, through ncurses. See tui/screen.h. */
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/screen.h"

static SCREEN *scr;
static bool active;
static bool colors;
static bool atexit_done;
static chtype attr_map[TA_NR];

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#define NR_CRASH_SIGNALS (sizeof(crash_signals) / sizeof(crash_signals[0]))
static struct sigaction old_crash[NR_CRASH_SIGNALS];

void screen_done(void)
{
	unsigned i;

	if (!active)
		return;
	active = false;
	curs_set(1);
	endwin();
	delscreen(scr);
	scr = NULL;
	for (i = 0; i < NR_CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &old_crash[i], NULL);
}

/*
 * A crash with the terminal in curses mode would leave the user's shell
 * without echo on the alternate screen. endwin() is not async-signal-safe,
 * but the process is going down anyway and a usable terminal matters more.
 */
static void on_crash(int sig)
{
	if (active) {
		active = false;
		endwin();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Colour pair n for attribute n, or a monochrome attribute. */
static void map_attrs(void)
{
	static const struct {
		short fg, bg;
		chtype extra;
		chtype mono;
	} a[TA_NR] = {
		[TA_NORMAL] = { -1, -1, 0, A_NORMAL },
		[TA_DIM] = { -1, -1, A_DIM, A_DIM },
		[TA_BOLD] = { -1, -1, A_BOLD, A_BOLD },
		[TA_HEAD] = { COLOR_BLACK, COLOR_GREEN, 0, A_UNDERLINE },
		[TA_SORT] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD },
		[TA_TITLE] = { COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE },
		[TA_TITLE_FOCUS] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD },
		[TA_BAR] = { COLOR_GREEN, -1, 0, A_NORMAL },
		[TA_SPARK] = { COLOR_CYAN, -1, 0, A_NORMAL },
		[TA_GOOD] = { COLOR_GREEN, -1, 0, A_NORMAL },
		[TA_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
		[TA_BAD] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
		[TA_LR_P] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
		[TA_LR_A] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
		[TA_LR_PA] = { COLOR_MAGENTA, -1, A_BOLD, A_BOLD | A_UNDERLINE },
		[TA_KEY] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	};
	short i;

	for (i = 0; i < TA_NR; i++) {
		if (!colors) {
			attr_map[i] = a[i].mono;
			continue;
		}
		if (a[i].fg == -1 && a[i].bg == -1) {
			attr_map[i] = a[i].extra;
			continue;
		}
		init_pair((short)(i + 1), a[i].fg, a[i].bg);
		attr_map[i] = COLOR_PAIR(i + 1) | a[i].extra;
	}
}

int screen_init(bool want_color, char *err, size_t errlen)
{
	struct sigaction sa;
	const char *term = getenv("TERM");
	const char *cup;
	unsigned i;

	if (active)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen,
			 "the live view needs a terminal: use --batch for text output");
		return -ENOTTY;
	}
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s): set TERM, or use --batch",
			 term ? term : "unset");
		return -ENOTTY;
	}
	set_term(scr);
	cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		endwin();
		delscreen(scr);
		scr = NULL;
		snprintf(err, errlen, "the terminal (TERM=%s) cannot move its cursor: use --batch",
			 term ? term : "unset");
		return -ENOTTY;
	}
	active = true;
	if (!atexit_done) {
		atexit(screen_done);
		atexit_done = true;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NR_CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &sa, &old_crash[i]);

	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	leaveok(stdscr, TRUE);
	colors = false;
	if (want_color && has_colors() && start_color() == OK) {
		use_default_colors();
		colors = COLORS >= 8 && COLOR_PAIRS > TA_NR;
	}
	map_attrs();
	/*
	 * Until it has been suspended once, ncurses takes the screen for not
	 * yet initialised and writes every cursor movement out on its own
	 * (mvcur flushes while _endwin is ewInitial): a frame took dozens of
	 * write()s. A suspension before anything is drawn ends that: endwin(),
	 * and doupdate() takes the screen straight back (a blank frame).
	 */
	endwin();
	doupdate();
	return 0;
}

bool screen_active(void)
{
	return active;
}

bool screen_colors(void)
{
	return colors;
}

void screen_size(unsigned *rows, unsigned *cols)
{
	int y, x;

	getmaxyx(stdscr, y, x);
	*rows = y > 0 ? (unsigned)y : 0;
	*cols = x > 0 ? (unsigned)x : 0;
}

void screen_begin(void)
{
	werase(stdscr);
}

/*
 * Printable ASCII goes into the window as cells (waddchnstr: no conversion
 * to wide characters, no wrapping, the cursor stays); the rest (UTF-8
 * glyphs, anything curses shows as ^X) through waddnstr as before. The cells
 * are the same either way; a run that would reach the right edge (where
 * waddnstr wraps) takes waddnstr too. Returns the bytes of text taken.
 */
static unsigned put_cells(unsigned y, unsigned rows, unsigned cols, const char *text, unsigned n,
			  chtype attr)
{
	chtype cells[TOP_LINE_MAX];
	unsigned k;
	int cy, cx;

	for (k = 0; k < n && text[k] >= 0x20 && text[k] < 0x7f; k++)
		cells[k] = (chtype)(unsigned char)text[k] | attr;
	if (!k) {
		/* up to the next printable ASCII byte */
		while (k < n && !(text[k] >= 0x20 && text[k] < 0x7f))
			k++;
		addnstr(text, (int)k);
		return k;
	}
	getyx(stdscr, cy, cx);
	if (cy != (int)y || cx < 0 || (unsigned)cx + k > cols ||
	    ((unsigned)cx + k == cols && y + 1 >= rows)) {
		addnstr(text, (int)k);
		return k;
	}
	waddchnstr(stdscr, cells, (int)k);
	/* where waddnstr would have left the cursor: after the text, or wrapped */
	if ((unsigned)cx + k == cols)
		move((int)y + 1, 0);
	else
		move((int)y, cx + (int)k);
	return k;
}

void screen_line(unsigned y, unsigned x, const struct top_line *l, int fill)
{
	chtype sel = l->selected ? A_REVERSE : 0, attr, blanks[TOP_LINE_MAX];
	unsigned i = 0, j, k, rows, cols, end;
	int cy, cx;

	screen_size(&rows, &cols);
	if (y >= rows || x >= cols)
		return;
	end = x + l->width < cols ? x + l->width : cols;
	move((int)y, (int)x);
	while (i < l->len) {
		j = i;
		while (j < l->len && l->attr[j] == l->attr[i])
			j++;
		attr = attr_map[l->attr[i] < TA_NR ? l->attr[i] : TA_NORMAL] | sel;
		attrset(attr);
		for (k = i; k < j;)
			k += put_cells(y, rows, cols, l->text + k, j - k, attr);
		i = j;
	}
	attr = attr_map[fill >= 0 && fill < TA_NR ? fill : TA_NORMAL] | sel;
	getyx(stdscr, cy, cx);
	/* the bottom-right cell cannot be written without scrolling: leave it */
	if (cy == (int)y && y == rows - 1 && end == cols)
		end--;
	if (cy == (int)y && cx >= 0 && (unsigned)cx < end) {
		for (k = 0; k < end - (unsigned)cx && k < TOP_LINE_MAX; k++)
			blanks[k] = ' ' | attr;
		waddchnstr(stdscr, blanks, (int)k);
	}
	attrset(A_NORMAL);
}

void screen_end(void)
{
	wnoutrefresh(stdscr);
	doupdate();
}

/*
 * ESC alone is the Esc key. ESC with more bytes right behind it is a key
 * sequence the terminal description does not know (curses turns the known
 * ones into KEY_*): swallow it, up to the final byte of a CSI or SS3
 * sequence, so that its digits and letters are not taken for keys.
 */
static int escape_sequence(void)
{
	int c, first;

	wtimeout(stdscr, 0);
	first = wgetch(stdscr);
	if (first == ERR)
		return SCR_KEY_ESC;
	if (first != '[' && first != 'O')
		return SCR_KEY_NONE; /* Alt+key: nothing here uses it */
	while ((c = wgetch(stdscr)) != ERR)
		if (c >= 0x40 && c <= 0x7e)
			break;
	return SCR_KEY_NONE;
}

int screen_key(int timeout_ms)
{
	int c;

	wtimeout(stdscr, timeout_ms);
	c = wgetch(stdscr);
	switch (c) {
	case ERR:
		return SCR_KEY_NONE;
	case KEY_UP:
		return SCR_KEY_UP;
	case KEY_DOWN:
		return SCR_KEY_DOWN;
	case KEY_LEFT:
		return SCR_KEY_LEFT;
	case KEY_RIGHT:
		return SCR_KEY_RIGHT;
	case KEY_PPAGE:
		return SCR_KEY_PGUP;
	case KEY_NPAGE:
		return SCR_KEY_PGDN;
	case KEY_HOME:
		return SCR_KEY_HOME;
	case KEY_END:
		return SCR_KEY_END;
	case KEY_ENTER:
	case '\n':
	case '\r':
		return SCR_KEY_ENTER;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		return SCR_KEY_BACKSPACE;
	case 27:
		return escape_sequence();
	case '\t':
		return SCR_KEY_TAB;
	case KEY_BTAB:
		return SCR_KEY_BTAB;
	case KEY_RESIZE:
		return SCR_KEY_RESIZE;
	case KEY_F(1):
		return SCR_KEY_F1;
	case KEY_F(10):
		return SCR_KEY_F10;
	default:
		return c >= 0 && c < 256 ? c : SCR_KEY_NONE;
	}
}
