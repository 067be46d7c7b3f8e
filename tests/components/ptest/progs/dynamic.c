/* Linked dynamically on purpose: the loader must refuse it (PT_INTERP). */
int main(void) { return 0; }
