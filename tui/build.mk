# tui/: the live ncurses view (hypscope top).
TOOL_SRCS += $(wildcard tui/*.c)
