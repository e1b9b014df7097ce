/* fetch.c - HTTPS downloads with conditional GET, through libcurl. */
#include "pw_fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_config.h"

#define FETCH_MAX_BYTES ((curl_off_t)2 << 30)

struct fetch_ctx {
	FILE *out;
	struct pw_fetch_result *res;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct fetch_ctx *c = userdata;
	size_t n = size * nmemb;
	if (fwrite(ptr, 1, n, c->out) != n)
		return 0;
	c->res->bytes += n;
	return n;
}

/* Keep the validators the server sends: ETag and Last-Modified. */
static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct fetch_ctx *c = userdata;
	size_t n = size * nitems;
	struct {
		const char *name;
		char *dst;
		size_t cap;
	} want[] = {
		{ "etag:", c->res->etag, sizeof(c->res->etag) },
		{ "last-modified:", c->res->last_modified, sizeof(c->res->last_modified) },
	};
	for (size_t i = 0; i < 2; i++) {
		size_t k = strlen(want[i].name);
		if (n > k && strncasecmp(buf, want[i].name, k) == 0) {
			const char *v = buf + k;
			size_t len = n - k;
			while (len && (*v == ' ' || *v == '\t'))
				v++, len--;
			while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
				len--;
			if (len < want[i].cap) {
				memcpy(want[i].dst, v, len);
				want[i].dst[len] = '\0';
			}
		}
	}
	return n;
}

pw_err pw_fetch(const char *url, const char *etag, const char *last_modified,
		const char *dest_path, struct pw_fetch_result *out, struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "file://", 7) != 0)
		return pw_error_set(e, PW_ERR_USAGE, "%s: only https://, http:// and file:// URLs", url);
	struct pw_buf tmp = PW_BUF_INIT;
	pw_buf_addf(&tmp, "%s.part.XXXXXX", dest_path);
	int fd = tmp.data ? mkstemp(tmp.data) : -1;
	if (fd < 0) {
		pw_err rc = pw_error_set(e, PW_ERR_IO, "%s: %s", dest_path, strerror(errno));
		pw_buf_free(&tmp);
		return rc;
	}
	FILE *f = fdopen(fd, "wb");
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = NULL;
	struct fetch_ctx ctx = { f, out };
	pw_err rc = PW_OK;
	char line[512];
	if (!f || !curl) {
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (etag && *etag) {
		snprintf(line, sizeof(line), "If-None-Match: %s", etag);
		headers = curl_slist_append(headers, line);
	}
	if (last_modified && *last_modified) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s", last_modified);
		headers = curl_slist_append(headers, line);
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, FETCH_MAX_BYTES);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "patchwarden/" PW_VERSION);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ctx);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http,file");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https,http");
	CURLcode cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->http_status);
	if (out->http_status == 304) {
		out->not_modified = true;
	} else if (strncmp(url, "file://", 7) != 0 &&
		   (out->http_status < 200 || out->http_status >= 300)) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: HTTP status %ld", url, out->http_status);
		goto out;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", dest_path, strerror(errno));
		goto out;
	}
out:
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	if (rc == PW_OK && !out->not_modified && rename(tmp.data, dest_path) != 0)
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", dest_path, strerror(errno));
	if (rc != PW_OK || out->not_modified)
		unlink(tmp.data);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	pw_buf_free(&tmp);
	return rc;
}
