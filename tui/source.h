/*
 * Where the live view's records come from: one interface, three sources.
 * Only the constructors differ; the rest is the same for every source, so
 * the panes (tui/top.c) never know which one feeds them.
 *
 *   live    a running machine's RAM file: the trace rings are drained with
 *           the recorder (tracer/lib/record.h) into the model, and the status
 *           block (struct hypstat) is read once per interval for the VM and
 *           vCPU state, exit counts and times, and VMID generations
 *           (tui/source_live.c)
 *   kvm     this host's KVM: the BPF collector's records (tracer/lib/kvm/;
 *           tui/source_kvm.c)
 *   replay  a trace file, played back at a speed (records are fed as the
 *           playback clock passes their timestamps), paused, stepped
 *           (tui/source_replay.c)
 *
 * The source's clock is what rates are measured in: wall-clock seconds for
 * a source that runs in real time, trace seconds for one that plays back.
 * A new source fills struct top_source_ops (tui/source_impl.h). Host only.
 */
#ifndef TUI_SOURCE_H
#define TUI_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/model.h"

struct top_source;

/*
 * A live machine. consume: publish the read position (frees space for a
 * drop-mode producer: only when nothing else records the machine); else
 * peek. A RAM file QEMU has not sized yet is waited for, up to wait_s
 * seconds (also when it does not exist yet). 0 or -errno with err.
 */
int top_source_live(struct top_source **sp, const char *ram_path, bool consume, double wait_s,
		    struct top_model *m, char *err, size_t errlen);

/* A trace file played at speed (0: as fast as possible). 0 or -errno with err. */
int top_source_replay(struct top_source **sp, const char *path, double speed,
		      struct top_model *m, char *err, size_t errlen);

/* This host's KVM, through the BPF collector (tracer/lib/kvm/kvm_collect.h). */
int top_source_kvm(struct top_source **sp, struct top_model *m, char *err, size_t errlen);

void top_source_destroy(struct top_source *s); /* NULL ok */

/*
 * Feed the model what is due at wall-clock time now, for at most budget_ms
 * of work. Returns records fed, or -errno when the source failed
 * (top_source_error() says why; it feeds nothing more).
 */
int top_source_pump(struct top_source *s, double now, unsigned budget_ms);

/*
 * How often a source is pumped when it has nothing due: every 5 ms, unless
 * it says otherwise (top_source_poll_s()).
 */
#define TOP_SOURCE_POLL_S 0.005

/*
 * Seconds until the next pump is worth a wake-up. A live machine's rings
 * are drained as seldom as their fill allows (tui/source_live.c); the
 * others every TOP_SOURCE_POLL_S.
 */
double top_source_poll_s(const struct top_source *s);

/* Once per interval: status block, losses. */
void top_source_tick(struct top_source *s);

/* The source clock at wall-clock time now, in seconds. */
double top_source_clock(const struct top_source *s, double now);

/*
 * Playback: true when the source has a clock of its own that can be paused,
 * stepped and sped up (a replay). The rest are no-ops, and the speed 0, for
 * a source that runs in real time.
 */
bool top_source_plays_back(const struct top_source *s);
void top_source_pause(struct top_source *s, bool pause, double now);
void top_source_step(struct top_source *s, double seconds);
void top_source_set_speed(struct top_source *s, double speed, double now);
double top_source_speed(const struct top_source *s);

/* The machine ended, or the whole file was fed. */
bool top_source_ended(const struct top_source *s);
/* Everything due has been fed (a pump would feed nothing now). */
bool top_source_caught_up(const struct top_source *s);

/* "live /dev/shm/hypscope-42.ram", "replay demo.trace x2 3.0/12.5s" */
void top_source_describe(const struct top_source *s, double now, char *buf, size_t len);
/* "", "waiting for the machine", "machine done", "end of trace", an error */
void top_source_status(const struct top_source *s, char *buf, size_t len);
const char *top_source_error(const struct top_source *s);
int top_source_errno(const struct top_source *s);

#endif
