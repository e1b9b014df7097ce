/* fetch.c - HTTPS downloads with conditional GET, through libcurl.
 *
 * The validators of the last successful fetch (ETag, Last-Modified) are
 * sent back; a 304 means the feed did not change and nothing is imported.
 * Only the final response's validators count: each response's status line
 * resets them, so a redirect's headers never stick.
 */
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

#define DEFAULT_MAX_BYTES ((uint64_t)4 << 30)

struct fetch_ctx {
	FILE *out;
	struct pw_fetch_result *res;
	uint64_t max_bytes;
	bool too_big;
	const struct pw_fetch_options *opt;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct fetch_ctx *c = userdata;
	size_t n = size * nmemb;
	/* a server that sends no Content-Length is held to the cap here */
	if (c->res->bytes + n > c->max_bytes) {
		c->too_big = true;
		return 0;
	}
	if (fwrite(ptr, 1, n, c->out) != n)
		return 0;
	c->res->bytes += n;
	return n;
}

/* Copy a header's value (after "name:"), trimmed, if it fits. */
static void header_value(const char *buf, size_t n, size_t skip, char *dst, size_t cap)
{
	const char *v = buf + skip;
	size_t len = n - skip;
	while (len && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' ' ||
		       v[len - 1] == '\t'))
		len--;
	/* a validator too long to keep is dropped, never cut: a cut one
	 * would never match */
	if (len < cap) {
		memcpy(dst, v, len);
		dst[len] = '\0';
	} else {
		dst[0] = '\0';
	}
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct fetch_ctx *c = userdata;
	size_t n = size * nitems;
	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		c->res->etag[0] = '\0';
		c->res->last_modified[0] = '\0';
	} else if (n > 5 && strncasecmp(buf, "etag:", 5) == 0) {
		header_value(buf, n, 5, c->res->etag, sizeof(c->res->etag));
	} else if (n > 14 && strncasecmp(buf, "last-modified:", 14) == 0) {
		header_value(buf, n, 14, c->res->last_modified, sizeof(c->res->last_modified));
	}
	return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)ultotal, (void)ulnow;
	struct fetch_ctx *c = userdata;
	c->opt->progress(c->opt->progress_ctx, dlnow > 0 ? (uint64_t)dlnow : 0,
			 dltotal > 0 ? (uint64_t)dltotal : 0);
	return 0;
}

/* A stored validator goes back into a request header: one with a line
 * break in it (a damaged store) would inject headers, so it is not sent. */
static bool header_safe(const char *v)
{
	return v && *v && !strpbrk(v, "\r\n");
}

pw_err pw_fetch(const char *url, const char *etag, const char *last_modified,
		const char *dest_path, struct pw_fetch_result *out, struct pw_error *e)
{
	return pw_fetch_with(url, etag, last_modified, dest_path, NULL, out, e);
}

pw_err pw_fetch_with(const char *url, const char *etag, const char *last_modified,
		     const char *dest_path, const struct pw_fetch_options *opt,
		     struct pw_fetch_result *out, struct pw_error *e)
{
	static const struct pw_fetch_options defaults;
	if (!opt)
		opt = &defaults;
	memset(out, 0, sizeof(*out));
	bool is_file = strncmp(url, "file://", 7) == 0;
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0 && !is_file)
		return pw_error_set(e, PW_ERR_USAGE, "%s: only https://, http:// and file:// URLs",
				    url);

	struct pw_buf tmp = PW_BUF_INIT, line = PW_BUF_INIT;
	CURL *curl = NULL;
	struct curl_slist *headers = NULL;
	FILE *f = NULL;
	int fd = -1;
	bool renamed = false;
	pw_err rc = PW_OK;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct fetch_ctx ctx = { NULL, out, opt->max_bytes ? opt->max_bytes : DEFAULT_MAX_BYTES,
				 false, opt };

	if (pw_buf_addf(&tmp, "%s.part.XXXXXX", dest_path)) {
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((fd = mkstemp(tmp.data)) < 0) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: cannot create a temporary file: %s", dest_path,
				  strerror(errno));
		goto out;
	}
	if (!(f = fdopen(fd, "wb")) || !(curl = curl_easy_init())) {
		rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
		goto out;
	}
	fd = -1; /* f owns it */
	ctx.out = f;

	if (header_safe(etag)) {
		pw_buf_reset(&line);
		if (pw_buf_addf(&line, "If-None-Match: %s", etag) == PW_OK)
			headers = curl_slist_append(headers, line.data);
	}
	if (header_safe(last_modified)) {
		if (is_file) {
			/* file:// has no headers: curl compares the file's mtime */
			time_t t = curl_getdate(last_modified, NULL);
			if (t > 0) {
				curl_easy_setopt(curl, CURLOPT_TIMECONDITION,
						 (long)CURL_TIMECOND_IFMODSINCE);
				curl_easy_setopt(curl, CURLOPT_TIMEVALUE_LARGE, (curl_off_t)t);
			}
		} else {
			pw_buf_reset(&line);
			if (pw_buf_addf(&line, "If-Modified-Since: %s", last_modified) == PW_OK)
				headers = curl_slist_append(headers, line.data);
		}
	}
	for (const char *const *h = opt->headers; h && *h; h++) {
		if (header_safe(*h))
			headers = curl_slist_append(headers, *h);
	}

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, opt->max_redirects < 0 ? 0L : 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, opt->max_redirects > 0 ? opt->max_redirects : 5L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, opt->connect_timeout > 0 ? opt->connect_timeout : 30L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, opt->timeout > 0 ? opt->timeout : 3600L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, opt->low_speed_time > 0 ? opt->low_speed_time : 60L);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ctx.max_bytes);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "patchwarden/" PW_VERSION);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, ""); /* gzip on the wire when offered */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ctx);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http,file");
	/* a redirect never leads to a local file */
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https,http");
	if (opt->progress) {
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &ctx);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	}

	CURLcode cc = curl_easy_perform(curl);
	char *eff = NULL;
	if (curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
		snprintf(out->effective_url, sizeof(out->effective_url), "%s", eff);
	if (ctx.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		rc = pw_error_set(e, PW_ERR_LIMIT, "%s: larger than the %llu-byte limit", url,
				  (unsigned long long)ctx.max_bytes);
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", url,
				  errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	if (!is_file)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->http_status);
	long unmet = 0;
	curl_easy_getinfo(curl, CURLINFO_CONDITION_UNMET, &unmet);
	if (out->http_status == 304 || (is_file && unmet)) {
		out->not_modified = true;
		out->bytes = 0;
		goto out;
	}
	if (!is_file && (out->http_status < 200 || out->http_status >= 300)) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: HTTP status %ld%s", url, out->http_status,
				  out->http_status == 404 ? " (not found)" : "");
		goto out;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", dest_path, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", dest_path, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp.data, dest_path) != 0) {
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", dest_path, strerror(errno));
		goto out;
	}
	renamed = true;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (tmp.data && !renamed)
		unlink(tmp.data);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	pw_buf_free(&line);
	pw_buf_free(&tmp);
	return rc;
}
