# tracer/: the hypscope commands, on top of the host library (tracer/lib/)
# and the live view (tui/).
TOOL_MAIN := tracer/main.c
TOOL_SRCS += $(filter-out $(TOOL_MAIN),$(wildcard tracer/*.c))
