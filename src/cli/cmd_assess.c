/* cmd_assess.c - placeholder, being written. */
#include "pw_cli.h"

int cmd_assess(int argc, char **argv)
{
	(void)argc; (void)argv;
	pw_cli_error("assess", "not built yet");
	return PW_EXIT_ERROR;
}
