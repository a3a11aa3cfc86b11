/*
 * A pane of the live view: a title bar, heading lines that stay put, and a
 * list of lines that scrolls, optionally with a cursor. The owner fills
 * nr_lines and the two line callbacks before each frame; the layout places
 * it (y, x, h, w); panel_draw() draws it through tui/screen.h. A pane one
 * row high is collapsed to its title bar, which then carries a summary.
 */
#ifndef TUI_PANEL_H
#define TUI_PANEL_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/view.h"

typedef void (*panel_line_fn)(void *ctx, size_t i, struct top_line *l);

struct panel {
	const char *name;       /* "Exits": the key hint of the title bar */
	unsigned y, x, h, w;    /* h == 0: hidden */
	unsigned nr_fixed;      /* heading lines under the title */
	size_t nr_lines;
	size_t top;             /* first line shown */
	size_t cursor;
	bool has_cursor;
	bool can_follow;        /* a log: scrolling to the bottom follows it again */
	bool follow;            /* keep the last line in view */
	bool focus;
	char title[256];
	char summary[160];      /* after the title; what a collapsed pane says */
	const char *empty;      /* shown when there are no lines */
	panel_line_fn fixed_line;
	panel_line_fn line;
	void *ctx;
};

/* Rows of scrolling lines the pane shows at its height. */
unsigned panel_rows(const struct panel *p);
/* Keep cursor and top inside the lines and the cursor in view. */
void panel_clamp(struct panel *p);
/* Movement keys (arrows, PgUp/PgDn, Home/End): true when the key was one. */
bool panel_key(struct panel *p, int key);
void panel_draw(struct panel *p);

#endif
