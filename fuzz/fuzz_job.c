/* fuzz_job.c - the agent's job parser on arbitrary bytes; a job it accepts
 * must write back to one it accepts again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pw_job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_job job, again;
	struct pw_error e;
	if (pw_job_parse((const char *)data, size, &job, &e) == PW_OK) {
		struct pw_buf b = PW_BUF_INIT;
		if (pw_job_write(&job, &b) == PW_OK &&
		    pw_job_parse(b.data, b.len, &again, &e) != PW_OK)
			abort();
		pw_job_free(&again);
		pw_buf_free(&b);
	}
	pw_job_free(&job);
	return 0;
}
