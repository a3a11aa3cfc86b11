/* A scrolling pane. See tui/panel.h. */
#include <stdio.h>

#include "tui/panel.h"
#include "tui/screen.h"

unsigned panel_rows(const struct panel *p)
{
	unsigned used = 1 + p->nr_fixed;

	return p->h > used ? p->h - used : 0;
}

void panel_clamp(struct panel *p)
{
	size_t rows = panel_rows(p);

	if (p->has_cursor) {
		if (p->cursor >= p->nr_lines)
			p->cursor = p->nr_lines ? p->nr_lines - 1 : 0;
		if (p->cursor < p->top)
			p->top = p->cursor;
		if (rows && p->cursor >= p->top + rows)
			p->top = p->cursor - rows + 1;
	}
	if (p->follow || p->top + rows > p->nr_lines)
		p->top = p->nr_lines > rows ? p->nr_lines - rows : 0;
}

bool panel_key(struct panel *p, int key)
{
	size_t rows = panel_rows(p), page = rows > 1 ? rows - 1 : 1;
	size_t *pos = p->has_cursor ? &p->cursor : &p->top;

	switch (key) {
	case SCR_KEY_UP:
		if (*pos)
			(*pos)--;
		p->follow = false;
		break;
	case SCR_KEY_DOWN:
		(*pos)++;
		break;
	case SCR_KEY_PGUP:
		*pos = *pos > page ? *pos - page : 0;
		p->follow = false;
		break;
	case SCR_KEY_PGDN:
		*pos += page;
		break;
	case SCR_KEY_HOME:
		*pos = 0;
		p->follow = false;
		break;
	case SCR_KEY_END:
		*pos = p->nr_lines ? p->nr_lines - 1 : 0;
		break;
	default:
		return false;
	}
	/* a log follows its newest line again once scrolled to the bottom */
	if (p->can_follow && key != SCR_KEY_UP && key != SCR_KEY_PGUP && key != SCR_KEY_HOME &&
	    p->top + rows >= p->nr_lines)
		p->follow = true;
	panel_clamp(p);
	return true;
}

void panel_draw(struct panel *p)
{
	struct top_line l;
	unsigned rows = panel_rows(p), r, y;
	size_t i;

	if (!p->h || !p->w)
		return;
	panel_clamp(p);
	top_line_init(&l, p->w);
	top_line_add(&l, p->focus ? TA_TITLE_FOCUS : TA_TITLE, " %s", p->title);
	if (p->summary[0])
		top_line_add(&l, p->focus ? TA_TITLE_FOCUS : TA_TITLE, "  %s", p->summary);
	if (rows && p->nr_lines > rows)
		top_line_add(&l, p->focus ? TA_TITLE_FOCUS : TA_TITLE, "  [%zu-%zu of %zu]",
			     p->top + 1, p->top + rows < p->nr_lines ? p->top + rows : p->nr_lines,
			     p->nr_lines);
	screen_line(p->y, p->x, &l, p->focus ? TA_TITLE_FOCUS : TA_TITLE);

	y = p->y + 1;
	for (r = 0; r < p->nr_fixed && y < p->y + p->h; r++, y++) {
		top_line_init(&l, p->w);
		if (p->fixed_line)
			p->fixed_line(p->ctx, r, &l);
		screen_line(y, p->x, &l, TA_HEAD);
	}
	if (!p->nr_lines && rows && p->empty) {
		top_line_init(&l, p->w);
		top_line_add(&l, TA_DIM, "  %s", p->empty);
		screen_line(y, p->x, &l, TA_NORMAL);
		return;
	}
	for (r = 0; r < rows; r++, y++) {
		i = p->top + r;
		if (i >= p->nr_lines)
			break;
		top_line_init(&l, p->w);
		p->line(p->ctx, i, &l);
		l.selected = p->has_cursor && p->focus && i == p->cursor;
		screen_line(y, p->x, &l, TA_NORMAL);
	}
}
