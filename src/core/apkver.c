/* apkver.c - placeholder, being written. */
#include "pw_version.h"
extern int pw_apkver_placeholder;
int pw_apkver_placeholder;
