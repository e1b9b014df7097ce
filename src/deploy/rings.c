/* rings.c - ring assignment and gates (pw_rings.h). */
#include "pw_rings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pw_err pw_rings_parse(const char *s, int pcts[PW_RINGS_MAX], size_t *n, struct pw_error *e)
{
	size_t k = 0;
	const char *p = s;
	*n = 0;
	if (!s || !*s)
		return pw_error_set(e, PW_ERR_INVALID, "rings: expected percentages such as 5,25,100");
	while (*p) {
		int v = 0, digits = 0;
		while (*p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits || v < 1 || v > 100 || (k && v <= pcts[k - 1]) || k == PW_RINGS_MAX ||
		    (*p && *p != ','))
			return pw_error_set(e, PW_ERR_INVALID,
					    "rings: '%.64s' is not 1 to %d increasing percentages"
					    " from 1 to 100 ending at 100 (such as 5,25,100)",
					    s, PW_RINGS_MAX);
		pcts[k++] = v;
		if (*p == ',' && !*++p)
			return pw_error_set(e, PW_ERR_INVALID, "rings: '%.64s' ends with a comma", s);
	}
	if (pcts[k - 1] != 100)
		return pw_error_set(e, PW_ERR_INVALID,
				    "rings: '%.64s' must end at 100 (the last ring takes the rest)", s);
	*n = k;
	return PW_OK;
}

/* splitmix64: a good spread from consecutive ids */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct slot {
	uint64_t key;
	int64_t host;
	size_t i;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->host < y->host ? -1 : x->host > y->host;
}

void pw_rings_assign(uint64_t seed, const int64_t *hosts, const bool *in_pilot, size_t n,
		     const int *pcts, size_t npcts, int *ring_of)
{
	struct slot *rest = malloc((n ? n : 1) * sizeof(*rest));
	size_t r = 0;
	for (size_t i = 0; i < n; i++) {
		if (in_pilot && in_pilot[i]) {
			ring_of[i] = 0;
		} else if (rest) {
			rest[r++] = (struct slot){ mix(seed ^ mix((uint64_t)hosts[i])), hosts[i], i };
		} else {
			ring_of[i] = (int)npcts; /* no memory for the order: all in the last ring */
		}
	}
	if (!rest)
		return;
	qsort(rest, r, sizeof(*rest), slot_cmp);
	size_t at = 0;
	for (size_t k = 0; k < npcts; k++) {
		/* ceil(r * pct / 100) */
		size_t upto = (r * (size_t)pcts[k] + 99) / 100;
		if (k == npcts - 1 || upto > r)
			upto = r;
		for (; at < upto; at++)
			ring_of[rest[at].i] = (int)k + 1;
	}
	free(rest);
}

enum pw_gate_verdict pw_gate_check(const struct pw_ring_outcome *o, const struct pw_gates *g,
				   int64_t now, char *reason, size_t size)
{
	if (size)
		reason[0] = '\0';
	if (o->rolled_back > 0) {
		snprintf(reason, size, "no-rollback gate: %lld host%s rolled back",
			 (long long)o->rolled_back, o->rolled_back == 1 ? "" : "s");
		return PW_GATE_FAIL;
	}
	if (g->health && o->health_failed > 0) {
		snprintf(reason, size, "health gate: %lld host%s failed the health check",
			 (long long)o->health_failed, o->health_failed == 1 ? "" : "s");
		return PW_GATE_FAIL;
	}
	/* the best still possible: every waiting job succeeds */
	if ((o->succeeded + o->waiting) * 100 < (int64_t)g->success_pct * o->total) {
		snprintf(reason, size,
			 "success gate: %lld of %lld succeeded, %lld failed; %d%% needed",
			 (long long)o->succeeded, (long long)o->total, (long long)o->failed,
			 g->success_pct);
		return PW_GATE_FAIL;
	}
	if (o->waiting > 0)
		return PW_GATE_WAIT;
	if (o->total > 0 && now - o->last_report < g->soak_s) {
		snprintf(reason, size, "soaking: %lld s of %lld", (long long)(now - o->last_report),
			 (long long)g->soak_s);
		return PW_GATE_WAIT;
	}
	return PW_GATE_PASS;
}
