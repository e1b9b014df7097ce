/* pw_rings.h - how a change's hosts are split into rings, and when a ring's
 * gates let the change go on. Pure functions: no store, no clock.
 *
 * Ring 0 is the pilot: the target hosts that are members of the change's
 * pilot group (empty without one). The other hosts are put in an order
 * fixed by the change (a hash of its seed and each host id, so the order
 * is the same on every run and not the id order, which would put the
 * oldest hosts first) and cut at cumulative percentages of their number:
 * 5,25,100 gives ring 1 the first ceil(5%), ring 2 up to ceil(25%), ring 3
 * the rest. A ring may be empty (few hosts); the change skips it.
 */
#ifndef PW_RINGS_H
#define PW_RINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

#define PW_RINGS_MAX 8              /* percentage rings, the pilot apart */
#define PW_RINGS_DEFAULT "5,25,100"

/* Parse "5,25,100": 1..PW_RINGS_MAX strictly increasing integers in
 * 1..100, the last 100. *n gets the count. */
pw_err pw_rings_parse(const char *s, int pcts[PW_RINGS_MAX], size_t *n, struct pw_error *e);

/* ring_of[i] for hosts[i] (distinct ids): 0 when in_pilot[i] (in_pilot may
 * be NULL: no pilot), else 1..npcts as described above. */
void pw_rings_assign(uint64_t seed, const int64_t *hosts, const bool *in_pilot, size_t n,
		     const int *pcts, size_t npcts, int *ring_of);

/* A ring's jobs by outcome (pw_jobs_count gives them). */
struct pw_ring_outcome {
	int64_t total;         /* jobs that count (acknowledged failures left out) */
	int64_t waiting;       /* queued, handed out or running */
	int64_t succeeded;     /* verified, no failed health check */
	int64_t failed;        /* everything else that ended */
	int64_t health_failed; /* of the ended ones */
	int64_t rolled_back;
	int64_t last_report;   /* when the last one ended (server time) */
};

struct pw_gates {
	int success_pct;  /* succeeded * 100 >= success_pct * total */
	int64_t soak_s;   /* seconds after the last job ended */
	bool health;      /* a failed health check fails the gate */
};

enum pw_gate_verdict {
	PW_GATE_WAIT,  /* jobs still out, or soaking */
	PW_GATE_PASS,
	PW_GATE_FAIL,  /* reason says which gate */
};

/* The verdict at `now`. A ring fails as soon as its success rate can no
 * longer be reached, a health check failed (when gated) or any host rolled
 * back; it passes when every job ended, the rate is reached and the soak
 * time has passed since the last one ended. */
enum pw_gate_verdict pw_gate_check(const struct pw_ring_outcome *o, const struct pw_gates *g,
				   int64_t now, char *reason, size_t size);

#endif
