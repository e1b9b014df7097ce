/* cmd_feed.c - placeholder, being written. */
#include "pw_cli.h"

int cmd_feed(int argc, char **argv)
{
	(void)argc; (void)argv;
	pw_cli_error("feed", "not built yet");
	return PW_EXIT_ERROR;
}
