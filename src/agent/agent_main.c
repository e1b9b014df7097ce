/* agent_main.c - (being written): patchwarden-agent */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "patchwarden-agent: not built yet\n");
	return 2;
}
