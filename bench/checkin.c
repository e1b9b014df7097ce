/* checkin.c - the agents' side of the check-in benchmark: a load generator
 * on libcurl's multi interface, N concurrent keep-alive connections, each
 * sending the next request as soon as its answer is in.
 *
 *   checkin URL enroll  --token T --hosts N --conc C --out CREDS
 *       enroll N hosts through POST /api/v1/enroll (machine-ids 0..N-1);
 *       CREDS gets "agent_id host_id machine_id credential" lines
 *   checkin URL upload  --creds CREDS --inventory DOC.json --conc C
 *                       --out DIGESTS [--round R]
 *       every host PUTs the inventory DOC (its own machine-id, one package
 *       version varied per host and per round R, so every document differs);
 *       DIGESTS gets the digest the server computed, one per host
 *   checkin URL checkin --creds CREDS --digests DIGESTS --conc C --seconds S
 *       unchanged check-ins, hosts in turn, for S seconds; an answer asking
 *       for the inventory counts as an error
 *   checkin URL health --conc C --seconds S
 *       GET /api/v1/health for S seconds: the floor of the HTTP server,
 *       loopback and this generator, to set the check-in rate against
 *   --limit N (upload, checkin): only the first N hosts of CREDS
 *
 * Prints one line of figures per run: requests, seconds, per second,
 * latency p50/p99, errors. Exit 1 when any request failed.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct host {
	long long agent_id, host_id;
	char machine_id[40];
	char cred[64];
	char digest[72];
};

struct conn {
	CURL *easy;
	struct curl_slist *hdrs;
	char *reply;
	size_t reply_len, reply_cap;
	char *body; /* owned request body (upload) */
	size_t body_len;
	size_t host; /* which host this request is for */
	double started;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
	struct conn *c = user;
	size_t len = size * n;
	if (c->reply_len + len + 1 > c->reply_cap) {
		size_t cap = (c->reply_len + len + 1) * 2;
		char *p = realloc(c->reply, cap);
		if (!p)
			return 0;
		c->reply = p;
		c->reply_cap = cap;
	}
	memcpy(c->reply + c->reply_len, data, len);
	c->reply_len += len;
	c->reply[c->reply_len] = '\0';
	return len;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* ---- the driver ---- */

enum mode { ENROLL, UPLOAD, CHECKIN, HEALTH };

struct run {
	enum mode mode;
	const char *url;
	const char *token;
	struct host *hosts;
	size_t nhosts;
	size_t next;       /* next request number */
	size_t total;      /* requests to send (0: until deadline) */
	double deadline;   /* CHECKIN, HEALTH */
	size_t done, errors;
	double *lat;
	size_t nlat, cap_lat;
	/* UPLOAD: the document with placeholders */
	char *doc;
	size_t doc_len, mid_off, var_off;
	int round;
	char first_error[300];
};

static void note_error(struct run *r, const char *fmt, const char *a, long b)
{
	r->errors++;
	if (!r->first_error[0])
		snprintf(r->first_error, sizeof(r->first_error), fmt, a, b);
}

/* Fill c for request number i; false when there is nothing more to send. */
static bool prepare(struct run *r, struct conn *c)
{
	if (r->total ? r->next >= r->total : now_s() >= r->deadline)
		return false;
	size_t i = r->next++;
	size_t h = i % r->nhosts;
	char url[512], auth[128], small[256];
	c->host = h;
	c->reply_len = 0;
	curl_slist_free_all(c->hdrs);
	c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *e = c->easy;
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	switch (r->mode) {
	case ENROLL:
		snprintf(r->hosts[h].machine_id, sizeof(r->hosts[h].machine_id), "%032zx", h + 0xbe0000);
		snprintf(url, sizeof(url), "%s/api/v1/enroll", r->url);
		snprintf(small, sizeof(small),
			 "{\"token\":\"%s\",\"machine_id\":\"%s\",\"hostname\":\"bench-%zu\"}", r->token,
			 r->hosts[h].machine_id, h);
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, small);
		break;
	case UPLOAD: {
		snprintf(url, sizeof(url), "%s/api/v1/agent/inventory", r->url);
		if (!c->body || c->body_len != r->doc_len) {
			free(c->body);
			c->body = malloc(r->doc_len);
			c->body_len = r->doc_len;
			memcpy(c->body, r->doc, r->doc_len);
		}
		/* same-length edits: the machine-id and an 8-digit version tag */
		memcpy(c->body + r->mid_off, r->hosts[h].machine_id, 32);
		char tag[16];
		snprintf(tag, sizeof(tag), "%08zx", (h * 31 + (size_t)r->round * 7919) & 0xffffffff);
		memcpy(c->body + r->var_off, tag, 8);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
		break;
	}
	case CHECKIN:
		snprintf(url, sizeof(url), "%s/api/v1/agent/checkin", r->url);
		snprintf(small, sizeof(small), "{\"digest\":\"%s\"}", r->hosts[h].digest);
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, small);
		break;
	case HEALTH:
		snprintf(url, sizeof(url), "%s/api/v1/health", r->url);
		break;
	}
	if (r->mode != ENROLL && r->mode != HEALTH) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", r->hosts[h].cred);
		c->hdrs = curl_slist_append(c->hdrs, auth);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdrs);
	c->started = now_s();
	return true;
}

static void finish(struct run *r, struct conn *c, CURLcode cc)
{
	long status = 0;
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->nlat == r->cap_lat) {
		r->cap_lat = r->cap_lat ? r->cap_lat * 2 : 65536;
		r->lat = realloc(r->lat, r->cap_lat * sizeof(double));
	}
	r->lat[r->nlat++] = now_s() - c->started;
	r->done++;
	if (cc != CURLE_OK) {
		note_error(r, "%s (%ld)", curl_easy_strerror(cc), (long)cc);
		return;
	}
	struct host *h = &r->hosts[c->host];
	json_t *doc = json_loadb(c->reply ? c->reply : "", c->reply_len, 0, NULL);
	switch (r->mode) {
	case ENROLL: {
		const char *cred = json_string_value(json_object_get(doc, "credential"));
		if (status != 201 || !cred) {
			note_error(r, "enroll: %.200s HTTP %ld", c->reply ? c->reply : "", status);
			break;
		}
		h->agent_id = json_integer_value(json_object_get(doc, "agent_id"));
		h->host_id = json_integer_value(json_object_get(doc, "host_id"));
		snprintf(h->cred, sizeof(h->cred), "%s", cred);
		break;
	}
	case UPLOAD: {
		const char *d = json_string_value(json_object_get(doc, "digest"));
		if (status != 200 || !d) {
			note_error(r, "upload: %.200s HTTP %ld", c->reply ? c->reply : "", status);
			break;
		}
		snprintf(h->digest, sizeof(h->digest), "%s", d);
		break;
	}
	case CHECKIN:
		if (status != 200 || !json_is_false(json_object_get(doc, "inventory_wanted")))
			note_error(r, "check-in: %.200s HTTP %ld", c->reply ? c->reply : "", status);
		break;
	case HEALTH:
		if (status != 200)
			note_error(r, "health: %.200s HTTP %ld", c->reply ? c->reply : "", status);
		break;
	}
	json_decref(doc);
}

static int drive(struct run *r, int conc, const char *label)
{
	CURLM *m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)conc);
	struct conn *conns = calloc((size_t)conc, sizeof(*conns));
	int running = 0;
	double t0 = now_s();
	for (int i = 0; i < conc; i++) {
		conns[i].easy = curl_easy_init();
		if (prepare(r, &conns[i])) {
			curl_easy_setopt(conns[i].easy, CURLOPT_PRIVATE, &conns[i]);
			curl_multi_add_handle(m, conns[i].easy);
		}
	}
	do {
		curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *e = msg->easy_handle;
			CURLcode cc = msg->data.result;
			struct conn *c;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&c);
			curl_multi_remove_handle(m, e);
			finish(r, c, cc);
			if (prepare(r, c)) {
				curl_easy_setopt(e, CURLOPT_PRIVATE, c);
				curl_multi_add_handle(m, e);
				running++;
			}
		}
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running);
	double secs = now_s() - t0;
	qsort(r->lat, r->nlat, sizeof(double), cmp_double);
	double p50 = r->nlat ? r->lat[r->nlat / 2] : 0, p99 = r->nlat ? r->lat[r->nlat * 99 / 100] : 0;
	printf("%s: %zu requests in %.2f s: %.0f/s (latency p50 %.2f ms, p99 %.2f ms, %d connections),"
	       " %zu errors\n",
	       label, r->done, secs, (double)r->done / secs, p50 * 1e3, p99 * 1e3, conc, r->errors);
	if (r->first_error[0])
		printf("  first error: %s\n", r->first_error);
	for (int i = 0; i < conc; i++) {
		curl_easy_cleanup(conns[i].easy);
		curl_slist_free_all(conns[i].hdrs);
		free(conns[i].reply);
		free(conns[i].body);
	}
	free(conns);
	curl_multi_cleanup(m);
	return r->errors ? 1 : 0;
}

/* ---- files ---- */

static size_t load_creds(const char *path, struct host **out)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(2);
	}
	size_t n = 0, cap = 1024;
	struct host *h = calloc(cap, sizeof(*h));
	while (1) {
		if (n == cap) {
			h = realloc(h, (cap *= 2) * sizeof(*h));
			memset(h + n, 0, (cap - n) * sizeof(*h));
		}
		if (fscanf(f, "%lld %lld %39s %63s", &h[n].agent_id, &h[n].host_id, h[n].machine_id,
			   h[n].cred) != 4)
			break;
		n++;
	}
	fclose(f);
	*out = h;
	return n;
}

/* The inventory document with a machine-id placeholder and an 8-character
 * tag appended to one package's version, both found by their offsets. */
static void load_doc(struct run *r, const char *path)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc) {
		fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
		exit(2);
	}
	json_t *host = json_object_get(doc, "host");
	json_object_set_new(host, "machine_id", json_string("MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM"));
	json_t *pkgs = json_object_get(doc, "packages");
	json_t *p = json_array_get(pkgs, json_array_size(pkgs) / 2);
	char v[256];
	snprintf(v, sizeof(v), "%s+VVVVVVVV", json_string_value(json_object_get(p, "version")));
	json_object_set_new(p, "version", json_string(v));
	r->doc = json_dumps(doc, JSON_COMPACT);
	r->doc_len = strlen(r->doc);
	r->mid_off = (size_t)(strstr(r->doc, "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM") - r->doc);
	r->var_off = (size_t)(strstr(r->doc, "+VVVVVVVV") - r->doc) + 1;
	fprintf(stderr, "inventory document: %zu packages, %zu bytes\n", json_array_size(pkgs),
		r->doc_len);
	json_decref(doc);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: checkin URL enroll|upload|checkin|health [options]\n");
		return 2;
	}
	struct run r = { .url = argv[1] };
	const char *mode = argv[2], *creds = NULL, *out = NULL, *inventory = NULL, *digests = NULL;
	size_t hosts = 0, limit = 0;
	int conc = 16;
	double seconds = 10;
	for (int i = 3; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--token")) r.token = v;
		else if (!strcmp(k, "--hosts")) hosts = strtoul(v, NULL, 10);
		else if (!strcmp(k, "--conc")) conc = atoi(v);
		else if (!strcmp(k, "--out")) out = v;
		else if (!strcmp(k, "--creds")) creds = v;
		else if (!strcmp(k, "--inventory")) inventory = v;
		else if (!strcmp(k, "--digests")) digests = v;
		else if (!strcmp(k, "--seconds")) seconds = atof(v);
		else if (!strcmp(k, "--round")) r.round = atoi(v);
		else if (!strcmp(k, "--limit")) limit = strtoul(v, NULL, 10);
		else {
			fprintf(stderr, "checkin: unknown option %s\n", k);
			return 2;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc;
	if (!strcmp(mode, "enroll")) {
		r.mode = ENROLL;
		r.nhosts = r.total = hosts;
		r.hosts = calloc(hosts, sizeof(*r.hosts));
		rc = drive(&r, conc, "enrollments");
		FILE *f = fopen(out, "w");
		for (size_t i = 0; i < hosts; i++)
			fprintf(f, "%lld %lld %s %s\n", r.hosts[i].agent_id, r.hosts[i].host_id,
				r.hosts[i].machine_id, r.hosts[i].cred);
		fclose(f);
	} else if (!strcmp(mode, "upload")) {
		r.mode = UPLOAD;
		r.nhosts = r.total = load_creds(creds, &r.hosts);
		if (limit && limit < r.nhosts)
			r.nhosts = r.total = limit;
		load_doc(&r, inventory);
		rc = drive(&r, conc, "inventory uploads");
		FILE *f = fopen(out, "w");
		for (size_t i = 0; i < r.nhosts; i++)
			fprintf(f, "%s\n", r.hosts[i].digest);
		fclose(f);
	} else if (!strcmp(mode, "checkin")) {
		r.mode = CHECKIN;
		r.nhosts = load_creds(creds, &r.hosts);
		if (limit && limit < r.nhosts)
			r.nhosts = limit;
		FILE *f = fopen(digests, "r");
		for (size_t i = 0; f && i < r.nhosts; i++) {
			if (fscanf(f, "%71s", r.hosts[i].digest) != 1)
				break;
		}
		if (f)
			fclose(f);
		r.deadline = now_s() + seconds;
		rc = drive(&r, conc, "unchanged check-ins");
	} else if (!strcmp(mode, "health")) {
		/* the HTTP floor: GET /api/v1/health, no credential, one read */
		r.mode = HEALTH;
		r.nhosts = 1;
		r.hosts = calloc(1, sizeof(*r.hosts));
		r.deadline = now_s() + seconds;
		rc = drive(&r, conc, "health requests");
	} else {
		fprintf(stderr, "checkin: unknown mode %s\n", mode);
		return 2;
	}
	free(r.lat);
	free(r.hosts);
	free(r.doc);
	curl_global_cleanup();
	return rc;
}
