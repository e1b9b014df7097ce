/* agent_http.c - the agent's HTTP client: libcurl, one easy handle reused
 * so the connection (and its TLS session) stays open between check-ins.
 * Certificates are always verified; redirects are never followed (a
 * credential is sent to the server it was issued by, nowhere else). */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pw_agent.h"
#include "pw_config.h"

#define REPLY_MAX ((size_t)1 << 20)

struct pw_agent_http {
	CURL *curl;
	char ca_file[512];
};

pw_err pw_agent_http_new(const char *ca_file, struct pw_agent_http **out, struct pw_error *e)
{
	static bool global_done;
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return pw_error_set(e, PW_ERR_IO, "cannot initialise libcurl");
		global_done = true;
	}
	struct pw_agent_http *h = calloc(1, sizeof(*h));
	if (!h || !(h->curl = curl_easy_init())) {
		free(h);
		return pw_error_set(e, PW_ERR_NOMEM, "cannot create an HTTP client");
	}
	snprintf(h->ca_file, sizeof(h->ca_file), "%s", ca_file ? ca_file : "");
	*out = h;
	return PW_OK;
}

void pw_agent_http_free(struct pw_agent_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
	struct pw_agent_reply *r = user;
	size_t len = size * n;
	if (r->body.len + len > REPLY_MAX || pw_buf_add(&r->body, data, len))
		return 0; /* curl reports a write error */
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
	struct pw_agent_reply *r = user;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	if (len > sizeof(name) && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		const char *p = data + sizeof(name) - 1;
		while (*p == ' ' || *p == '\t')
			p++;
		int64_t v = 0;
		/* seconds only; an HTTP date is taken as "a while" (60 s) */
		if (*p >= '0' && *p <= '9') {
			for (; *p >= '0' && *p <= '9' && v < 86400 * 7; p++)
				v = v * 10 + (*p - '0');
		} else {
			v = 60;
		}
		r->retry_after = v;
	}
	return len;
}

pw_err pw_agent_http_send(struct pw_agent_http *h, const char *method, const char *url,
			  const char *bearer, const char *body, size_t len,
			  struct pw_agent_reply *reply, struct pw_error *e)
{
	CURL *c = h->curl;
	reply->status = 0;
	reply->retry_after = 0;
	pw_buf_init(&reply->body, REPLY_MAX + 1);
	char auth[256];
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (bearer) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer);
		hdrs = curl_slist_append(hdrs, auth);
	}
	curl_easy_reset(c); /* keeps the connection cache */
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "patchwarden-agent/" PW_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, reply);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	CURLcode cc = curl_easy_perform(c);
	curl_slist_free_all(hdrs);
	memset(auth, 0, sizeof(auth));
	if (cc != CURLE_OK)
		return pw_error_set(e, PW_ERR_IO, "%s %s: %s", method, url, curl_easy_strerror(cc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply->status);
	if (pw_buf_addc(&reply->body, '\0') == PW_OK)
		reply->body.len--;
	return PW_OK;
}
