/* assess.c - placeholder, being written. */
extern int pw_assess_placeholder;
int pw_assess_placeholder;
