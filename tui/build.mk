# tui/: the live ncurses view (hypscope top), on the host library: it
# includes tracer/lib/ and formats/, never the commands (scripts/layers.sh).
TOOL_SRCS += $(wildcard tui/*.c)
