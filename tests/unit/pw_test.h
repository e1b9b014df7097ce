/* pw_test.h - what the cmocka unit tests share: cmocka itself and the path
 * of tests/data. */
#ifndef PW_TEST_H
#define PW_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#ifndef PW_TEST_DATA
#error "PW_TEST_DATA must name tests/data"
#endif

#endif
