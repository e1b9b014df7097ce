/* store.c - placeholder, being written. */
#include "pw_store.h"
extern int pw_store_placeholder;
int pw_store_placeholder;
