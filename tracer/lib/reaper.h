/*
 * The reaper: a small process that outlives a hypscope run killed by any
 * signal (SIGKILL included) just long enough to kill its QEMU and remove the
 * files it created.
 *
 * The run and its reaper share a socket. The run tells the reaper what to
 * remove and which process to kill as it creates them; on a normal exit the
 * run cleans up itself and disarms the reaper. When the run dies instead,
 * the reaper reads end-of-file: it kills the processes it was told about,
 * waits for them to go, and removes the paths. QEMU also gets
 * PR_SET_PDEATHSIG (qemu_spawn()); the reaper covers the files, which no
 * kernel mechanism removes, and the window before a process has set it.
 *
 *	reaper_start(&rp, &err);
 *	reaper_add_dir(rp, tmpdir);      // its entries, then the directory
 *	reaper_add_file(rp, ram_file);
 *	reaper_add_pid(rp, qemu_pid);
 *	...
 *	reaper_disarm(rp);               // cleaned up normally: nothing to do
 */
#ifndef TRACER_REAPER_H
#define TRACER_REAPER_H

#include <sys/types.h>

#include "tracer/lib/util.h"

struct reaper;

/* Forks the reaper. Returns 0 or -errno with the reason in err. */
int reaper_start(struct reaper **rp, struct hs_err *err);

/*
 * What to undo if the caller dies. Each returns 0, or -errno when the reaper
 * is gone (the caller goes on: it still cleans up when it exits normally).
 * rp may be NULL (no reaper, e.g. --keep): then they do nothing.
 */
int reaper_add_file(struct reaper *rp, const char *path);
int reaper_add_dir(struct reaper *rp, const char *path);
int reaper_add_pid(struct reaper *rp, pid_t pid);

/*
 * The caller cleaned up itself: the reaper exits without touching anything
 * and is waited for. Frees rp; accepts NULL.
 */
void reaper_disarm(struct reaper *rp);

/*
 * The reaper's side, for tests: reads commands from fd until "x" (disarmed:
 * returns 0) or end-of-file (kills, removes: returns the number of paths
 * removed). kill_wait_ms bounds the wait for each killed process.
 */
int reaper_serve(int fd, int kill_wait_ms);

#endif
