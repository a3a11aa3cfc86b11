# tracer/: the host command hypscope.
TOOL_MAIN := tracer/main.c
TOOL_SRCS += $(filter-out $(TOOL_MAIN),$(wildcard tracer/*.c))
