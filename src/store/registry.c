/* registry.c - (being written): the asset register, see pw_registry.h */
#include "pw_registry.h"
