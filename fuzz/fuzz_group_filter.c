/* fuzz_group_filter.c - a dynamic group's filter, as an API caller saves
 * it: checked, never crashing, an error always naming something. */
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct pw_error e = { 0 };
	if (pw_registry_filter_check(s, &e) != PW_OK && e.msg[0] == '\0')
		abort();
	free(s);
	return 0;
}
