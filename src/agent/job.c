/* job.c - the typed job (pw_job.h). */
#include "pw_job.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pw_debver.h"

static const char *const action_names[] = { "simulate", "install", "rollback", "reboot" };
static const char *const reboot_names[] = { "never", "if_required", "always" };

const char *pw_job_action_name(enum pw_job_action a)
{
	return (unsigned)a < 4 ? action_names[a] : "?";
}

const char *pw_job_reboot_name(enum pw_job_reboot r)
{
	return (unsigned)r < 3 ? reboot_names[r] : "?";
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool pw_job_valid_id(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!is_alnum(s[n]) && s[n] != '_' && s[n] != '-')
			return false;
	return n >= 1 && n <= PW_JOB_ID_MAX;
}

/* Debian policy 5.6.1: lower-case letters, digits, '+', '-', '.', at least
 * two characters, starting with a letter or digit; an optional ":arch"
 * (lower-case letters, digits, '-') as dpkg qualifies multi-arch names. */
bool pw_job_valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > PW_JOB_NAME_MAX)
		return false;
	const char *colon = strchr(s, ':');
	size_t base = colon ? (size_t)(colon - s) : n;
	if (base < 2 || (!(s[0] >= 'a' && s[0] <= 'z') && !(s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < base; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
		      c == '.'))
			return false;
	}
	if (!colon)
		return true;
	if (!colon[1])
		return false;
	for (const char *p = colon + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

/* A Debian version (dpkg's own rules: an upstream part starting with a
 * digit, only [A-Za-z0-9.+~-] and the epoch's ':'), bounded. */
bool pw_job_valid_version(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > PW_JOB_VERSION_MAX || !(s[0] >= '0' && s[0] <= '9'))
		return false;
	/* dpkg only warns about an upstream version not starting with a digit */
	const char *colon = strchr(s, ':');
	if (colon && !(colon[1] >= '0' && colon[1] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr(".+~-:", s[i]))
			return false;
	return pw_debver_validate(s, NULL) == PW_OK;
}

static pw_err field_error(struct pw_error *e, const struct pw_job *job, const char *field,
			  const char *why)
{
	if (job->id[0])
		return pw_error_set(e, PW_ERR_INVALID, "job %s: %s: %s", job->id, field, why);
	return pw_error_set(e, PW_ERR_INVALID, "job: %s: %s", field, why);
}

static pw_err id_field(const json_t *obj, const char *key, bool required, char *dst,
		       const struct pw_job *job, struct pw_error *e)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			return field_error(e, job, key, "missing");
		return PW_OK;
	}
	const char *s = json_string_value(v);
	if (!s)
		return field_error(e, job, key, "not a string");
	if (!pw_job_valid_id(s))
		return field_error(e, job, key, "not 1-64 characters of [A-Za-z0-9_-]");
	memcpy(dst, s, strlen(s) + 1);
	return PW_OK;
}

static int pick(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

pw_err pw_job_parse_json(const json_t *obj, struct pw_job *job, struct pw_error *e)
{
	memset(job, 0, sizeof(*job));
	if (!json_is_object(obj))
		return field_error(e, job, "job", "not an object");
	pw_err rc;
	if ((rc = id_field(obj, "id", true, job->id, job, e)) ||
	    (rc = id_field(obj, "change", false, job->change, job, e)))
		return rc;

	const char *action = json_string_value(json_object_get(obj, "action"));
	int a = action ? pick(action, action_names, 4) : -1;
	if (!json_object_get(obj, "action"))
		return field_error(e, job, "action", "missing");
	if (a < 0)
		return field_error(e, job, "action",
				   "not one of simulate, install, rollback, reboot");
	job->action = (enum pw_job_action)a;

	const json_t *rb = json_object_get(obj, "reboot");
	if (rb && !json_is_null(rb)) {
		const char *s = json_string_value(rb);
		int r = s ? pick(s, reboot_names, 3) : -1;
		if (r < 0)
			return field_error(e, job, "reboot", "not one of never, if_required, always");
		job->reboot = (enum pw_job_reboot)r;
	}
	const json_t *na = json_object_get(obj, "not_after");
	if (na && !json_is_null(na)) {
		if (!json_is_integer(na) || json_integer_value(na) < 0)
			return field_error(e, job, "not_after", "not a Unix time");
		job->not_after = json_integer_value(na);
	}
	const json_t *hc = json_object_get(obj, "health_check");
	if (hc && !json_is_null(hc)) {
		if (!json_is_boolean(hc))
			return field_error(e, job, "health_check", "not true or false");
		job->health_check = json_is_true(hc);
	}
	if ((rc = id_field(obj, "of", false, job->of, job, e)))
		return rc;

	const json_t *pk = json_object_get(obj, "packages");
	if (pk && !json_is_null(pk) && !json_is_array(pk))
		return field_error(e, job, "packages", "not an array");
	size_t n = json_array_size(pk);
	if (n > PW_JOB_MAX_PACKAGES)
		return field_error(e, job, "packages", "more than 512 packages");
	if (n == 0 && (job->action == PW_JOB_INSTALL || job->action == PW_JOB_SIMULATE))
		return field_error(e, job, "packages", "missing or empty");
	if (n == 0 && job->action == PW_JOB_ROLLBACK && !job->of[0])
		return field_error(e, job, "packages", "a rollback needs packages or \"of\"");
	if (n) {
		job->pkgs = calloc(n, sizeof(*job->pkgs));
		if (!job->pkgs)
			return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *p = json_array_get(pk, i);
		char field[64];
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *ver = json_string_value(json_object_get(p, "version"));
		if (!json_is_object(p)) {
			snprintf(field, sizeof(field), "packages[%zu]", i);
			rc = field_error(e, job, field, "not an object");
			goto fail;
		}
		if (!name || !pw_job_valid_name(name)) {
			snprintf(field, sizeof(field), "packages[%zu].name", i);
			rc = field_error(e, job, field, !name ? "missing or not a string" :
				"not a package name (2-128 of [a-z0-9+.-], starting alphanumeric, optional :arch)");
			goto fail;
		}
		if (!ver || !pw_job_valid_version(ver)) {
			snprintf(field, sizeof(field), "packages[%zu].version", i);
			rc = field_error(e, job, field, !ver ? "missing or not a string" :
					 "not a Debian version of at most 128 characters");
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(job->pkgs[j].name, name) == 0) {
				snprintf(field, sizeof(field), "packages[%zu].name", i);
				rc = field_error(e, job, field, "listed twice");
				goto fail;
			}
		memcpy(job->pkgs[i].name, name, strlen(name) + 1);
		memcpy(job->pkgs[i].version, ver, strlen(ver) + 1);
		job->npkgs++;
	}
	return PW_OK;
fail:
	free(job->pkgs);
	job->pkgs = NULL;
	job->npkgs = 0;
	return rc;
}

pw_err pw_job_parse(const char *text, size_t len, struct pw_job *job, struct pw_error *e)
{
	memset(job, 0, sizeof(*job));
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "job: not JSON: line %d: %s", je.line, je.text);
	pw_err rc = pw_job_parse_json(doc, job, e);
	json_decref(doc);
	return rc;
}

void pw_job_free(struct pw_job *job)
{
	free(job->pkgs);
	job->pkgs = NULL;
	job->npkgs = 0;
}

pw_err pw_job_write(const struct pw_job *job, struct pw_buf *out)
{
	json_t *pk = json_array();
	for (size_t i = 0; pk && i < job->npkgs; i++)
		json_array_append_new(pk, json_pack("{s:s,s:s}", "name", job->pkgs[i].name,
						    "version", job->pkgs[i].version));
	json_t *doc = pk ? json_pack("{s:s,s:s,s:o,s:s,s:I,s:b}", "id", job->id, "action",
				     pw_job_action_name(job->action), "packages", pk, "reboot",
				     pw_job_reboot_name(job->reboot), "not_after",
				     (json_int_t)job->not_after, "health_check", job->health_check) : NULL;
	if (doc && job->change[0])
		json_object_set_new(doc, "change", json_string(job->change));
	if (doc && job->of[0])
		json_object_set_new(doc, "of", json_string(job->of));
	char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	if (!s)
		return PW_ERR_NOMEM;
	pw_err rc = pw_buf_adds(out, s);
	free(s);
	return rc;
}
