/* checkin.c - one check-in: scan the host, send the inventory digest, upload
 * the full inventory only when the server asks for it.
 *
 * The server's answer is read field by field: "inventory_wanted" (bool),
 * "interval_s" (integer) and "jobs" (an array: each job is parsed into its
 * typed form and handed to the apply program, pw_jobrun.h, when [agent]
 * jobs is on; otherwise counted and logged). Nothing it says is ever
 * executed or handed to a shell.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "pw_agent.h"
#include "pw_jobrun.h"
#include "pw_inventory_digest.h"
#include "pw_inventory_json.h"
#include "pw_scan.h"

static enum pw_checkin_outcome classify(long status)
{
	if (status == 401 || status == 403)
		return PW_CHECKIN_REJECTED;
	if (status == 0 || status == 408 || status == 429 || status >= 500)
		return PW_CHECKIN_RETRY;
	return PW_CHECKIN_FAILED;
}

/* An agent whose enrollment awaits an admin's approval gets 403 with the
 * code "enrollment_pending": not a rejection, a reason to ask again. */
static enum pw_checkin_outcome classify_reply(const struct pw_agent_reply *r)
{
	if (r->status != 403 || !r->body.len)
		return classify(r->status);
	json_t *doc = json_loadb(r->body.data, r->body.len, 0, NULL);
	const char *code = json_string_value(json_object_get(json_object_get(doc, "error"), "code"));
	bool pending = code && strcmp(code, "enrollment_pending") == 0;
	json_decref(doc);
	return pending ? PW_CHECKIN_PENDING : PW_CHECKIN_REJECTED;
}

/* The server's error message, when it sent the documented error body. */
static void server_error(const struct pw_agent_reply *r, const char *what, struct pw_error *e)
{
	json_t *doc = r->body.len ? json_loadb(r->body.data, r->body.len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
	pw_error_set(e, PW_ERR_IO, "%s: HTTP %ld%s%.300s", what, r->status, msg ? ": " : "",
		     msg ? msg : "");
	json_decref(doc);
}

static pw_err url_of(char *out, size_t size, const char *server, const char *path,
		     struct pw_error *e)
{
	size_t n = strlen(server);
	while (n && server[n - 1] == '/')
		n--;
	if (snprintf(out, size, "%.*s%s", (int)n, server, path) >= (int)size)
		return pw_error_set(e, PW_ERR_LIMIT, "server URL too long");
	return PW_OK;
}

pw_err pw_agent_checkin(struct pw_agent_http *h, const struct pw_agent_state *st,
			const char *root, const struct pw_jobrun *disp,
			struct pw_checkin_result *res, struct pw_error *e)
{
	memset(res, 0, sizeof(*res));
	res->outcome = PW_CHECKIN_FAILED;
	struct pw_inventory inv;
	struct pw_scan_options so = { .root = root && *root ? root : NULL };
	struct pw_agent_reply reply = { 0 };
	struct pw_buf doc = PW_BUF_INIT;
	json_t *answer = NULL;
	char url[700];
	pw_err rc;

	pw_inventory_init(&inv, so.root ? so.root : "/");
	if ((rc = pw_scan(&inv, &so, e)))
		goto out;
	for (size_t i = 0; i < inv.nwarnings; i++)
		pw_agent_log("warning", "scan: %s", inv.warnings[i]);
	for (size_t i = 0; i < inv.ndb_errors; i++)
		pw_agent_log("warning", "scan: %s", inv.db_errors[i]);
	pw_inventory_sort(&inv);
	if ((rc = pw_inventory_digest(&inv, res->digest, e)))
		goto out;

	char body[160];
	int n = snprintf(body, sizeof(body), "{\"digest\":\"%s\"}", res->digest);
	if ((rc = url_of(url, sizeof(url), st->server, "/api/v1/agent/checkin", e)))
		goto out;
	rc = pw_agent_http_send(h, "POST", url, st->credential, body, (size_t)n, &reply, e);
	res->retry_after = reply.retry_after;
	if (rc) {
		res->outcome = PW_CHECKIN_RETRY;
		goto out;
	}
	if (reply.status != 200) {
		res->outcome = classify_reply(&reply);
		server_error(&reply, "check-in", e);
		rc = PW_ERR_IO;
		goto out;
	}
	json_error_t je;
	answer = json_loadb(reply.body.data, reply.body.len, 0, &je);
	const json_t *wanted = json_object_get(answer, "inventory_wanted");
	if (!json_is_object(answer) || !json_is_boolean(wanted)) {
		res->outcome = PW_CHECKIN_RETRY;
		rc = pw_error_set(e, PW_ERR_PARSE, "check-in: the server's answer is not a check-in reply");
		goto out;
	}
	const json_t *iv = json_object_get(answer, "interval_s");
	if (json_is_integer(iv) && json_integer_value(iv) > 0)
		res->interval_s = json_integer_value(iv);
	const json_t *jobs = json_object_get(answer, "jobs");
	if (json_is_array(jobs) && json_array_size(jobs)) {
		res->jobs = json_array_size(jobs);
		if (!disp) {
			pw_agent_log("info", "the server listed %zu job%s; jobs are off here "
				     "([agent] jobs = false): ignored", res->jobs,
				     res->jobs == 1 ? "" : "s");
		} else {
			struct pw_error de;
			size_t handed;
			if (pw_jobrun_hand_over(disp, jobs, &handed, &de))
				pw_agent_log("error", "jobs: %s", de.msg);
		}
	}
	if (!json_is_true(wanted)) {
		res->outcome = PW_CHECKIN_OK;
		goto out;
	}

	/* the server asked for the inventory */
	if ((rc = pw_inventory_write_json(&inv, &doc, false))) {
		pw_error_set(e, rc, "cannot write the inventory document: %s", pw_strerror(rc));
		goto out;
	}
	if ((rc = url_of(url, sizeof(url), st->server, "/api/v1/agent/inventory", e)))
		goto out;
	pw_buf_free(&reply.body);
	rc = pw_agent_http_send(h, "PUT", url, st->credential, doc.data, doc.len, &reply, e);
	res->retry_after = reply.retry_after;
	if (rc) {
		res->outcome = PW_CHECKIN_RETRY;
		goto out;
	}
	if (reply.status != 200 && reply.status != 202) {
		res->outcome = classify_reply(&reply);
		server_error(&reply, "inventory upload", e);
		rc = PW_ERR_IO;
		goto out;
	}
	res->uploaded = true;
	res->outcome = PW_CHECKIN_OK;
	json_t *d = json_loadb(reply.body.data, reply.body.len, 0, NULL);
	if (reply.status == 202) { /* kept by the server for an admin's review, not applied */
		res->held = true;
		pw_agent_log("warning", "inventory of %zu packages held by the server for review: %s",
			     inv.npkgs, json_string_value(json_object_get(d, "reason")) ?
			     json_string_value(json_object_get(d, "reason")) : "no reason given");
		json_decref(d);
		goto out;
	}
	pw_agent_log("info", "inventory uploaded: %zu packages (%lld added, %lld removed, %lld changed)",
		     inv.npkgs, (long long)json_integer_value(json_object_get(d, "added")),
		     (long long)json_integer_value(json_object_get(d, "removed")),
		     (long long)json_integer_value(json_object_get(d, "changed")));
	json_decref(d);
out:
	json_decref(answer);
	pw_buf_free(&doc);
	pw_buf_free(&reply.body);
	pw_inventory_free(&inv);
	return rc;
}
