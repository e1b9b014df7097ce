/* policy_json.c - the effective deployment policy as JSON
 * (pw_deploy_policy_json.h). */
#include "pw_deploy_policy_json.h"

#include <stdio.h>
#include <string.h>

#include "pw_jsonw.h"
#include "pw_tz.h"

static const char *const day_names[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

void pw_window_format(const struct pw_window *win, char *out, size_t size)
{
	char days[40] = "";
	if (win->days == 0x7f) {
		snprintf(days, sizeof(days), "daily");
	} else {
		size_t n = 0;
		for (int d = 1; d <= 7; d++) { /* Monday first, as people write weeks */
			int i = d % 7;
			if (win->days & (1u << i))
				n += (size_t)snprintf(days + n, sizeof(days) - n, "%s%s", n ? "," : "",
						      day_names[i]);
		}
	}
	int end = win->start + win->len;
	int end_min = end == 1440 ? 1440 : end % 1440;
	snprintf(out, size, "%s %02d:%02d-%02d:%02d", days, win->start / 60, win->start % 60,
		 end_min / 60, end_min % 60);
}

static void day_text(int64_t day, char out[16])
{
	int64_t y;
	unsigned m, d;
	pw_civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, m, d);
}

void pw_blackout_format(const struct pw_blackout *b, char *out, size_t size)
{
	char a[16], z[16];
	day_text(b->first, a);
	day_text(b->last, z);
	if (b->first == b->last)
		snprintf(out, size, "%s", a);
	else
		snprintf(out, size, "%s..%s", a, z);
}

static void strings(struct pw_jsonw *w, const char *key, const char *const *v, size_t n)
{
	pw_jsonw_key(w, key);
	pw_jsonw_begin_array(w);
	for (size_t i = 0; i < n; i++)
		pw_jsonw_string(w, v[i]);
	pw_jsonw_end_array(w);
}

static void group_json(struct pw_jsonw *w, const struct pw_deploy_policy *p,
		       const struct pw_group_policy *g, int64_t now)
{
	char text[64];
	pw_jsonw_begin_object(w);
	pw_jsonw_kstr(w, "group", g->name);
	pw_jsonw_key(w, "sla_days");
	pw_jsonw_begin_object(w);
	for (int i = 0; i < 4; i++) {
		char k[4] = { 'P', (char)('1' + i), 0, 0 };
		pw_jsonw_key(w, k);
		pw_jsonw_int(w, g->sla_days[i]);
	}
	pw_jsonw_end_object(w);
	pw_jsonw_kstr(w, "auto_approve", pw_auto_approve_name(g->auto_approve));
	strings(w, "auto_approve_environment", g->auto_approve_env, g->n_auto_approve_env);
	pw_jsonw_kstr(w, "timezone", g->timezone);
	pw_jsonw_key(w, "windows");
	pw_jsonw_begin_array(w);
	for (size_t i = 0; i < g->n_windows; i++) {
		pw_window_format(&g->windows[i], text, sizeof(text));
		pw_jsonw_string(w, text);
	}
	pw_jsonw_end_array(w);
	pw_jsonw_key(w, "blackouts");
	pw_jsonw_begin_array(w);
	for (size_t i = 0; i < g->n_blackouts; i++) {
		pw_blackout_format(&g->blackouts[i], text, sizeof(text));
		pw_jsonw_string(w, text);
	}
	pw_jsonw_end_array(w);
	pw_jsonw_key(w, "window_open");
	pw_jsonw_bool(w, pw_window_open(p, g->name, now));
	pw_jsonw_key(w, "next_open");
	int64_t next = pw_window_next_open(p, g->name, now);
	if (next < 0)
		pw_jsonw_null(w);
	else
		pw_jsonw_int(w, next);
	pw_jsonw_kstr(w, "reboot", pw_reboot_name(g->reboot));
	pw_jsonw_key(w, "min_package_age_days");
	pw_jsonw_int(w, g->min_package_age_days);
	strings(w, "hold", g->holds, g->n_holds);
	strings(w, "exclude_host", g->exclude_hosts, g->n_exclude_hosts);
	pw_jsonw_key(w, "silent_days");
	pw_jsonw_int(w, g->silent_days);
	pw_jsonw_kstr(w, "quarantine", pw_quarantine_mode_name(g->quarantine));
	pw_jsonw_key(w, "quarantine_after_days");
	pw_jsonw_int(w, g->quarantine_after_days);
	pw_jsonw_end_object(w);
}

void pw_deploy_policy_write_json(struct pw_jsonw *w, const struct pw_deploy_policy *p,
				 int64_t now)
{
	pw_jsonw_begin_object(w);
	pw_jsonw_kstr(w, "path", p->path);
	pw_jsonw_key(w, "now");
	pw_jsonw_int(w, now);
	pw_jsonw_key(w, "groups");
	pw_jsonw_begin_array(w);
	for (size_t i = 0; i < p->n_groups; i++)
		group_json(w, p, &p->groups[i], now);
	pw_jsonw_end_array(w);
	pw_jsonw_end_object(w);
}
