/* fuzz_deploy_policy.c - the deployment policy file (deploy.ini) and the
 * TZif zones it names: parsed without crashing, an error always naming
 * something, and every query on an accepted policy answering. Input that
 * starts with "TZif" goes to the zone reader, the rest to the INI parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pw_deploy_policy.h"
#include "pw_tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_error e = { 0 };
	if (size >= 4 && memcmp(data, "TZif", 4) == 0) {
		struct pw_tz *tz = NULL;
		if (pw_tz_parse(data, size, "fuzz", &tz, &e) == PW_OK) {
			for (int64_t t = -4000000000LL; t < 4000000000LL; t += 77777777)
				(void)pw_tz_offset(tz, t);
			(void)pw_tz_next_change(tz, 2000000000LL);
			pw_tz_free(tz);
		} else if (e.msg[0] == '\0') {
			abort();
		}
		return 0;
	}
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct pw_deploy_policy *p = NULL;
	if (pw_deploy_policy_parse(s, "fuzz.ini", &p, &e) == PW_OK) {
		for (size_t i = 0; i < p->n_groups; i++) {
			const char *g = p->groups[i].name;
			(void)pw_window_open(p, g, 1800000000);
			(void)pw_window_next_open(p, g, 1800000000);
			(void)pw_window_close_at(p, g, 1800000000);
			(void)pw_sla_due(p, g, 1, 1800000000, 0);
			(void)pw_policy_held(p, g, "openssl");
		}
		pw_deploy_policy_free(p);
	} else if (e.msg[0] == '\0') {
		abort();
	}
	free(s);
	return 0;
}
